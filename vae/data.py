"""Real datasets in, validated NumPy arrays out.

Sources are tried in a fixed order and the one used is reported in `Dataset.source`:
an explicit directory (or `VAE_DATA_DIR`), Debian's Fashion-MNIST package, Keras'
downloader, and finally the MNIST test set bundled in `assets/` so that exploring works
offline even when training cannot.
"""

from __future__ import annotations

import dataclasses
import gzip
import os
from pathlib import Path

import numpy as np

DATASETS = ("mnist", "fashion_mnist")
ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
BUNDLED_DATA_DIR = ASSETS_DIR / "mnist"
DEBIAN_DIRS = {"fashion_mnist": Path("/usr/share/datasets/fashion-mnist")}

# The official IDX file names; each may also appear without the .gz suffix.
IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
IMAGE_MAGIC = 2051
LABEL_MAGIC = 2049

CLASS_NAMES = {
    "mnist": tuple(str(digit) for digit in range(10)),
    "fashion_mnist": (
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ),
}

NO_TRAINING_DATA = (
    "No training images for {name}: only the bundled test set is available offline. "
    "Provide training data in one of three ways: pass --data-dir (or set VAE_DATA_DIR) "
    "to a folder with the IDX files (train-images-idx3-ubyte.gz ...) or a keras-style "
    "{name}.npz; for fashion_mnist, `apt-get install dataset-fashion-mnist`; or go online "
    "once so that keras.datasets.{name}.load_data() can download and cache it."
)


@dataclasses.dataclass(frozen=True)
class Dataset:
    """Images are float32 in [0, 1] with shape (n, 28, 28); labels are uint8."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    name: str = "mnist"

    @property
    def has_training_data(self) -> bool:
        return len(self.x_train) > 0

    @property
    def class_names(self) -> tuple[str, ...]:
        return CLASS_NAMES[self.name]

    def subset(self, n_train: int | None = None, n_test: int | None = None) -> "Dataset":
        """The first `n_train` training and `n_test` test examples (for quick runs)."""
        return dataclasses.replace(
            self,
            x_train=self.x_train[:n_train], y_train=self.y_train[:n_train],
            x_test=self.x_test[:n_test], y_test=self.y_test[:n_test],
        )


def read_idx(path: str | os.PathLike, expected_magic: int | None = None) -> np.ndarray:
    """Parse one IDX file (optionally gzipped) into a uint8 array.

    Raises ValueError naming the file when the magic number, the header or the length
    of the payload is wrong (a truncated download, an HTML error page, a wrong file).
    """
    path = Path(path)
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise ValueError(f"{path}: cannot be read as an IDX file ({error}).") from error
    if len(raw) < 8:
        raise ValueError(f"{path}: too short to be an IDX file ({len(raw)} bytes).")
    magic = int.from_bytes(raw[:4], "big")
    if expected_magic is not None and magic != expected_magic:
        raise ValueError(
            f"{path}: wrong magic number {magic} (expected {expected_magic}); "
            "this is not the right IDX file."
        )
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file (magic {magic}).")
    n_dims = raw[3]
    header_size = 4 + 4 * n_dims
    if n_dims < 1 or len(raw) < header_size:
        raise ValueError(f"{path}: truncated IDX header.")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(n_dims))
    expected = int(np.prod(shape)) + header_size
    if len(raw) != expected:
        raise ValueError(
            f"{path}: holds {len(raw)} bytes but its header {shape} needs {expected}; "
            "the file is truncated or corrupt. Download it again."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)


def _find_idx(directory: Path, stem: str) -> Path | None:
    for candidate in (directory / f"{stem}.gz", directory / stem):
        if candidate.is_file():
            return candidate
    return None


def _check_pair(images: np.ndarray, labels: np.ndarray, where: str) -> None:
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"{where}: images have shape {images.shape}, expected (n, 28, 28).")
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(
            f"{where}: {len(labels)} labels for {len(images)} images; the files do not match."
        )
    if len(labels) and labels.max() > 9:
        raise ValueError(f"{where}: labels go up to {labels.max()}, expected 0-9.")


def _to_float(images: np.ndarray) -> np.ndarray:
    # (n, 28, 28) uint8 -> (n, 28, 28) float32 in [0, 1]
    return images.astype(np.float32) / 255.0


def _empty_train() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros((0, 28, 28), np.float32), np.zeros((0,), np.uint8)


def read_idx_dir(directory: str | os.PathLike, name: str = "mnist",
                 require_train: bool = True) -> Dataset:
    """Load the four official IDX files (or a keras-style `<name>.npz`) from a folder."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"{directory}: no such data folder.")
    npz = directory / f"{name}.npz"
    if _find_idx(directory, IDX_FILES["x_test"]) is None and npz.is_file():
        return read_npz(npz, name)
    arrays = {}
    for key, stem in IDX_FILES.items():
        found = _find_idx(directory, stem)
        if found is None:
            if key in ("x_train", "y_train") and not require_train:
                continue
            raise ValueError(f"{directory}: missing {stem}.gz (or {name}.npz).")
        arrays[key] = read_idx(found, IMAGE_MAGIC if key.startswith("x") else LABEL_MAGIC)
    if "x_train" not in arrays:
        arrays["x_train"], arrays["y_train"] = np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8)
    _check_pair(arrays["x_train"], arrays["y_train"], str(directory / IDX_FILES["x_train"]))
    _check_pair(arrays["x_test"], arrays["y_test"], str(directory / IDX_FILES["x_test"]))
    return Dataset(
        x_train=_to_float(arrays["x_train"]), y_train=arrays["y_train"].copy(),
        x_test=_to_float(arrays["x_test"]), y_test=arrays["y_test"].copy(),
        source=f"IDX files in {directory}", name=name,
    )


