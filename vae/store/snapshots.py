"""How a model's latent map formed: the encoder means of a fixed set of test images, per epoch.

Training records one snapshot before the first step (epoch 0) and one after every epoch;
the app draws them live while a model trains and replays them later. They are saved with
the model as `snapshots.npz` (plain arrays, read with `allow_pickle=False`).
"""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import numpy as np

PER_CLASS = 200  # 2,000 digits: enough to see every cluster form, cheap to encode each epoch


def snapshot_indices(labels: np.ndarray, per_class: int = PER_CLASS) -> np.ndarray:
    """The first `per_class` test images of every class, in test-set order: (n,) int32."""
    labels = np.asarray(labels)
    chosen = [np.flatnonzero(labels == label)[:per_class] for label in np.unique(labels)]
    return np.sort(np.concatenate(chosen)).astype(np.int32)


@dataclasses.dataclass(frozen=True)
class Snapshots:
    """`means[k]` is where the images `indices` sat after `epochs[k]` epochs: (k, n, latent)."""

    indices: np.ndarray
    epochs: np.ndarray
    means: np.ndarray

    @classmethod
    def empty(cls, indices: np.ndarray, latent_dim: int = 2) -> Snapshots:
        return cls(
            np.asarray(indices, np.int32), np.zeros(0, np.float32), np.zeros((0, len(indices), latent_dim), np.float32)
        )

    def add(self, epoch: float, means: np.ndarray) -> Snapshots:
        """A copy with one more snapshot (means of `indices` after `epoch` epochs)."""
        means = np.asarray(means, np.float32)
        if means.shape != self.means.shape[1:]:
            raise ValueError(f"A snapshot needs means of shape {self.means.shape[1:]}, got {means.shape}.")
        return dataclasses.replace(
            self, epochs=np.append(self.epochs, np.float32(epoch)), means=np.concatenate([self.means, means[None]])
        )

    def with_last(self, means: np.ndarray) -> Snapshots:
        """A copy whose last snapshot is `means` instead (the same epoch)."""
        if not len(self):
            raise ValueError("There is no snapshot to replace.")
        earlier = dataclasses.replace(self, epochs=self.epochs[:-1], means=self.means[:-1])
        return earlier.add(float(self.epochs[-1]), means)

    def __len__(self) -> int:
        return len(self.epochs)

    def save(self, path: Path) -> None:
        # Means are stored at half precision: a map needs 3 digits, and 40 epochs fit in 0.3 MB.
        np.savez_compressed(path, indices=self.indices, epochs=self.epochs, means=self.means.astype(np.float16))

    @classmethod
    def load(cls, path: Path) -> Snapshots:
        """Read and check a snapshots file; raises ValueError naming it when it is damaged."""
        try:
            with np.load(path, allow_pickle=False) as archive:
                indices, epochs, means = (archive[key] for key in ("indices", "epochs", "means"))
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
            raise ValueError(f"{path}: not a readable snapshots file ({error}).") from error
        if means.ndim != 3 or means.shape[:2] != (len(epochs), len(indices)):
            raise ValueError(
                f"{path}: snapshot arrays do not fit together ({means.shape}, "
                f"{len(epochs)} epochs, {len(indices)} images)."
            )
        if not np.all(np.isfinite(means)):
            raise ValueError(f"{path}: snapshots hold NaN or infinite values.")
        return cls(indices.astype(np.int32), epochs.astype(np.float32), means.astype(np.float32))
