"""Training a VAE with Keras, and the training cache that lets the app train each config once."""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Callable

import keras

from vae.config import Progress, TrainConfig
from vae.data import Dataset, require_training_data
from vae.metrics import evaluate
from vae.model import build_trainer
from vae.saved import ModelFileError, TrainedVAE, cached_model_path, load_model, training_lock


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
          on_epoch_end: Callable[[int, dict], None] | None = None,
          callbacks: list | None = None) -> TrainedVAE:
    """Train a VAE on `data.x_train` and return it with its test metrics.

    `on_progress` is called after every batch with a Progress; `on_epoch_end(epoch, logs)`
    after every epoch; `callbacks` are extra Keras callbacks (the benchmarks' curves).
    Raises ValueError when the dataset has no training images.
    """
    require_training_data(data)
    if config.dataset != data.name:
        config = dataclasses.replace(config, dataset=data.name)
    images = data.x_train[:config.train_limit]
    batches = math.ceil(len(images) / config.batch_size)
    trainer = build_trainer(config)
    # XLA fuses the dense layers' small kernels and cuts step time on a CPU; its CPU
    # convolutions are slower than oneDNN's, so convolutional models run without it.
    trainer.compile(optimizer=_optimizer(config, config.epochs * batches),
                    jit_compile=config.arch == "dense")
    callbacks = list(callbacks or [])
    if on_progress is not None:
        callbacks.append(ProgressCallback(on_progress, config.epochs, batches))
    if on_epoch_end is not None:
        callbacks.append(keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end))
    start = time.perf_counter()
    history = trainer.fit(images, epochs=config.epochs, batch_size=config.batch_size,
                          shuffle=True, verbose=0, callbacks=callbacks)
    seconds = time.perf_counter() - start
    model = TrainedVAE.from_trainer(config, trainer)
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
