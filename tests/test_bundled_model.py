"""The bundled model is good, judged by an independent NumPy computation on real MNIST."""

import numpy as np


def test_bundled_model_reaches_136_nats_on_the_official_test_set(bundled_model, mnist):
    x = mnist.x_test.astype(np.float64)
    mean, log_var = bundled_model.encode(mnist.x_test)
    p = bundled_model.decode(mean).astype(np.float64)
    bce = -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=(1, 2))
    kl = 0.5 * np.sum(np.exp(log_var) + mean ** 2 - 1 - log_var, axis=1)
    nelbo = float(np.mean(bce + kl))
    assert nelbo <= 136.0
    # What the model folder records is what it does.
    assert abs(nelbo - bundled_model.metrics["test_nelbo"]) < 0.05


def test_bundled_model_separates_digits_in_its_latent_means(bundled_model, mnist):
    train_means, _ = bundled_model.encode(mnist.x_train)
    test_means, _ = bundled_model.encode(mnist.x_test)
    correct = 0
    for start in range(0, 10000, 500):
        chunk = test_means[start:start + 500]
        distances = ((chunk[:, None, :] - train_means[None, :, :]) ** 2).sum(-1)
        votes = mnist.y_train[np.argsort(distances, axis=1)[:, :5]]
        predicted = np.array([np.bincount(row, minlength=10).argmax() for row in votes])
        correct += np.sum(predicted == mnist.y_test[start:start + 500])
    assert correct / 10000 >= 0.80


def test_bundled_model_records_how_it_was_trained(bundled_model):
    metrics = bundled_model.metrics
    assert metrics["train_images"] == 60000
    assert "train_seconds" in metrics and "data_source" in metrics
    assert bundled_model.config.latent_dim == 2
