"""Training and the one shared evaluation used for every model (app, CLI, benchmarks)."""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Callable

import keras
import numpy as np

from vae.data import Dataset, require_training_data
from vae.model import TrainConfig, build_trainer
from vae.saved import TrainedVAE, cached_model_path, load_model, training_lock, ModelFileError

EVAL_BATCH = 2000


@dataclasses.dataclass(frozen=True)
class Progress:
    """What `on_progress` receives after every training batch."""

    epoch: int          # 0-based
    epochs: int
    batch: int          # 0-based within the epoch
    batches: int
    loss: float
    reconstruction_loss: float
    kl_loss: float
    seconds: float

    @property
    def fraction(self) -> float:
        return (self.epoch * self.batches + self.batch + 1) / (self.epochs * self.batches)


def _log_sigmoid_terms(images: np.ndarray, logits: np.ndarray) -> np.ndarray:
    # Binary cross-entropy per example, summed over pixels: softplus(l) - x * l.
    per_pixel = np.logaddexp(0.0, logits) - images * logits
    return per_pixel.reshape(len(images), -1).sum(axis=1)


def negative_elbo(model: TrainedVAE, images: np.ndarray) -> dict:
    """Test negative ELBO in nats with z = z_mean: summed BCE + summed KL, averaged over images."""
    reconstruction, kl = [], []
    for start in range(0, len(images), EVAL_BATCH):
        batch = images[start:start + EVAL_BATCH].astype(np.float64)
        z_mean, z_log_var = model.encode(batch)
        logits = model.decode_logits(z_mean).astype(np.float64)
        reconstruction.append(_log_sigmoid_terms(batch, logits))
        mean, log_var = z_mean.astype(np.float64), z_log_var.astype(np.float64)
        # Closed-form KL to N(0, I) (Kingma & Welling 2014, appendix B).
        kl.append(-0.5 * np.sum(1 + log_var - mean ** 2 - np.exp(log_var), axis=1))
    reconstruction, kl = np.concatenate(reconstruction), np.concatenate(kl)
    return {"test_nelbo": float(np.mean(reconstruction + kl)),
            "test_reconstruction": float(np.mean(reconstruction)),
            "test_kl": float(np.mean(kl))}


def knn_accuracy(train_points: np.ndarray, train_labels: np.ndarray,
                 test_points: np.ndarray, test_labels: np.ndarray, k: int = 5) -> float:
    """Fraction of test points whose k nearest training points vote for the right label."""
    correct = 0
    squared_train = np.sum(train_points ** 2, axis=1)
    for start in range(0, len(test_points), 500):
        chunk = test_points[start:start + 500]
        # (chunk, n_train) squared distances without forming the difference tensor.
        distances = squared_train[None, :] - 2.0 * chunk @ train_points.T
        nearest = np.argpartition(distances, k, axis=1)[:, :k]
        votes = train_labels[nearest]
        predicted = np.array([np.bincount(row, minlength=10).argmax() for row in votes])
        correct += int(np.sum(predicted == test_labels[start:start + 500]))
    return correct / len(test_points)


def evaluate(model: TrainedVAE, data: Dataset) -> dict:
    """Test NELBO and 5-NN accuracy of test means against training means."""
    metrics = negative_elbo(model, data.x_test)
    if data.has_training_data:
        train_means, _ = model.encode(data.x_train)
        test_means, _ = model.encode(data.x_test)
        metrics["knn5_accuracy"] = knn_accuracy(
            train_means.astype(np.float64), data.y_train,
            test_means.astype(np.float64), data.y_test)
    return metrics


class ProgressCallback(keras.callbacks.Callback):
    """Adapts Keras' callback hooks to a plain `on_progress(Progress)` function."""

    def __init__(self, on_progress: Callable[[Progress], None], epochs: int, batches: int):
        super().__init__()
        self.on_progress, self.epochs, self.batches = on_progress, epochs, batches
        self.start, self.epoch = time.perf_counter(), 0

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        self.on_progress(Progress(
            epoch=self.epoch, epochs=self.epochs, batch=batch, batches=self.batches,
            loss=float(logs.get("loss", math.nan)),
            reconstruction_loss=float(logs.get("reconstruction_loss", math.nan)),
            kl_loss=float(logs.get("kl_loss", math.nan)),
            seconds=time.perf_counter() - self.start))


def _optimizer(config: TrainConfig, steps: int):
    learning_rate = config.learning_rate
    if config.lr_schedule == "cosine":
        learning_rate = keras.optimizers.schedules.CosineDecay(
            config.learning_rate, decay_steps=steps, alpha=0.01)
    return keras.optimizers.Adam(learning_rate)


def train(config: TrainConfig, data: Dataset,
          on_progress: Callable[[Progress], None] | None = None,
          on_epoch_end: Callable[[int, dict], None] | None = None) -> TrainedVAE:
    """Train a VAE on `data.x_train` and return it with its test metrics.

    `on_progress` is called after every batch with a Progress; `on_epoch_end(epoch, logs)`
    after every epoch. Raises ValueError when the dataset has no training images.
    """
    require_training_data(data)
    if config.dataset != data.name:
        config = dataclasses.replace(config, dataset=data.name)
    images = data.x_train[:config.train_limit]
    batches = math.ceil(len(images) / config.batch_size)
    trainer = build_trainer(config)
    # XLA fuses the small dense layers' kernels; on a 2-core CPU it cuts step time.
    trainer.compile(optimizer=_optimizer(config, config.epochs * batches), jit_compile=True)
    callbacks = []
    if on_progress is not None:
        callbacks.append(ProgressCallback(on_progress, config.epochs, batches))
    if on_epoch_end is not None:
        callbacks.append(keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end))
    start = time.perf_counter()
    history = trainer.fit(images, epochs=config.epochs, batch_size=config.batch_size,
                          shuffle=True, verbose=0, callbacks=callbacks)
    seconds = time.perf_counter() - start
    model = TrainedVAE(config, trainer)
    model.metrics = {
        **evaluate(model, data),
        "train_seconds": round(seconds, 2),
        "train_images": int(len(images)),
        "data_source": data.source,
        "history": {key: [round(float(v), 4) for v in values]
                    for key, values in history.history.items()},
    }
    return model


def train_cached(config: TrainConfig, data: Dataset,
                 on_progress: Callable[[Progress], None] | None = None) -> TrainedVAE:
    """Load this config's model from the cache, or train and cache it.

    A per-configuration lock makes concurrent callers train once: the second caller
    waits and then loads the first one's result.
    """
    path = cached_model_path(config, data.source)
    with training_lock(config, data.source):
        if path.is_dir():
            try:
                return load_model(path)
            except ModelFileError:
                pass  # a damaged cache entry is retrained and replaced
        model = train(config, data, on_progress=on_progress)
        model.save(path)
        return model
