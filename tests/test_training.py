"""Training on real images: the losses are logged, progress is reported, metrics recorded."""

import dataclasses

import numpy as np

import vae


def test_one_epoch_on_a_few_hundred_images_logs_all_three_losses(small_mnist):
    seen = []
    model = vae.train(
        vae.TrainConfig(epochs=1, batch_size=50, hidden_units=(64, 32)), small_mnist, on_progress=seen.append
    )
    assert len(seen) == 6  # 300 images / 50 per batch
    last = seen[-1]
    assert last.fraction == 1.0 and last.epoch == 0 and last.batch == 5
    for value in (last.loss, last.reconstruction_loss, last.kl_loss):
        assert np.isfinite(value)
    # The total is reconstruction + beta * KL (beta = 1), as Keras' Mean trackers report it.
    np.testing.assert_allclose(last.loss, last.reconstruction_loss + last.kl_loss, rtol=1e-4)
    history = model.metrics["history"]
    assert set(history) == {"loss", "reconstruction_loss", "kl_loss"}
    # The map's formation is recorded: before training and after the epoch.
    assert list(model.snapshots.epochs) == [0, 1] and model.snapshots.means.shape == (2, 500, 2)
    # The decoder starts from the average digit (its output bias), far below the ~543 nats of
    # a uniform grey guess; the encoder moves the map.
    assert seen[-1].reconstruction_loss < 300
    assert not np.allclose(model.snapshots.means[0], model.snapshots.means[1])


def test_metrics_describe_the_model(tiny_model, small_mnist):
    metrics = tiny_model.metrics
    assert metrics["train_images"] == 300 and metrics["train_seconds"] > 0
    assert metrics["data_source"] == small_mnist.origin and metrics["dataset"] == "mnist"
    assert metrics["epochs_trained"] == 1 and 0 < metrics["mean_posterior_sigma"] < 2
    assert 0.0 <= metrics["knn5_accuracy"] <= 1.0
    np.testing.assert_allclose(metrics["test_nelbo"], metrics["test_reconstruction"] + metrics["test_kl"], rtol=1e-9)


def test_beta_zero_trains_a_plain_autoencoder(small_mnist):
    seen = []
    vae.train(
        vae.TrainConfig(epochs=1, beta=0.0, batch_size=100, hidden_units=(32,)), small_mnist, on_progress=seen.append
    )
    np.testing.assert_allclose(seen[-1].loss, seen[-1].reconstruction_loss, rtol=1e-5)
    assert seen[-1].kl_loss > 0  # reported, but not part of the objective


def test_knn_accuracy_against_a_direct_count():
    from vae.analysis.metrics import knn_accuracy

    rng = np.random.default_rng(0)
    train_points = rng.normal(size=(400, 2))
    train_labels = (train_points[:, 0] > 0).astype(np.uint8)
    test_points = rng.normal(size=(100, 2))
    test_labels = (test_points[:, 0] > 0).astype(np.uint8)
    distances = ((test_points[:, None] - train_points[None]) ** 2).sum(-1)
    votes = train_labels[np.argsort(distances, axis=1)[:, :5]]
    expected = np.mean((votes.sum(1) >= 3).astype(np.uint8) == test_labels)
    assert knn_accuracy(train_points, train_labels, test_points, test_labels) == expected


def test_the_k_d_tree_vote_equals_the_distance_matrix_vote_on_the_bundled_vaes_means(bundled_model, mnist_test):
    from vae.analysis.metrics import knn_accuracy, knn_accuracy_by_distances

    # The bundled VAE's real test means, split: 8,000 as the reference set, 2,000 to vote.
    means = bundled_model.encodings["mean"].astype(np.float64)
    labels = mnist_test.y_test
    args = (means[:8000], labels[:8000], means[8000:], labels[8000:])
    assert knn_accuracy(*args) == knn_accuracy_by_distances(*args)


def test_train_cached_trains_once_and_then_loads(small_mnist):
    config = vae.TrainConfig(epochs=1, batch_size=100, hidden_units=(32,))
    first = vae.train_cached(config, small_mnist)
    second = vae.train_cached(config, small_mnist)
    assert second.path == first.path
    z = np.array([[0.3, -0.2]])
    np.testing.assert_array_equal(first.decode(z), second.decode(z))


def test_same_seed_same_run(small_mnist):
    config = vae.TrainConfig(epochs=1, batch_size=100, hidden_units=(32,), seed=3)
    first, second = vae.train(config, small_mnist), vae.train(config, small_mnist)
    for a, b in zip(first.weights, second.weights, strict=False):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(first.snapshots.means, second.snapshots.means)
    other = vae.train(vae.TrainConfig(epochs=1, batch_size=100, hidden_units=(32,), seed=4), small_mnist)
    assert not np.array_equal(first.weights[0], other.weights[0])


