"""Training on real images: the losses are logged, progress is reported, metrics recorded."""

import numpy as np

import vae


def test_one_epoch_on_a_few_hundred_images_logs_all_three_losses(small_mnist):
    seen = []
    model = vae.train(vae.TrainConfig(epochs=1, batch_size=50, hidden_units=(64, 32)),
                      small_mnist, on_progress=seen.append)
    assert len(seen) == 6  # 300 images / 50 per batch
    last = seen[-1]
    assert last.fraction == 1.0 and last.epoch == 0 and last.batch == 5
    for value in (last.loss, last.reconstruction_loss, last.kl_loss):
        assert np.isfinite(value)
    # The total is reconstruction + beta * KL (beta = 1), as Keras' Mean trackers report it.
    np.testing.assert_allclose(last.loss, last.reconstruction_loss + last.kl_loss, rtol=1e-4)
    history = model.metrics["history"]
    assert set(history) == {"loss", "reconstruction_loss", "kl_loss"}
    # Learning happens: the loss falls well below the ~543 nats of a uniform 0.5 guess.
    assert seen[-1].reconstruction_loss < seen[0].reconstruction_loss


def test_metrics_describe_the_model(tiny_model, small_mnist):
    metrics = tiny_model.metrics
    assert metrics["train_images"] == 300 and metrics["train_seconds"] > 0
    assert metrics["data_source"] == small_mnist.source
    assert 0.0 <= metrics["knn5_accuracy"] <= 1.0
    np.testing.assert_allclose(metrics["test_nelbo"],
                               metrics["test_reconstruction"] + metrics["test_kl"], rtol=1e-9)


def test_beta_zero_trains_a_plain_autoencoder(small_mnist):
    seen = []
    vae.train(vae.TrainConfig(epochs=1, beta=0.0, batch_size=100, hidden_units=(32,)),
              small_mnist, on_progress=seen.append)
    np.testing.assert_allclose(seen[-1].loss, seen[-1].reconstruction_loss, rtol=1e-5)
    assert seen[-1].kl_loss > 0  # reported, but not part of the objective


def test_knn_accuracy_against_a_direct_count():
    from vae.metrics import knn_accuracy

    rng = np.random.default_rng(0)
    train_points = rng.normal(size=(400, 2))
    train_labels = (train_points[:, 0] > 0).astype(np.uint8)
    test_points = rng.normal(size=(100, 2))
    test_labels = (test_points[:, 0] > 0).astype(np.uint8)
    distances = ((test_points[:, None] - train_points[None]) ** 2).sum(-1)
    votes = train_labels[np.argsort(distances, axis=1)[:, :5]]
    expected = np.mean((votes.sum(1) >= 3).astype(np.uint8) == test_labels)
    assert knn_accuracy(train_points, train_labels, test_points, test_labels) == expected


def test_train_cached_trains_once_and_then_loads(small_mnist):
    config = vae.TrainConfig(epochs=1, batch_size=100, hidden_units=(32,))
    first = vae.train_cached(config, small_mnist)
    second = vae.train_cached(config, small_mnist)
    assert second.path == first.path
    z = np.array([[0.3, -0.2]])
    np.testing.assert_array_equal(first.decode(z), second.decode(z))
