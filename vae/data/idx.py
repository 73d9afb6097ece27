"""The official file formats: IDX files (gzipped or not) and keras-style .npz archives, read and
checked: magic numbers, counts, shapes, and which of the two datasets the images really are.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from vae.data.dataset import TITLES, WHAT, Dataset

DATASETS = ("mnist", "fashion_mnist")
# The official IDX file names; each may also appear without the .gz suffix.
IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
IMAGE_MAGIC = 2051
LABEL_MAGIC = 2049

# The two datasets share a file format; their pictures do not. A fifth of an MNIST digit's
# pixels hold ink (19% in the official test set), half of a Fashion-MNIST picture's (50%).
INKED_FRACTION_SPLIT = 0.33


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


def find_idx(directory: Path, stem: str) -> Path | None:
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
    values = images.astype(np.float32)
    values /= 255.0  # in place: the same numbers as `/ 255`, without a second 31 MB array
    return values


def _pictures_hint(directory: Path, name: str) -> str:
    """When a folder named for a dataset holds pictures instead of its files: how to train on them."""
    from vae.data.image_files import EXTENSIONS

    pictures = sum(1 for p in directory.rglob("*") if p.suffix[1:].lower() in EXTENSIONS)
    if not pictures:
        return ""
    return (
        f" It holds {pictures:,} pictures, not {TITLES[name]}'s official files. To train on "
        f"these pictures, use python -m vae --images {directory} (or name the folder in VAE_IMAGE_DIRS)."
    )


def read_idx_dir(directory: str | os.PathLike, name: str = "mnist", require_train: bool = True) -> Dataset:
    """Load the four official IDX files (or a keras-style `<name>.npz`) from a folder.

    Raises ValueError naming the folder when a file is missing or damaged, or when the
    folder holds the other dataset.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"{directory}: no such data folder.")
    npz = directory / f"{name}.npz"
    if find_idx(directory, IDX_FILES["x_test"]) is None and npz.is_file():
        return read_npz(npz, name)
    arrays = {}
    # The test files first: they say which dataset the folder holds before anything else.
    for key in ("x_test", "y_test", "x_train", "y_train"):
        stem = IDX_FILES[key]
        found = find_idx(directory, stem)
        if found is None:
            if key in ("x_train", "y_train") and not require_train:
                continue
            raise ValueError(f"{directory}: missing {stem}.gz (or {name}.npz).{_pictures_hint(directory, name)}")
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