def test_a_trainer_prepared_ahead_starts_traced_and_trains_the_same_model_as_a_fresh_one(small_mnist):
    """A warm trainer traces the form's default config's step ahead (fit.prepare); the training
    then reuses that step, with every variable as built: the same weights, step for step."""
    from vae.training import fit

    config = vae.TrainConfig(epochs=2, batch_size=50, hidden_units=(32,), seed=5, warmup_epochs=0.5)
    fresh = vae.train(config, small_mnist)
    fit.prepare(config, small_mnist)
    prepared = fit._PREPARED[fit._prepared_key(config, small_mnist)].trainer
    traced = prepared.train_function
    ahead = vae.train(config, small_mnist)
    assert ahead.metrics["step_traced_ahead"] and not fresh.metrics["step_traced_ahead"]
    assert prepared.train_function is traced and not fit._PREPARED  # its step reused, once
    for a, b in zip(fresh.weights, ahead.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(fresh.snapshots.means, ahead.snapshots.means)
    assert ahead.metrics["history"] == fresh.metrics["history"]
    # Another config (or the same on other data) is not given the prepared trainer.
    fit.prepare(config, small_mnist)
    other = vae.train(dataclasses.replace(config, seed=6), small_mnist)
    assert not other.metrics["step_traced_ahead"] and len(fit._PREPARED) == 1
    fit._PREPARED.clear()


def test_a_stop_request_ends_training_early_and_keeps_the_model(split_mnist):
    seen = []
    config = vae.TrainConfig(epochs=5, batch_size=100, hidden_units=(32,))
    model = vae.train(
        config, split_mnist.subset(1000, 500), on_progress=seen.append, should_stop=lambda: len(seen) >= 15
    )  # 10 batches per epoch: stop in epoch 2
    assert model.metrics["epochs_trained"] == 1.5 and len(seen) == 15
    assert list(model.snapshots.epochs) == [0, 1, 1.5]
    assert np.isfinite(model.metrics["test_nelbo"])


def test_warmup_ema_and_gelu_train(small_mnist):
    config = vae.TrainConfig(
        epochs=2, batch_size=100, hidden_units=(32, 16), activation="gelu", warmup_epochs=0.5, ema=0.9
    )
    model = vae.train(config, small_mnist)
    assert np.isfinite(model.metrics["test_nelbo"])


def test_a_stopped_cached_training_is_kept_under_its_own_name(small_mnist):
    from vae.store.cache import cached_model_path
    from vae.training.fit import stopped_model_path

    config = vae.TrainConfig(epochs=3, batch_size=100, hidden_units=(16,))
    model = vae.train_cached(config, small_mnist, should_stop=lambda: True)
    assert model.path == stopped_model_path(config, small_mnist.source, 0.33)
    assert not cached_model_path(config, small_mnist.source).exists()
    assert vae.load_model(model.path).metrics["epochs_trained"] == 0.33


def test_training_on_digits_distorted_like_uploads(small_mnist):
    from vae.data.augment import distort

    images = small_mnist.x_train[:200]
    distorted = distort(images, seed=1)
    changed = np.abs(distorted - images).reshape(200, -1).max(axis=1) > 0.05
    assert 0.3 < changed.mean() < 0.7  # about half are distorted, the rest left as they were
    np.testing.assert_array_equal(distort(images, seed=1), distorted)  # reproducible
    assert distorted.min() >= 0 and distorted.max() <= 1
    model = vae.train(vae.TrainConfig(epochs=2, batch_size=100, hidden_units=(32,), augment="uploads"), small_mnist)
    assert np.isfinite(model.metrics["test_nelbo"]) and len(model.snapshots) == 3


def test_the_kl_weight_warms_up_from_zero_to_beta(small_mnist):
    seen = []
    config = vae.TrainConfig(epochs=2, batch_size=100, hidden_units=(32,), kl_warmup_epochs=1.0, beta=2.0)
    vae.train(config, small_mnist, on_progress=seen.append)
    first, last = seen[0], seen[-1]
    np.testing.assert_allclose(first.loss, first.reconstruction_loss, rtol=1e-6)  # weight 0 on the first batch
    np.testing.assert_allclose(last.loss, last.reconstruction_loss + 2.0 * last.kl_loss, rtol=1e-3)


def test_the_input_pipelines_have_no_autotuning_thread(small_mnist):
    """Issue 22: tf.data's autotuning thread sleeps up to 60 s between tunings, and deleting
    the iterator at the end of `fit` waited for it (25-47 s after the last step, one long
    training in three). Both inputs run without it, and still give every epoch's batches."""
    from vae.data.augment import distorted_batches
    from vae.training.fit import training_batches, without_autotune

    images = small_mnist.x_train[:250]
    batches, count = training_batches(images, 100, 3, seed=1)
    assert batches.options().autotune.enabled is False
    assert count == 2 and len(list(batches)) == 6
    pipeline = without_autotune(distorted_batches(images, 100, 3, seed=1)[0])
    assert pipeline.options().autotune.enabled is False
    every = [batch.numpy() for batch in pipeline]
    assert len(every) == 6 and every[0].shape == (100, 28, 28)
    assert not np.array_equal(every[0], every[2])  # each epoch its own order and distortions
