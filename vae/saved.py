"""Trained models as self-describing directories: config.json, model.weights.h5, metrics.json.

Loading rebuilds the architecture from the JSON config with this package's own code and
then reads plain weight arrays from HDF5, so nothing in a model file is ever executed
(no pickle, no `Lambda`, no deserialized layers). Saving is atomic: a complete directory
is renamed into place, so an interrupted save never leaves a model that loads.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from vae.config import TrainConfig
from vae.inference import build_network, weight_shapes

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
METRICS_FILE = "metrics.json"
WEIGHTS_FORMAT = "vae-explorer-weights-1"
BUNDLED_MODEL_DIR = Path(__file__).resolve().parent.parent / "assets" / "model"
# Probabilities are kept a hair away from 0 and 1 so that log(p) and log(1 - p) stay
# finite for anyone scoring the decoder's output; the effect on the NELBO is < 0.001 nats.
PROBABILITY_EPSILON = 1e-6
ENCODE_BATCH = 2048


class ModelFileError(ValueError):
    """A saved model is missing, truncated or inconsistent; the message names the file."""


class TrainedVAE:
    """A trained encoder/decoder pair with the config and metrics that describe it.

    `weights` are plain arrays in Keras' variable order; `names` their Keras paths.
    """

    def __init__(self, config: TrainConfig, weights: list[np.ndarray], metrics: dict | None = None,
                 path: Path | None = None, names: list[str] | None = None):
        self.config = config
        self.weights = [np.asarray(w) for w in weights]
        self.names = list(names) if names else [f"variable_{i}" for i in range(len(weights))]
        self.metrics = dict(metrics or {})
        self.path = path
        self.network = build_network(config, self.weights)

    @classmethod
    def from_trainer(cls, config: TrainConfig, trainer, metrics: dict | None = None) -> "TrainedVAE":
        return cls(config, [np.asarray(v.numpy()) for v in trainer.weights], metrics,
                   names=[v.path for v in trainer.weights])

    def __repr__(self) -> str:
        return f"TrainedVAE({self.config.arch}, {self.config.dataset}, path={self.path})"

    def encode(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Images (n, 28, 28) in [0, 1] -> (z_mean, z_log_var), each (n, latent_dim)."""
        images = np.asarray(images, dtype=np.float32)
        if images.ndim == 2:
            images = images[None]
        if images.ndim != 3 or images.shape[1:] != (28, 28):
            raise ValueError(f"encode expects images of shape (n, 28, 28), got {images.shape}.")
        parts = [self.network.encode(images[start:start + ENCODE_BATCH])
                 for start in range(0, max(len(images), 1), ENCODE_BATCH)]
        return (np.concatenate([p[0] for p in parts]).astype(np.float32),
                np.concatenate([p[1] for p in parts]).astype(np.float32))

    def decode_logits(self, z: np.ndarray) -> np.ndarray:
        """Latent points (n, latent_dim) -> Bernoulli logits (n, 28, 28)."""
        z = np.asarray(z, dtype=np.float32)
        if z.ndim == 1:
            z = z[None]
        if z.ndim != 2 or z.shape[1] != self.config.latent_dim:
            raise ValueError(
                f"decode expects points of shape (n, {self.config.latent_dim}), got {z.shape}.")
        return self.network.decode_logits(z).astype(np.float32)

    def decode(self, z: np.ndarray) -> np.ndarray:
        """Latent points (n, latent_dim) -> images (n, 28, 28), float32 in [0, 1]."""
        probabilities = 1.0 / (1.0 + np.exp(-self.decode_logits(z)))
        return np.clip(probabilities, PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON).astype(np.float32)

    def round_to_float16(self) -> None:
        """Round the weights to float16 precision (halves the saved size, losslessly stored)."""
        self.weights = [w.astype(np.float16).astype(np.float32) if w.dtype == np.float32 else w
                        for w in self.weights]
        self.network = build_network(self.config, self.weights)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the model directory atomically; returns its path."""
        return save_model(self, path)


def save_model(model: TrainedVAE, path: str | os.PathLike) -> Path:
    """Write config, weights and metrics into a temporary folder, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.partial-", dir=path.parent))
    try:
        (staging / CONFIG_FILE).write_text(model.config.to_json())
        write_weights(model.weights, model.names, staging / WEIGHTS_FILE)
        (staging / METRICS_FILE).write_text(json.dumps(model.metrics, indent=2, sort_keys=True))
        for item in staging.iterdir():
            with open(item, "rb") as handle:
                os.fsync(handle.fileno())
        _replace_directory(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    model.path = path
    return path


def _replace_directory(new: Path, target: Path) -> None:
    if not target.exists():
        os.rename(new, target)
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    os.rename(target, old)
    os.rename(new, target)
    shutil.rmtree(old, ignore_errors=True)


def _read_json(path: Path, what: str) -> dict:
    if not path.is_file():
        raise ModelFileError(f"{path}: missing {what}. The model folder is incomplete; "
                             "train it again or use another model.")
    try:
        values = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{path}: {what} is not valid JSON ({error}); "
                             "the file is damaged. Train the model again.") from error
    if not isinstance(values, dict):
        raise ModelFileError(f"{path}: {what} should hold a JSON object.")
    return values