def read_npz(path: str | os.PathLike, name: str = "mnist") -> Dataset:
    """Load a keras-style `.npz` (x_train, y_train, x_test, y_test); never unpickles."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in IDX_FILES}
    except KeyError as error:
        raise ValueError(f"{path}: missing array {error} (expected x_train, y_train, x_test, y_test).") from error
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: cannot be read as a .npz archive ({error}).") from error
    for split in ("train", "test"):
        _check_pair(arrays[f"x_{split}"], arrays[f"y_{split}"], f"{path} ({split})")
    return Dataset(
        x_train=_to_float(arrays["x_train"]), y_train=arrays["y_train"].astype(np.uint8),
        x_test=_to_float(arrays["x_test"]), y_test=arrays["y_test"].astype(np.uint8),
        source=f"{path}", name=name,
    )


def _from_keras(name: str) -> Dataset:
    import keras  # deferred: importing TensorFlow costs seconds

    loader = getattr(keras.datasets, name)
    (x_train, y_train), (x_test, y_test) = loader.load_data()
    return Dataset(
        x_train=_to_float(x_train), y_train=y_train.astype(np.uint8),
        x_test=_to_float(x_test), y_test=y_test.astype(np.uint8),
        source=f"keras.datasets.{name} (downloaded and cached by Keras)", name=name,
    )


def _keras_cache_has(name: str) -> bool:
    """Whether Keras already holds the dataset locally, so loading it needs no network."""
    cache = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"
    if name == "mnist":
        return (cache / "mnist.npz").is_file()
    return (cache / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").is_file()


def bundled_test_set() -> Dataset:
    """The official MNIST test set shipped in assets/ (no training images)."""
    data = read_idx_dir(BUNDLED_DATA_DIR, "mnist", require_train=False)
    return dataclasses.replace(data, source="bundled MNIST test set (assets/mnist, CC BY-SA 3.0)")


def load_dataset(name: str = "mnist", data_dir: str | os.PathLike | None = None,
                 allow_download: bool = True) -> Dataset:
    """Load `mnist` or `fashion_mnist` from the first source that has it.

    Order: `data_dir` (or `$VAE_DATA_DIR`); Debian's package (Fashion-MNIST);
    `keras.datasets` (download once); the bundled MNIST test set (no training data).
    An explicit folder that is broken raises ValueError rather than silently falling back.
    """
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}; choose one of {', '.join(DATASETS)}.")
    data_dir = data_dir or os.environ.get("VAE_DATA_DIR")
    if data_dir:
        return read_idx_dir(data_dir, name)
    debian = DEBIAN_DIRS.get(name)
    if debian is not None and _find_idx(debian, IDX_FILES["x_test"]) is not None:
        data = read_idx_dir(debian, name)
        return dataclasses.replace(data, source=f"Debian package dataset-fashion-mnist ({debian})")
    if allow_download or _keras_cache_has(name):
        try:
            return _from_keras(name)
        except Exception:  # offline: Keras raises a variety of URL and OS errors
            pass
    if name == "mnist":
        return bundled_test_set()
    raise ValueError(
        f"{name} is not available offline: pass a data folder, "
        "`apt-get install dataset-fashion-mnist`, or go online once."
    )


def available_datasets() -> list[str]:
    """Datasets the explorer can show offline: MNIST always (bundled), Fashion-MNIST when installed."""
    names = ["mnist"]
    if _find_idx(DEBIAN_DIRS["fashion_mnist"], IDX_FILES["x_test"]) is not None or _keras_cache_has("fashion_mnist"):
        names.append("fashion_mnist")
    return names


def require_training_data(data: Dataset) -> None:
    """Raise ValueError naming the three ways to get training data when there is none."""
    if not data.has_training_data:
        raise ValueError(NO_TRAINING_DATA.format(name=data.name))
