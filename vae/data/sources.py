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

Two more kinds of dataset are made here rather than read from official files: `shapes`
(vae/data/shapes.py, drawn in NumPy) and `images-<folder>`, a folder of the user's own
pictures (vae/data/folders.py) named in `$VAE_IMAGE_DIRS` (folders separated by the system's
path separator, ":" on Linux) or given to `python -m vae --images DIR`.
"""

from __future__ import annotations

import dataclasses
import os
import urllib.error
from pathlib import Path

from vae.data.dataset import TITLES, Dataset, dataset_title, is_own_images
from vae.data.idx import DATASETS, IDX_FILES, find_idx, read_idx_dir, read_npz

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"
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
    if name == "shapes":
        from vae.data.shapes import make_shapes

        return make_shapes()
    if is_own_images(name):
        from vae.data.folders import read_image_folder

        return read_image_folder(image_folder(name))
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}; choose one of {', '.join(DATASETS)}, shapes, or images-<folder>.")
    data_dir = data_dir or os.environ.get("VAE_DATA_DIR")
    if data_dir:
        return read_idx_dir(dataset_folder(data_dir, name), name)
    debian = DEBIAN_DIRS.get(name)
    if debian is not None and find_idx(debian, IDX_FILES["x_test"]) is not None:
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


def image_folders() -> dict[str, Path]:
    """{dataset name: folder} for the folders of pictures named in $VAE_IMAGE_DIRS, and those sent
    to the app (a zip, the class's drawings: vae/places.py: pictures_dir())."""
    from vae.data.folders import dataset_name
    from vae.places import pictures_dir

    folders = [Path(part) for part in os.environ.get("VAE_IMAGE_DIRS", "").split(os.pathsep) if part.strip()]
    try:
        folders += sorted(p for p in pictures_dir().iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:  # none sent yet
        pass
    return {dataset_name(folder): folder for folder in folders if folder.is_dir()}


def image_folder(name: str) -> Path:
    """The folder of pictures behind the dataset `images-<folder>`; ValueError when it is not named."""
    folders = image_folders()
    if name not in folders:
        raise ValueError(
            f"No folder of pictures for {dataset_title(name)}: name its folder in VAE_IMAGE_DIRS "
            "(or train on it with python -m vae --images DIR)."
        )
    return folders[name]


def training_images(name: str) -> int:
    """About how many training pictures `name` has (a folder's are counted, not read)."""
    if name == "shapes":
        from vae.data.shapes import N_TRAIN

        return N_TRAIN
    if is_own_images(name) and name in image_folders():
        from vae.data.folders import TEST_EVERY, scan

        return len(scan(image_folders()[name])[0]) * (TEST_EVERY - 1) // TEST_EVERY
    return 60_000


def available_datasets() -> list[str]:
    """Datasets the explorer can show offline: MNIST always (bundled), Fashion-MNIST when present,
    the shapes, and the folders of pictures named in $VAE_IMAGE_DIRS."""
    names = ["mnist"]
    data_dir = os.environ.get("VAE_DATA_DIR")
    if (
        find_idx(DEBIAN_DIRS["fashion_mnist"], IDX_FILES["x_test"]) is not None
        or all((keras_cache_dir() / "fashion-mnist" / f).is_file() for f in KERAS_FILES["fashion_mnist"][1])
        or (data_dir and (Path(data_dir) / "fashion_mnist").is_dir())
    ):
        names.append("fashion_mnist")
    return [*names, "shapes", *image_folders()]


def training_data_available(name: str, data_dir: str | os.PathLike | None = None) -> bool:
    """Whether the training images of `name` are on this computer (nothing is loaded)."""
    if name == "shapes":
        return True
    if is_own_images(name):
        return name in image_folders()
    data_dir = data_dir or os.environ.get("VAE_DATA_DIR")
    if data_dir:
        return (
            find_idx(dataset_folder(data_dir, name), IDX_FILES["x_train"]) is not None
            or (dataset_folder(data_dir, name) / f"{name}.npz").is_file()
        )
    folder, files = KERAS_FILES[name]
    debian = DEBIAN_DIRS.get(name)
    return (debian is not None and find_idx(debian, IDX_FILES["x_train"]) is not None) or all(
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
