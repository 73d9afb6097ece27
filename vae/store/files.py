"""A trained model's files: written atomically, read without executing anything.

A model folder holds `config.json`, `model.weights.h5` (plain HDF5 arrays, in Keras'
variable order), `metrics.json`, and optionally `snapshots.npz` (how its map formed) and
`test_encodings.npz` (the test set's encodings, so the app does not compute them at every
start). Loading rebuilds the network from the JSON config with this package's own code and
reads plain arrays: no pickle, no `Lambda`, no deserialized layers. Saving writes a
complete folder under a temporary name and renames it into place, so an interrupted save
never leaves a folder that loads.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from vae.model.config import TrainConfig
from vae.model.inference import weight_shapes
from vae.store.snapshots import Snapshots

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
METRICS_FILE = "metrics.json"
SNAPSHOTS_FILE = "snapshots.npz"
ENCODINGS_FILE = "test_encodings.npz"
PICTURES_FILE = "test_pictures.npz"  # the test pictures of a dataset made here (shapes, a folder)
WEIGHTS_FORMAT = "vae-explorer-weights-1"


class ModelFileError(ValueError):
    """A saved model is missing, truncated or inconsistent; the message names the file."""


@dataclasses.dataclass
class ModelFiles:
    """What a model folder holds, read and checked."""

    config: TrainConfig
    weights: list[np.ndarray]
    names: list[str]
    metrics: dict
    snapshots: Snapshots | None = None
    encodings: dict | None = None  # {"fingerprint": str, "mean": (n, d), "log_var": (n, d), "labels": (n,)}
    # {"images": (n, 28, 28[, 3]) uint8, "labels": (n,), "classes": (k,) str, "name": str, "origin": str}
    pictures: dict | None = None


def write_model_folder(path: str | os.PathLike, files: ModelFiles) -> Path:
    """Write every file into a temporary folder beside `path`, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.partial-", dir=path.parent))
    try:
        (staging / CONFIG_FILE).write_text(files.config.to_json())
        write_weights(files.weights, files.names, staging / WEIGHTS_FILE)
        (staging / METRICS_FILE).write_text(json.dumps(files.metrics, indent=2, sort_keys=True))
        if files.snapshots is not None and len(files.snapshots):
            files.snapshots.save(staging / SNAPSHOTS_FILE)
        if files.encodings is not None:
            np.savez(
                staging / ENCODINGS_FILE,
                fingerprint=np.array(files.encodings["fingerprint"]),
                mean=files.encodings["mean"],
                log_var=files.encodings["log_var"],
                labels=files.encodings["labels"],
            )
        if files.pictures is not None:
            np.savez_compressed(staging / PICTURES_FILE, **{k: np.asarray(v) for k, v in files.pictures.items()})
        for item in staging.iterdir():
            with open(item, "rb") as handle:
                os.fsync(handle.fileno())
        _replace_directory(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return path


def _replace_directory(new: Path, target: Path) -> None:
    if not target.exists():
        os.rename(new, target)
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    os.rename(target, old)
    os.rename(new, target)
    shutil.rmtree(old, ignore_errors=True)


def read_model_folder(path: str | os.PathLike) -> ModelFiles:
    """Read and check a model folder.

    Raises ModelFileError (a ValueError) naming the file when the config, the weights,
    the metrics or the snapshots are missing, damaged, or do not fit together.
    """
    path = Path(path)
    if not path.is_dir():
        raise ModelFileError(f"{path}: no model folder here.")
    values = _read_json(path / CONFIG_FILE, "the model config")
    try:
        config = TrainConfig.from_dict(values)
    except (TypeError, ValueError) as error:
        raise ModelFileError(f"{path / CONFIG_FILE}: {error}") from error
    metrics = _read_json(path / METRICS_FILE, "the model metrics")
    weights, names = read_weights(path / WEIGHTS_FILE, config, path / CONFIG_FILE)
    snapshots = None
    if (path / SNAPSHOTS_FILE).is_file():
        try:
            snapshots = Snapshots.load(path / SNAPSHOTS_FILE)
        except ValueError as error:
            raise ModelFileError(str(error)) from error
    pictures = _read_pictures(path / PICTURES_FILE, config) if (path / PICTURES_FILE).is_file() else None
    return ModelFiles(config, weights, names, metrics, snapshots, _read_encodings(path / ENCODINGS_FILE), pictures)


def _read_pictures(path: Path, config: TrainConfig) -> dict:
    """The stored test pictures of a dataset made here, checked against the config."""
    picture = (28, 28) if config.channels == 1 else (28, 28, config.channels)
    try:
        with np.load(path, allow_pickle=False) as archive:
            pictures = {key: archive[key] for key in ("images", "labels", "classes", "name", "origin")}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        raise ModelFileError(f"{path}: the model's test pictures cannot be read ({error}).") from error
    images, labels, classes = pictures["images"], pictures["labels"], pictures["classes"]
    if (
        images.dtype != np.uint8
        or images.shape[1:] != picture
        or labels.shape != (len(images),)
        or classes.ndim != 1
        or (len(labels) and int(labels.max()) >= len(classes))
    ):
        raise ModelFileError(f"{path}: the model's test pictures do not fit its config ({images.shape}).")
    return {
        "images": images,
        "labels": labels.astype(np.uint8),
        "classes": tuple(str(c) for c in classes),
        "name": str(pictures["name"]),
        "origin": str(pictures["origin"]),
    }


def _read_encodings(path: Path) -> dict | None:
    """Stored test-set encodings, or None when absent or unusable (they are recomputed then)."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as archive:
            encodings = {
                "fingerprint": str(archive["fingerprint"]),
                "mean": archive["mean"].astype(np.float32),
                "log_var": archive["log_var"].astype(np.float32),
                "labels": archive["labels"].astype(np.uint8),
            }
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    n = len(encodings["labels"])
    ok = (
        encodings["mean"].shape == encodings["log_var"].shape
        and len(encodings["mean"]) == n
        and np.all(np.isfinite(encodings["mean"]))
        and np.all(np.isfinite(encodings["log_var"]))
    )
    return encodings if ok else None


def _read_json(path: Path, what: str) -> dict:
    if not path.is_file():
        raise ModelFileError(
            f"{path}: missing {what}. The model folder is incomplete; train it again or use another model."
        )
    try:
        values = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(
            f"{path}: {what} is not valid JSON ({error}); the file is damaged. Train the model again."
        ) from error
    if not isinstance(values, dict):
        raise ModelFileError(f"{path}: {what} should hold a JSON object.")
    return values


def write_weights(weights: list[np.ndarray], names: list[str], path: Path) -> None:
    """Store every variable as a plain HDF5 array, in order, named by its Keras path.

    A variable whose values are all exact in float16 (the bundled models are rounded to
    half precision to fit the size budget) is stored as float16: lossless, half the size.
    """
    import h5py

    with h5py.File(path, "w") as handle:
        handle.attrs["format"] = WEIGHTS_FORMAT
        for number, (values, name) in enumerate(zip(weights, names, strict=False)):
            half = values.astype(np.float16)
            exact = values.dtype == np.float32 and np.array_equal(half.astype(np.float32), values)
            dataset = handle.create_dataset(f"{number:04d}", data=half if exact else values)
            dataset.attrs["path"] = name


def read_weights(path: Path, config: TrainConfig, config_path: Path) -> tuple[list[np.ndarray], list[str]]:
    """The stored arrays and names, checked in count and shape against what `config` builds."""
    import h5py

    if not path.is_file():
        raise ModelFileError(f"{path}: missing weights file. Train the model again.")
    try:
        with h5py.File(path, "r") as handle:
            return _read_checked_arrays(handle, path, config, config_path)
    except OSError as error:
        raise ModelFileError(
            f"{path}: the weights file is truncated or not HDF5 ({error}). Train the model again."
        ) from error


def _read_checked_arrays(handle, path: Path, config: TrainConfig, config_path: Path):
    def mismatch(detail: str) -> ModelFileError:
        return ModelFileError(
            f"{path}: the weights do not match {config_path} ({detail}). "
            "The files come from different models; train the model again."
        )

    if handle.attrs.get("format") != WEIGHTS_FORMAT:
        raise ModelFileError(f"{path}: not a weights file written by this program.")
    expected = weight_shapes(config)
    keys = sorted(handle.keys())
    if len(keys) != len(expected):
        raise mismatch(f"{len(keys)} arrays stored, {len(expected)} expected")
    arrays, names = [], []
    for key, shape in zip(keys, expected, strict=False):
        dataset = handle[key]
        if tuple(dataset.shape) != tuple(shape):
            raise mismatch(f"array {key} has shape {tuple(dataset.shape)}, the config needs {tuple(shape)}")
        values = dataset[()]
        if not np.all(np.isfinite(values)):
            raise ModelFileError(
                f"{path}: array {key} holds NaN or infinite values; the model is broken. Train it again."
            )
        arrays.append(values.astype(np.float32))
        names.append(str(dataset.attrs.get("path", key)))
    return arrays, names
