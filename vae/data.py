"""Real datasets in, validated NumPy arrays out.

Sources are tried in a fixed order and the one used is reported in `Dataset.source`
(with its path, for logs) and `Dataset.origin` (in words, for people):

1. a folder given as `data_dir=` or in `$VAE_DATA_DIR`: its `<name>/` subfolder when it has
   one, else the folder itself; either way the files must hold the dataset asked for;
2. Debian's Fashion-MNIST package (`apt-get install dataset-fashion-mnist`);
3. what Keras has already downloaded (`~/.keras/datasets`), read without TensorFlow;
4. online: a download with Keras' downloader into that same cache;
5. offline with none of these: the MNIST test set bundled in `assets/`, so that exploring
   works even when training cannot.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import os
import urllib.error
from pathlib import Path

import numpy as np

DATASETS = ("mnist", "fashion_mnist")
ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
BUNDLED_DATA_DIR = ASSETS_DIR / "mnist"
DEBIAN_DIRS = {"fashion_mnist": Path("/usr/share/datasets/fashion-mnist")}
DOWNLOAD_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
# Keras' own file names and cache folders, so that a download made here is what
# keras.datasets.<name>.load_data() finds, and the other way round.
KERAS_FILES = {
    "mnist": ("", ("mnist.npz",)),
    "fashion_mnist": (
        "fashion-mnist",
        (
            "train-labels-idx1-ubyte.gz",
            "train-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz",
        ),
    ),
}
MNIST_NPZ_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"

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
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
}
TITLES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}
WHAT = {"mnist": "handwritten digits", "fashion_mnist": "clothes"}
# The two datasets share a file format; their pictures do not. A fifth of an MNIST digit's
# pixels hold ink (19% in the official test set), half of a Fashion-MNIST picture's (50%).
INKED_FRACTION_SPLIT = 0.33


@dataclasses.dataclass(frozen=True)
class Dataset:
    """Images are float32 in [0, 1] with shape (n, 28, 28); labels are uint8."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # where exactly, with paths (logs, the command line)
    name: str = "mnist"
    origin: str = ""  # where from, in words a user understands (no paths)

    @property
    def has_training_data(self) -> bool:
        return len(self.x_train) > 0

    @property
    def class_names(self) -> tuple[str, ...]:
        return CLASS_NAMES[self.name]

    @property
    def title(self) -> str:
        return TITLES[self.name]

    def subset(self, n_train: int | None = None, n_test: int | None = None) -> Dataset:
        """The first `n_train` training and `n_test` test examples (for quick runs)."""
        return dataclasses.replace(
            self,
            x_train=self.x_train[:n_train],
            y_train=self.y_train[:n_train],
            x_test=self.x_test[:n_test],
            y_test=self.y_test[:n_test],
        )

    def split_test(self, n_train: int) -> Dataset:
        """Train on the first `n_train` test images and test on the rest.

        For quick runs where only a test set is at hand (the bundled one): real images,
        disjoint halves.
        """
        return dataclasses.replace(
            self,
            x_train=self.x_test[:n_train],
            y_train=self.y_test[:n_train],
            x_test=self.x_test[n_train:],
            y_test=self.y_test[n_train:],
            source=f"{self.source}, split {n_train:,} / {len(self.x_test) - n_train:,}",
        )

    def fingerprint(self) -> str:
        """A short digest of the test set: stored encodings are reused only for these images."""
        digest = hashlib.blake2b(digest_size=8)
        digest.update((self.x_test * 255).round().astype(np.uint8).tobytes())
        digest.update(self.y_test.tobytes())
        return digest.hexdigest()


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
            f"{path}: wrong magic number {magic} (expected {expected_magic}); this is not the right IDX file."
        )
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file (magic {magic}).")
    n_dims = raw[3]
    header_size = 4 + 4 * n_dims
    if n_dims < 1 or len(raw) < header_size:
        raise ValueError(f"{path}: truncated IDX header.")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims))
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
        raise ValueError(f"{where}: {len(labels)} labels for {len(images)} images; the files do not match.")
    if len(labels) and labels.max() > 9:
        raise ValueError(f"{where}: labels go up to {labels.max()}, expected 0-9.")


def identify(images: np.ndarray) -> str:
    """Which of the two datasets uint8 images (n, 28, 28) look like, from how much ink they hold."""
    inked = float(np.mean(images[:2000] > 0))
    return "fashion_mnist" if inked > INKED_FRACTION_SPLIT else "mnist"


def _check_identity(images: np.ndarray, name: str, where: Path) -> None:
    found = identify(images)
    if found != name:
        raise ValueError(
            f"{where} holds {TITLES[found]} ({WHAT[found]}), not {TITLES[name]} ({WHAT[name]}). "
            f"Give each dataset its own folder: set VAE_DATA_DIR to a folder with one subfolder "
            f"per dataset ({' and '.join(f'{n}/' for n in DATASETS)}), or pass the folder that "
            f"holds {TITLES[name]}."
        )


