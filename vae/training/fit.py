"""Training a VAE with Keras, and the cached training that lets the app train each config once."""

from __future__ import annotations

import dataclasses
import importlib
import threading
import time
from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np

from vae.analysis.metrics import evaluate
from vae.data.dataset import Dataset
from vae.data.sources import require_training_data
from vae.model.config import Progress, TrainConfig
from vae.model.network import build_trainer
from vae.store.cache import cached_model_path, training_lock
from vae.store.files import ModelFileError
from vae.store.snapshots import Snapshots, snapshot_indices
from vae.store.trained import TrainedVAE, load_model
from vae.training.callbacks import KLWarmup, ProgressCallback, SnapshotCallback
from vae.training.watchdog import Watchdog


def training_batches(images: np.ndarray, batch_size: int, epochs: int, seed: int):
    """Every epoch's batches as one tf.data pipeline: (tf.data.Dataset, batches per epoch).

    Each epoch is a fresh, seeded shuffle (same seed, same run) cut into full batches: every
    batch has one shape, so the compiled training step is built once (a smaller last batch
    made XLA compile it twice more, five seconds of a minute's run), and the few images left
    over change from epoch to epoch. One pipeline for the whole run, rather than Keras' new
    one per epoch, removed a two-second stall at the start of every third epoch or so.
    """
    import tensorflow as tf

    batch_size = max(1, min(batch_size, len(images)))
    count = len(images) // batch_size
    pixels = tf.constant(images)

    def epoch(number):
        order = tf.random.experimental.stateless_shuffle(
            tf.range(len(images), dtype=tf.int64), seed=tf.stack([tf.constant(seed, tf.int64), number])
        )
        return tf.data.Dataset.from_tensor_slices(tf.reshape(order[: count * batch_size], (count, batch_size)))

    batches = tf.data.Dataset.range(epochs).flat_map(epoch).map(lambda chosen: tf.gather(pixels, chosen))
    return without_autotune(batches.prefetch(2)), count


def without_autotune(batches):
    """The pipeline with tf.data's autotuning off: it has nothing to tune (a fixed prefetch, a
    sequential map), and its tuning thread stalled the end of `fit`.

    That thread sleeps between tunings for a period that doubles up to 60 s, and deleting
    the iterator when `fit` returns waited for it to wake: 25-47 s after the last step in
    about one long training in three (py-spy: the main thread in `~RootDataset::Iterator`,
    joining the thread; issue 22). Without it the end of `fit` takes milliseconds.
    """
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return batches.with_options(options)


def _optimizer(config: TrainConfig, steps: int) -> keras.optimizers.Optimizer:
    """Adam with the config's schedule: linear warm-up to the peak, then cosine decay to 1%."""
    learning_rate = config.learning_rate
    warmup = int(round(min(config.warmup_epochs, config.epochs / 4) * steps / config.epochs))
    if config.lr_schedule == "cosine":
        if warmup:
            learning_rate = keras.optimizers.schedules.CosineDecay(
                0.0, decay_steps=steps - warmup, alpha=0.01, warmup_target=config.learning_rate, warmup_steps=warmup
            )
        else:
            learning_rate = keras.optimizers.schedules.CosineDecay(config.learning_rate, decay_steps=steps, alpha=0.01)
    # With `use_ema`, Keras keeps an exponential moving average of the weights and copies it
    # into the model when `fit` ends: a smoother optimum for almost no cost.
    options = {
        "use_ema": config.ema > 0,
        "ema_momentum": config.ema or 0.99,
        # Typical gradient norms are 50-200; a rare batch with an exploding KL term gives
        # far more, and would inflate Adam's second moment for thousands of steps.
        "global_clipnorm": config.clip_norm or None,
    }
    if config.weight_decay:
        return keras.optimizers.AdamW(learning_rate, weight_decay=config.weight_decay, **options)
    return keras.optimizers.Adam(learning_rate, **options)


def _compiled_trainer(config: TrainConfig, images: np.ndarray, batches: int):
    trainer = build_trainer(config, pixel_mean=images.mean(axis=0))
    # XLA fuses the dense layers' small kernels and cuts step time on a CPU; its CPU
    # convolutions are slower than oneDNN's, so convolutional models run without it.
    trainer.compile(optimizer=_optimizer(config, config.epochs * batches), jit_compile=config.arch == "dense")
    return trainer


