"""The one evaluation every model gets (app, command line, benchmarks): test NELBO and 5-NN."""

from __future__ import annotations

import numpy as np

from vae.data.dataset import Dataset

EVAL_BATCH = 2000


def _log_sigmoid_terms(images: np.ndarray, logits: np.ndarray) -> np.ndarray:
    # Binary cross-entropy per example, summed over pixels: softplus(l) - x * l.
    per_pixel = np.logaddexp(0.0, logits) - images * logits
    return per_pixel.reshape(len(images), -1).sum(axis=1)


def loss_terms(model, images: np.ndarray, encoded: tuple | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per image: (reconstruction BCE summed over pixels at z = z_mean, KL to N(0, I)), in nats.

    `encoded`: the images' (z_mean, z_log_var) when the caller has them already."""
    z_means, z_log_vars = encoded if encoded is not None else model.encode(images)
    reconstruction, kl = [], []
    for start in range(0, len(images), EVAL_BATCH):
        batch = np.asarray(images[start : start + EVAL_BATCH], np.float64)
        z_mean, z_log_var = z_means[start : start + EVAL_BATCH], z_log_vars[start : start + EVAL_BATCH]
        logits = model.decode_logits(z_mean).astype(np.float64)
        reconstruction.append(_log_sigmoid_terms(batch, logits))
        mean, log_var = z_mean.astype(np.float64), z_log_var.astype(np.float64)
        # Closed-form KL to N(0, I) (Kingma & Welling 2014, appendix B).
        kl.append(-0.5 * np.sum(1 + log_var - mean**2 - np.exp(log_var), axis=1))
    return np.concatenate(reconstruction), np.concatenate(kl)


def negative_elbo(model, images: np.ndarray, encoded: tuple | None = None) -> dict:
    """Test negative ELBO in nats with z = z_mean: summed BCE + summed KL, averaged over images."""
    reconstruction, kl = loss_terms(model, images, encoded)
    return {
        "test_nelbo": float(np.mean(reconstruction + kl)),
        "test_reconstruction": float(np.mean(reconstruction)),
        "test_kl": float(np.mean(kl)),
    }


def knn_accuracy(
    train_points: np.ndarray, train_labels: np.ndarray, test_points: np.ndarray, test_labels: np.ndarray, k: int = 5
) -> float:
    """Fraction of test points whose k nearest training points vote for the right label.

    A k-d tree (SciPy's) finds the neighbours of 2-D points without the 10,000 x 60,000
    distance matrix: 0.1 s instead of several (the wait after a training's last epoch).
    """
    from scipy.spatial import cKDTree

    _, nearest = cKDTree(train_points).query(test_points, k=k)
    votes = np.asarray(train_labels)[nearest.reshape(len(test_points), k)]  # (n_test, k)
    return float(np.sum(majority(votes) == np.asarray(test_labels)) / len(test_points))


def majority(votes: np.ndarray) -> np.ndarray:
    """Each row's most common label, (n, k) -> (n,); ties go to the smaller label, as
    bincount().argmax() does."""
    counts = np.zeros((len(votes), int(votes.max()) + 1), np.int64)
    np.add.at(counts, (np.arange(len(votes))[:, None], votes), 1)
    return counts.argmax(axis=1)


def knn_accuracy_by_distances(
    train_points: np.ndarray, train_labels: np.ndarray, test_points: np.ndarray, test_labels: np.ndarray, k: int = 5
) -> float:
    """The same vote from the full distance matrix, in chunks (the reference for the k-d tree)."""
    correct = 0
    squared_train = np.sum(train_points**2, axis=1)
    for start in range(0, len(test_points), 500):
        chunk = test_points[start : start + 500]
        # (chunk, n_train) squared distances without forming the difference tensor.
        distances = squared_train[None, :] - 2.0 * chunk @ train_points.T
        nearest = np.argpartition(distances, k, axis=1)[:, :k]
        votes = train_labels[nearest]
        predicted = np.array([np.bincount(row, minlength=10).argmax() for row in votes])
        correct += int(np.sum(predicted == test_labels[start : start + 500]))
    return correct / len(test_points)


def evaluate(model, data: Dataset) -> dict:
    """Test NELBO and its terms, the mean posterior σ, and the 5-NN accuracy of test means
    against training means."""
    test_means, test_log_vars = model.encode(data.x_test)
    metrics = negative_elbo(model, data.x_test, (test_means, test_log_vars))
    metrics["mean_posterior_sigma"] = float(np.mean(np.exp(0.5 * test_log_vars.astype(np.float64))))
    if data.has_training_data:
        train_means, _ = model.encode(data.x_train)
        metrics["knn5_accuracy"] = knn_accuracy(
            train_means.astype(np.float64), data.y_train, test_means.astype(np.float64), data.y_test
        )
    return metrics