def _to_float(images: np.ndarray) -> np.ndarray:
    # (n, 28, 28) uint8 -> (n, 28, 28) float32 in [0, 1]
    return images.astype(np.float32) / 255.0


def read_idx_dir(directory: str | os.PathLike, name: str = "mnist", require_train: bool = True) -> Dataset:
    """Load the four official IDX files (or a keras-style `<name>.npz`) from a folder.

    Raises ValueError naming the folder when a file is missing or damaged, or when the
    folder holds the other dataset.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"{directory}: no such data folder.")
    npz = directory / f"{name}.npz"
    if _find_idx(directory, IDX_FILES["x_test"]) is None and npz.is_file():
        return read_npz(npz, name)
    arrays = {}
    # The test files first: they say which dataset the folder holds before anything else.
    for key in ("x_test", "y_test", "x_train", "y_train"):
        stem = IDX_FILES[key]
        found = _find_idx(directory, stem)
        if found is None:
            if key in ("x_train", "y_train") and not require_train:
                continue
            raise ValueError(f"{directory}: missing {stem}.gz (or {name}.npz).")
        arrays[key] = read_idx(found, IMAGE_MAGIC if key.startswith("x") else LABEL_MAGIC)
        if key == "x_test":
            _check_identity(arrays["x_test"], name, directory)
    if "x_train" not in arrays:
        arrays["x_train"], arrays["y_train"] = np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8)
    _check_pair(arrays["x_train"], arrays["y_train"], str(directory / IDX_FILES["x_train"]))
    _check_pair(arrays["x_test"], arrays["y_test"], str(directory / IDX_FILES["x_test"]))
    return Dataset(
        x_train=_to_float(arrays["x_train"]),
        y_train=arrays["y_train"].copy(),
        x_test=_to_float(arrays["x_test"]),
        y_test=arrays["y_test"].copy(),
        source=f"IDX files in {directory}",
        name=name,
        origin="the official IDX files, from a local folder",
    )


def read_npz(path: str | os.PathLike, name: str = "mnist") -> Dataset:
    """Load a keras-style `.npz` (x_train, y_train, x_test, y_test); never unpickles."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in IDX_FILES}
    except KeyError as error:
        raise ValueError(f"{path}: missing array {error} (expected x_train, y_train, x_test, y_test).") from error
    except (OSError, ValueError, EOFError) as error:
        raise ValueError(f"{path}: cannot be read as a .npz archive ({error}).") from error
    for split in ("train", "test"):
        _check_pair(arrays[f"x_{split}"], arrays[f"y_{split}"], f"{path} ({split})")
    _check_identity(arrays["x_test"], name, path)
    return Dataset(
        x_train=_to_float(arrays["x_train"]),
        y_train=arrays["y_train"].astype(np.uint8),
        x_test=_to_float(arrays["x_test"]),
        y_test=arrays["y_test"].astype(np.uint8),
        source=f"{path}",
        name=name,
        origin="a keras-style .npz file, from a local folder",
    )


def dataset_folder(directory: str | os.PathLike, name: str) -> Path:
    """The folder that holds `name` under a data folder: its `<name>/` subfolder if any."""
    directory = Path(directory)
    return directory / name if (directory / name).is_dir() else directory


def keras_cache_dir() -> Path:
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"


def _keras_cached(name: str) -> Dataset | None:
    """What Keras has already downloaded, read directly (no TensorFlow, no network)."""
    folder, files = KERAS_FILES[name]
    directory = keras_cache_dir() / folder
    if not all((directory / file).is_file() for file in files):
        return None
    data = read_npz(directory / files[0], name) if name == "mnist" else read_idx_dir(directory, name)
    return dataclasses.replace(
        data, source=f"Keras' download cache ({directory})", origin="a download of the official files (Keras' cache)"
    )


def download_dataset(name: str, base_url: str | None = None) -> Dataset:
    """Download a dataset with Keras' downloader into Keras' cache, and load it.

    `base_url` (default `$VAE_DATASET_URL`, else Keras' own mirror) is where the files
    are fetched. Raises ValueError with a sentence for the user when the server cannot
    reach it; any other failure is raised as it is.
    """
    import keras  # deferred: importing TensorFlow costs seconds, and only a download needs it

    base_url = base_url or os.environ.get("VAE_DATASET_URL") or DOWNLOAD_URL
    folder, files = KERAS_FILES[name]
    # Keras writes to /tmp instead when its cache folder does not exist yet.
    keras_cache_dir().mkdir(parents=True, exist_ok=True)
    for file in files:
        checked = name == "mnist" and base_url == DOWNLOAD_URL
        try:
            keras.utils.get_file(
                file,
                origin=base_url + file,
                cache_subdir=str(Path("datasets") / folder),
                cache_dir=str(keras_cache_dir().parent),
                file_hash=MNIST_NPZ_SHA256 if checked else None,
            )
        except (urllib.error.URLError, OSError) as error:
            raise ValueError(_download_failed(name, base_url, error)) from error
        except Exception as error:
            # Keras reports an unreachable server as a bare Exception with this wording;
            # anything else is not a network problem and is raised as it is.
            if not str(error).startswith("URL fetch failure"):
                raise
            raise ValueError(_download_failed(name, base_url, error)) from error
    cached = _keras_cached(name)
    if cached is None:
        raise ValueError(
            f"The download of {TITLES[name]} from {base_url} left no complete copy in {keras_cache_dir()}."
        )
    return cached