class PreparedTrainer:
    """A trainer whose training step is already traced and compiled, with its first state kept.

    `fit` traces its step before the first one (Keras' Python trace, then XLA): 5-6 s on 2 cores
    in which a class sees no training. A warm trainer (vae/workers/warm.py) does that ahead for
    the form's default config, on one batch, then puts back every variable as built: the
    weights, the sampler's seed state, the optimizer's moments and step count. Keras keeps the
    traced step across `fit` calls, so a training of that config starts stepping at once and
    learns exactly what a fresh trainer would (tests/test_training.py checks it weight for weight).
    """

    def __init__(self, config: TrainConfig, data: Dataset):
        self.key = _prepared_key(config, data)
        images = data.x_train[: config.train_limit]
        batch = max(1, min(config.batch_size, len(images)))
        self.trainer = _compiled_trainer(config, images, len(images) // batch)
        self.trainer.optimizer.build(self.trainer.trainable_variables)
        self.variables = [*self.trainer.variables, *self.trainer.optimizer.variables]
        self.initial = [variable.numpy() for variable in self.variables]
        one_batch, _ = training_batches(images[:batch], batch, 1, config.seed)
        self.trainer.fit(one_batch, epochs=1, steps_per_epoch=1, shuffle=False, verbose=0)

    def fresh(self):
        """The trainer as built, its compiled step kept."""
        keras.utils.set_random_seed(self.key[0].seed)  # as build_trainer does
        for variable, value in zip(self.variables, self.initial, strict=True):
            variable.assign(value)
        self.trainer.reset_metrics()
        return self.trainer


_PREPARED: dict[tuple, PreparedTrainer] = {}


def _prepared_key(config: TrainConfig, data: Dataset) -> tuple:
    config = dataclasses.replace(config, dataset=data.name, channels=data.channels, preparation=data.preparation)
    return config, data.source, data.content_hash, len(data.x_train)


def prepare(config: TrainConfig, data: Dataset) -> None:
    """Build `config`'s trainer for `data` and trace its step now, so that a later `train` of the
    same config on the same data starts at once (once: the trainer is then that training's)."""
    require_training_data(data)
    config = dataclasses.replace(config, dataset=data.name, channels=data.channels, preparation=data.preparation)
    prepared = PreparedTrainer(config, data)
    _PREPARED[prepared.key] = prepared


def train(
    config: TrainConfig,
    data: Dataset,
    on_progress: Callable[[Progress], None] | None = None,
    on_epoch_end: Callable[[int, dict], None] | None = None,
    callbacks: list | None = None,
    on_snapshot: Callable[[float, np.ndarray], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    watchdog: Watchdog | None = None,
) -> TrainedVAE:
    """Train a VAE on `data.x_train` and return it with its test metrics and map snapshots.

    `on_progress` is called after every batch with a Progress; `on_epoch_end(epoch, logs)`
    after every epoch; `on_snapshot(epoch, means)` with the encoder means of the snapshot
    images before training and after every epoch; `should_stop()` is asked after every
    batch, and training ends early (keeping what it learned) when it returns True.
    `callbacks` are extra Keras callbacks (the benchmarks' curves). From the last step on,
    `watchdog` (one of its own if None) says on stderr what is still running if it takes
    seconds; a caller that goes on (saving) passes its own and disarms it when done.
    `train_seconds` runs from the call to the end of the last step: building, compiling and
    every step, nothing after. Raises ValueError when the dataset has no training images.
    """
    require_training_data(data)
    # The data decides what the model reads: its name, grey or colour, and how an upload is prepared.
    config = dataclasses.replace(config, dataset=data.name, channels=data.channels, preparation=data.preparation)
    images = data.x_train[: config.train_limit]
    start = time.perf_counter()  # the training time counts building the network and its input too
    if config.augment == "uploads":
        from vae.data.augment import distorted_batches

        inputs, batches = distorted_batches(images, config.batch_size, config.epochs, config.seed)
        inputs = without_autotune(inputs)
    else:
        inputs, batches = training_batches(images, config.batch_size, config.epochs, config.seed)
    prepared = _PREPARED.pop(_prepared_key(config, data), None)  # its step traced ahead (a warm trainer)
    trainer = prepared.fresh() if prepared is not None else _compiled_trainer(config, images, batches)
    indices = snapshot_indices(data.y_test)
    snapshot = SnapshotCallback(data.x_test[indices], Snapshots.empty(indices, config.latent_dim), batches, on_snapshot)
    # The map as initialised, now: `fit` first traces (and compiles) its step, 3-6 s on 2 cores
    # before its callbacks begin, and a class would see no map meanwhile.
    snapshot.set_model(trainer)
    snapshot.record(0)
    own_watchdog = watchdog is None
    watchdog = watchdog or Watchdog()
    progress = ProgressCallback(
        on_progress,
        config.epochs,
        batches,
        should_stop,
        on_last_step=lambda: watchdog.arm("finishing the fit (the weight average, the last map, the input)"),
    )
    # The evaluation's k-d tree: SciPy's import (0.35 s) done beside the training, not after it.
    threading.Thread(target=importlib.import_module, args=("scipy.spatial",), daemon=True).start()
    extra = [keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end)] if on_epoch_end else []
    if config.kl_warmup_epochs and (config.beta or config.kl_start):
        extra.append(KLWarmup(config.beta, int(config.kl_warmup_epochs * batches), config.kl_start))
    history = trainer.fit(
        inputs,
        epochs=config.epochs,
        steps_per_epoch=batches,
        shuffle=False,  # the input shuffles itself, every epoch
        verbose=0,
        callbacks=[progress, snapshot, *extra, *(callbacks or [])],
    )
    fit_returned = time.perf_counter()
    last_step = progress.last_step or fit_returned
    model = TrainedVAE.from_trainer(config, trainer)
    model.snapshots = snapshot.snapshots
    epochs_done = round(progress.batches_done / batches, 2)
    watchdog.arm("evaluating the model on the test set")
    try:
        metrics = evaluate(model, data)
    finally:
        if own_watchdog:
            watchdog.disarm()
    model.metrics = {
        **metrics,
        "train_seconds": round(last_step - start, 2),
        # After the last step: fit's end, then the test NELBO and 5-NN (the command line
        # adds its save); a model is ready within seconds of its last epoch (issue 22).
        "after_last_step_seconds": {
            "fit_end": round(fit_returned - last_step, 2),
            "evaluation": round(time.perf_counter() - fit_returned, 2),
        },
        "train_images": int(len(images)),
        "step_traced_ahead": prepared is not None,
        "epochs_trained": epochs_done,
        "data_source": data.origin or data.source,
        "dataset": data.name,
        **({"dataset_hash": data.content_hash} if data.content_hash else {}),
        "history": {key: [round(float(v), 4) for v in values] for key, values in history.history.items()},
    }
    return model


def stopped_model_path(config: TrainConfig, data_source: str, epochs_done: float) -> Path:
    """Where a training stopped early keeps its model: beside the complete one, never as it."""
    path = cached_model_path(config, data_source)
    return path.with_name(f"{path.name}-stopped-at-{epochs_done:g}")


def train_cached(
    config: TrainConfig,
    data: Dataset,
    on_progress: Callable[[Progress], None] | None = None,
    on_snapshot: Callable[[float, np.ndarray], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    watchdog: Watchdog | None = None,
) -> TrainedVAE:
    """Load this config's model from the cache, or train and cache it.

    A per-configuration lock makes concurrent callers train once: the second caller
    waits and then loads the first one's result. A training stopped early is saved
    under its own name (see `stopped_model_path`), so it never stands in for the full one.
    """
    path = cached_model_path(config, data.source)
    with training_lock(config, data.source):
        if path.is_dir():
            try:
                return load_model(path)
            except ModelFileError:
                pass  # a damaged cache entry is retrained and replaced
        model = train(
            config, data, on_progress=on_progress, on_snapshot=on_snapshot, should_stop=should_stop, watchdog=watchdog
        )
        if model.metrics["epochs_trained"] < config.epochs:
            path = stopped_model_path(config, data.source, model.metrics["epochs_trained"])
        model.store_test_encodings(data)
        model.save(path)
        return model