def write_weights(weights: list[np.ndarray], names: list[str], path: Path) -> None:
    """Store every variable as a plain HDF5 array, in order, named by its Keras path.

    A variable whose values are all exact in float16 (the bundled model is rounded to
    half precision to fit the size budget) is stored as float16: lossless, half the size.
    """
    import h5py

    with h5py.File(path, "w") as handle:
        handle.attrs["format"] = WEIGHTS_FORMAT
        for number, (values, name) in enumerate(zip(weights, names)):
            half = values.astype(np.float16)
            exact = values.dtype == np.float32 and np.array_equal(half.astype(np.float32), values)
            dataset = handle.create_dataset(f"{number:04d}", data=half if exact else values)
            dataset.attrs["path"] = name


def read_weights(path: Path, config: TrainConfig, config_path: Path) -> tuple[list[np.ndarray], list[str]]:
    """The stored arrays and names, checked in count and shape against what `config` builds."""
    import h5py

    def mismatch(detail: str) -> ModelFileError:
        return ModelFileError(f"{path}: the weights do not match {config_path} ({detail}). "
                              "The files come from different models; train the model again.")

    expected = weight_shapes(config)
    arrays, names = [], []
    with h5py.File(path, "r") as handle:
        if handle.attrs.get("format") != WEIGHTS_FORMAT:
            raise ModelFileError(f"{path}: not a weights file written by this program.")
        keys = sorted(handle.keys())
        if len(keys) != len(expected):
            raise mismatch(f"{len(keys)} arrays stored, {len(expected)} expected")
        for key, shape in zip(keys, expected):
            dataset = handle[key]
            if tuple(dataset.shape) != tuple(shape):
                raise mismatch(f"array {key} has shape {tuple(dataset.shape)}, the config needs {tuple(shape)}")
            try:
                values = dataset[()]
            except OSError as error:
                raise ModelFileError(f"{path}: the weights file is truncated ({error}). "
                                     "Train the model again.") from error
            if not np.all(np.isfinite(values)):
                raise ModelFileError(f"{path}: array {key} holds NaN or infinite values; "
                                     "the model is broken. Train it again.")
            arrays.append(values.astype(np.float32))
            names.append(str(dataset.attrs.get("path", key)))
    return arrays, names


def _check_weights_file(path: Path) -> None:
    import h5py

    if not path.is_file():
        raise ModelFileError(f"{path}: missing weights file. Train the model again.")
    try:
        with h5py.File(path, "r") as handle:
            handle.visit(lambda name: None)
    except OSError as error:
        raise ModelFileError(f"{path}: the weights file is truncated or not HDF5 ({error}). "
                             "Train the model again.") from error


def load_model(path: str | os.PathLike | None = None) -> TrainedVAE:
    """Load a model directory (default: the bundled model in assets/model).

    Raises ModelFileError (a ValueError) naming the file when the config, the weights
    or the metrics are missing, damaged, or do not fit together.
    """
    path = Path(path) if path is not None else BUNDLED_MODEL_DIR
    if not path.is_dir():
        raise ModelFileError(f"{path}: no model folder here.")
    values = _read_json(path / CONFIG_FILE, "the model config")
    try:
        config = TrainConfig.from_dict(values)
    except (TypeError, ValueError) as error:
        raise ModelFileError(f"{path / CONFIG_FILE}: {error}") from error
    metrics = _read_json(path / METRICS_FILE, "the model metrics")
    weights = path / WEIGHTS_FILE
    _check_weights_file(weights)
    arrays, names = read_weights(weights, config, path / CONFIG_FILE)
    return TrainedVAE(config, arrays, metrics, path, names)


def cache_dir() -> Path:
    """Where trained models are cached: $VAE_CACHE_DIR or ~/.cache/vae-explorer."""
    root = os.environ.get("VAE_CACHE_DIR")
    if root:
        return Path(root)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "vae-explorer"


def cache_key(config: TrainConfig, data_source: str) -> str:
    """A readable, stable folder name for a config trained on a data source."""
    digest = hashlib.sha256((config.to_json() + data_source).encode()).hexdigest()[:12]
    return f"{config.dataset}-{config.arch}-e{config.epochs}-b{config.beta:g}-{digest}"


def cached_model_path(config: TrainConfig, data_source: str) -> Path:
    return cache_dir() / "models" / cache_key(config, data_source)


def list_cached_models() -> list[Path]:
    """Complete model folders in the cache (partial saves are hidden dot-folders)."""
    root = cache_dir() / "models"
    try:
        return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []


def cache_problem() -> str | None:
    """A sentence for the user when the model cache cannot be read or written, else None."""
    root = cache_dir()
    probe = root
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not os.access(probe, os.W_OK | os.X_OK) or (
            (root / "models").exists() and not os.access(root / "models", os.R_OK | os.X_OK)):
        return (f"The model cache {root} cannot be read or written, so cached models are not "
                "listed and new ones cannot be saved. Fix its permissions, or set VAE_CACHE_DIR "
                "to a folder you own. The bundled model works as usual.")
    return None


def available_models(dataset: str) -> dict[str, Path]:
    """What the explorer can offer for a dataset: the bundled model (MNIST), then cached ones."""
    options = {}
    if dataset == "mnist":
        options["Bundled model (ships with the app)"] = BUNDLED_MODEL_DIR
    for path in list_cached_models():
        if path.name.startswith(dataset + "-"):
            options[f"Cached: {path.name}"] = path
    return options


@contextlib.contextmanager
def training_lock(config: TrainConfig, data_source: str):
    """Hold an exclusive lock per (config, data) so one configuration trains once at a time."""
    lock_path = cache_dir() / "locks" / f"{cache_key(config, data_source)}.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
