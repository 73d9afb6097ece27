"""Keras callbacks of a training: progress per step, the map's snapshots and live maps, the KL warm-up."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import keras
import numpy as np

from vae.model.config import Progress
from vae.store.snapshots import Snapshots


class ProgressCallback(keras.callbacks.Callback):
    """Adapts Keras' callback hooks to plain functions: progress per batch, a stop request."""

    def __init__(
        self,
        on_progress: Callable[[Progress], None] | None,
        epochs: int,
        batches: int,
        should_stop: Callable[[], bool] | None = None,
        on_last_step: Callable[[], None] | None = None,
    ):
        super().__init__()
        self.on_progress, self.epochs, self.batches = on_progress, epochs, batches
        self.should_stop, self.on_last_step = should_stop, on_last_step
        self.start, self.epoch, self.batches_done = time.perf_counter(), 0, 0
        self.last_step = None  # time.perf_counter() at the end of the latest step

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self.batches_done += 1
        self.last_step = time.perf_counter()
        logs = logs or {}
        if self.on_progress is not None:
            self.on_progress(
                Progress(
                    epoch=self.epoch,
                    epochs=self.epochs,
                    batch=batch,
                    batches=self.batches,
                    loss=float(logs.get("loss", math.nan)),
                    reconstruction_loss=float(logs.get("reconstruction_loss", math.nan)),
                    kl_loss=float(logs.get("kl_loss", math.nan)),
                    seconds=time.perf_counter() - self.start,
                )
            )
        stop = self.should_stop is not None and self.should_stop()
        if stop:
            self.model.stop_training = True
        if (stop or self.batches_done == self.epochs * self.batches) and self.on_last_step is not None:
            self.on_last_step()


class SnapshotCallback(keras.callbacks.Callback):
    """Encodes a fixed set of test images before training and after every epoch (kept with the
    model, for the replay). With `on_snapshot`, also live maps for the page as it trains: after
    the first `first_live` steps, then at most every `live_every_s` seconds (sent, not kept:
    `on_snapshot(epoch, means, live=True)`), so that a class sees the map form in its first
    seconds, not only after a whole epoch. Every 2 s, not every second: each new map is a Plotly
    redraw in the page, and where the browser shares the trainer's 2 cores (a teacher's laptop)
    the class recipe's bar filled 3-10 s sooner (bench.time_to_map, side by side, bench/README)."""

    def __init__(
        self,
        images: np.ndarray,
        snapshots: Snapshots,
        batches: int,
        on_snapshot: Callable[..., None] | None = None,
        first_live: int = 100,
        live_every_s: float = 2.0,
    ):
        super().__init__()
        self.images, self.snapshots, self.on_snapshot = images, snapshots, on_snapshot
        self.batches, self.seen = batches, 0
        self.first_live, self.live_every_s, self.last_live = first_live, live_every_s, None

    def means(self) -> np.ndarray:
        return np.asarray(self.model.encoder(self.images, training=False)[0])

    def record(self, epoch: float) -> None:
        z_mean = self.means()
        self.snapshots = self.snapshots.add(epoch, z_mean)
        if self.on_snapshot is not None:
            self.on_snapshot(epoch, z_mean)

    def on_train_begin(self, logs=None):
        if not len(self.snapshots):  # (train() records the first before fit)
            self.record(0)

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.on_snapshot is None or self.seen < self.first_live or self.seen % self.batches == 0:
            return  # (an epoch's last step: its own snapshot follows)
        now = time.monotonic()
        if self.last_live is None or now - self.last_live >= self.live_every_s:
            self.on_snapshot(round(self.seen / self.batches, 2), self.means(), live=True)
            self.last_live = time.monotonic()  # after encoding: at most one second in ~30 spent on it

    def on_epoch_end(self, epoch, logs=None):
        # Keras ends an epoch early when training is stopped part-way through it; the
        # snapshot then says how far it got (1.5 epochs, say).
        self.record(round(self.seen / self.batches, 2))

    def on_train_end(self, logs=None):
        # With a weight average (config.ema), fit has just copied the averaged weights into
        # the model: the last snapshot is the map of the model as saved, not of its last step.
        if len(self.snapshots) > 1:
            self.snapshots = self.snapshots.with_last(self.means())


class KLWarmup(keras.callbacks.Callback):
    """Moves the KL term's weight linearly from `start` to `beta` over the first epochs.

    From 0 (Bowman et al. 2016), the encoder first spreads the classes apart, then the prior
    packs them together; from above beta, the map starts round and full and then sharpens.
    """

    def __init__(self, beta: float, steps: int, start: float = 0.0):
        super().__init__()
        self.beta, self.start, self.steps, self.step = beta, start, max(1, steps), 0

    def on_train_batch_begin(self, batch, logs=None):
        done = min(1.0, self.step / self.steps)
        self.model.beta.assign(self.start + (self.beta - self.start) * done)
        self.step += 1
