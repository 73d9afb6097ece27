"""A dataset in memory: images and labels as NumPy arrays, and the names of its classes."""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np

FINGERPRINT_ROWS = 500  # images per step of Dataset.fingerprint

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
CLASS_NAMES["shapes"] = ("square", "ellipse", "heart")
TITLES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST", "shapes": "Shapes"}
WHAT = {"mnist": "handwritten digits", "fashion_mnist": "clothes", "shapes": "generated shapes"}
IMAGES_PREFIX = "images-"  # a folder of the user's own pictures: images-<folder's name>
UNLABELED = ("picture",)  # the one class of a folder without subfolders


def is_own_images(name: str) -> bool:
    """Whether a dataset name is a folder of the user's own pictures (vae/data/folders.py)."""
    return name.startswith(IMAGES_PREFIX)


def dataset_title(name: str) -> str:
    """The dataset's name for people: MNIST, Fashion-MNIST, Shapes, or "Your pictures: <folder>"."""
    return TITLES.get(name) or f"Your pictures: {name.removeprefix(IMAGES_PREFIX)}"


@dataclasses.dataclass(frozen=True)
class Dataset:
    """Images are float32 in [0, 1] with shape (n, 28, 28), or (n, 28, 28, 3) in colour; labels are uint8."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # where exactly, with paths (logs, the command line)
    name: str = "mnist"
    origin: str = ""  # where from, in words a user understands (no paths)
    classes: tuple[str, ...] | None = None  # a folder's subfolders; None: the named dataset's own
    factors_test: np.ndarray | None = None  # the shapes' factors of each test picture (vae/data/shapes.py)
    preparation: str = "ink"  # how an upload becomes an input: "ink" on paper, or pictures "as-is"
    notes: tuple[str, ...] = ()  # what a person should know about how it was read (skipped files)
    content_hash: str = ""  # the files' digest, for a folder of the user's own pictures

    @property
    def channels(self) -> int:
        """1 for grey pictures (n, 28, 28), 3 for colour (n, 28, 28, 3)."""
        return 3 if self.x_test.ndim == 4 else 1

    @property
    def labeled(self) -> bool:
        return self.class_names != UNLABELED

    @property
    def has_training_data(self) -> bool:
        return len(self.x_train) > 0

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.classes if self.classes is not None else CLASS_NAMES[self.name]

    @property
    def title(self) -> str:
        return dataset_title(self.name)

    def subset(self, n_train: int | None = None, n_test: int | None = None) -> Dataset:
        """The first `n_train` training and `n_test` test examples (for quick runs)."""
        return dataclasses.replace(
            self,
            x_train=self.x_train[:n_train],
            y_train=self.y_train[:n_train],
            x_test=self.x_test[:n_test],
            y_test=self.y_test[:n_test],
            factors_test=None if self.factors_test is None else self.factors_test[:n_test],
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
            factors_test=None if self.factors_test is None else self.factors_test[n_train:],
            source=f"{self.source}, split {n_train:,} / {len(self.x_test) - n_train:,}",
        )

    def fingerprint(self) -> str:
        """A short digest of the test set: stored encodings are reused only for these images."""
        digest = hashlib.blake2b(digest_size=8)
        # The 0-255 values, rounded: x * 255 + 0.5 truncated, 500 images at a time into one
        # buffer that stays in the cache. On the first page of every server: 22 ms, against
        # 91 ms for the whole 31 MB at once (a fresh array, page-faulted in).
        buffer = np.empty((FINGERPRINT_ROWS, *self.x_test.shape[1:]), np.float32)
        for start in range(0, len(self.x_test), FINGERPRINT_ROWS):
            images = self.x_test[start : start + FINGERPRINT_ROWS]
            pixels = buffer[: len(images)]
            np.multiply(images, np.float32(255), out=pixels)
            pixels += np.float32(0.5)
            digest.update(pixels.astype(np.uint8).tobytes())
        digest.update(self.y_test.tobytes())
        return digest.hexdigest()