def _download_failed(name: str, base_url: str, error: Exception) -> str:
    return (
        f"Could not download {TITLES[name]} from {base_url} ({error}). This computer seems "
        "to be offline; see the other ways to provide the training images."
    )


def bundled_test_set() -> Dataset:
    """The official MNIST test set shipped in assets/ (no training images)."""
    data = read_idx_dir(BUNDLED_DATA_DIR, "mnist", require_train=False)
    return dataclasses.replace(
        data,
        source="bundled MNIST test set (assets/mnist, CC BY-SA 3.0)",
        origin="the official MNIST test set bundled with the app",
    )


def load_dataset(
    name: str = "mnist", data_dir: str | os.PathLike | None = None, allow_download: bool = True
) -> Dataset:
    """Load `mnist` or `fashion_mnist` from the first source that has it (see the module doc).

    A folder given explicitly (argument or `$VAE_DATA_DIR`) that is missing, damaged or
    holds the other dataset raises ValueError rather than silently falling back.
    """
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}; choose one of {', '.join(DATASETS)}.")
    data_dir = data_dir or os.environ.get("VAE_DATA_DIR")
    if data_dir:
        return read_idx_dir(dataset_folder(data_dir, name), name)
    debian = DEBIAN_DIRS.get(name)
    if debian is not None and _find_idx(debian, IDX_FILES["x_test"]) is not None:
        data = read_idx_dir(debian, name)
        return dataclasses.replace(
            data,
            source=f"Debian package dataset-fashion-mnist ({debian})",
            origin="Debian's package dataset-fashion-mnist",
        )
    cached = _keras_cached(name)
    if cached is not None:
        return cached
    if allow_download:
        try:
            return download_dataset(name)
        except ValueError:
            pass  # offline: the bundled test set below still lets people explore
    if name == "mnist":
        return bundled_test_set()
    raise ValueError(f"{TITLES[name]} is not available offline. {how_to_provide(name)}")


def available_datasets() -> list[str]:
    """Datasets the explorer can show offline: MNIST always (bundled), Fashion-MNIST when present."""
    names = ["mnist"]
    data_dir = os.environ.get("VAE_DATA_DIR")
    if (
        _find_idx(DEBIAN_DIRS["fashion_mnist"], IDX_FILES["x_test"]) is not None
        or all((keras_cache_dir() / "fashion-mnist" / f).is_file() for f in KERAS_FILES["fashion_mnist"][1])
        or (data_dir and (Path(data_dir) / "fashion_mnist").is_dir())
    ):
        names.append("fashion_mnist")
    return names


def training_data_available(name: str, data_dir: str | os.PathLike | None = None) -> bool:
    """Whether the training images of `name` are on this computer (nothing is loaded)."""
    data_dir = data_dir or os.environ.get("VAE_DATA_DIR")
    if data_dir:
        return (
            _find_idx(dataset_folder(data_dir, name), IDX_FILES["x_train"]) is not None
            or (dataset_folder(data_dir, name) / f"{name}.npz").is_file()
        )
    folder, files = KERAS_FILES[name]
    debian = DEBIAN_DIRS.get(name)
    return (debian is not None and _find_idx(debian, IDX_FILES["x_train"]) is not None) or all(
        (keras_cache_dir() / folder / file).is_file() for file in files
    )


def how_to_provide(name: str) -> str:
    """The ways to give this machine the training images, for a person at the server."""
    ways = [
        f"set the environment variable VAE_DATA_DIR to a folder with a {name}/ subfolder holding "
        "the four official IDX files (train-images-idx3-ubyte.gz, …), then start the app again"
    ]
    if name == "fashion_mnist":
        ways.append("install Debian's package: apt-get install dataset-fashion-mnist")
    ways.append(
        f"connect this computer to the internet once and download {TITLES[name]} "
        "(the app's download button, or keras.datasets)"
    )
    return "To provide them: " + "; or ".join(ways) + "."


def require_training_data(data: Dataset) -> None:
    """Raise ValueError naming the ways to get training data when there is none."""
    if not data.has_training_data:
        raise ValueError(
            f"No training images for {TITLES[data.name]} on this computer: only the "
            f"bundled test set is here. {how_to_provide(data.name)} On the command line, "
            "--data-dir FOLDER does the same as VAE_DATA_DIR."
        )
