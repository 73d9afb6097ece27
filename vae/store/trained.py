"""A trained VAE: encode and decode batches, save, load by folder or by name."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np

from vae.data.dataset import is_own_images
from vae.model.config import TrainConfig
from vae.model.inference import build_network
from vae.store.files import ModelFiles, read_model_folder, write_model_folder
from vae.store.snapshots import Snapshots

# Probabilities are kept a hair away from 0 and 1 so that log(p) and log(1 - p) stay
# finite for anyone scoring the decoder's output; the effect on the NELBO is < 0.001 nats.
PROBABILITY_EPSILON = 1e-6
ENCODE_BATCH = 2048
MAP_ALL_UP_TO = 10_000  # pictures of a folder of one's own: all of them on the map, up to this many
OFFICIAL_DATASETS = ("mnist", "fashion_mnist")  # read from their official files; others travel with the model


class TrainedVAE:
    """A trained encoder/decoder pair with the config and metrics that describe it.

    `weights` are plain arrays in Keras' variable order; `names` their Keras paths.
    `snapshots` (optional) record how the latent map formed during training.
    """

    def __init__(
        self,
        config: TrainConfig,
        weights: list[np.ndarray],
        metrics: dict | None = None,
        path: Path | None = None,
        names: list[str] | None = None,
        snapshots: Snapshots | None = None,
        encodings: dict | None = None,
        pictures: dict | None = None,
    ):
        self.config = config
        self.weights = [np.asarray(w) for w in weights]
        self.names = list(names) if names else [f"variable_{i}" for i in range(len(weights))]
        self.metrics = dict(metrics or {})
        self.path = path
        self.snapshots = snapshots
        self.encodings = encodings
        self.pictures = pictures  # a dataset made here: its test pictures travel with the model
        self.network = build_network(config, self.weights)

    @classmethod
    def from_trainer(cls, config: TrainConfig, trainer, metrics: dict | None = None) -> TrainedVAE:
        from vae.model.network import network_variables  # Keras is loaded anyway when there is a trainer

        return cls(
            config,
            [np.asarray(v.numpy()) for v in network_variables(trainer)],
            metrics,
            names=[v.path for v in network_variables(trainer)],
        )

    @property
    def name(self) -> str:
        return self.path.name if self.path is not None else "unsaved model"

    def __repr__(self) -> str:
        return f"TrainedVAE({self.config.arch}, {self.config.dataset}, path={self.path})"

    def encode(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Images (n, 28, 28), or (n, 28, 28, 3) for a colour model, in [0, 1] -> (z_mean, z_log_var),
        each (n, latent_dim)."""
        picture = self.picture_shape
        images = np.asarray(images, dtype=np.float32)
        if images.shape == picture:
            images = images[None]
        if images.shape[1:] != picture:
            raise ValueError(f"encode expects images of shape (n, {', '.join(map(str, picture))}), got {images.shape}.")
        parts = [
            self.network.encode(images[start : start + ENCODE_BATCH])
            for start in range(0, max(len(images), 1), ENCODE_BATCH)
        ]
        return (
            np.concatenate([p[0] for p in parts]).astype(np.float32),
            np.concatenate([p[1] for p in parts]).astype(np.float32),
        )

    @property
    def picture_shape(self) -> tuple[int, ...]:
        """One picture's shape: (28, 28) grey, (28, 28, 3) colour."""
        return (28, 28) if self.config.channels == 1 else (28, 28, self.config.channels)

    def encode_test_set(self, data) -> tuple[np.ndarray, np.ndarray]:
        """The test set's (z_mean, z_log_var): read from the model folder when it stored
        them for exactly these images, computed otherwise."""
        stored = self.encodings
        if (
            stored is not None
            and stored["fingerprint"] == data.fingerprint()
            and len(stored["mean"]) == len(data.x_test)
        ):
            return stored["mean"], stored["log_var"]
        return self.encode(data.x_test)

    def decode_logits(self, z: np.ndarray) -> np.ndarray:
        """Latent points (n, latent_dim) -> Bernoulli logits (n, 28, 28[, 3])."""
        z = np.asarray(z, dtype=np.float32)
        if z.ndim == 1:
            z = z[None]
        if z.ndim != 2 or z.shape[1] != self.config.latent_dim:
            raise ValueError(f"decode expects points of shape (n, {self.config.latent_dim}), got {z.shape}.")
        return self.network.decode_logits(z).astype(np.float32)

    def decode(self, z: np.ndarray) -> np.ndarray:
        """Latent points (n, latent_dim) -> images (n, 28, 28), or (n, 28, 28, 3) in colour, float32 in [0, 1]."""
        probabilities = 0.5 + 0.5 * np.tanh(0.5 * self.decode_logits(z))  # the sigmoid, without overflow
        return np.clip(probabilities, PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON).astype(np.float32)

    def test_set(self):
        """The stored test pictures as a Dataset (no training images), or None for MNIST's and
        Fashion-MNIST's models, whose test sets are read from the official files."""
        if self.pictures is None:
            return None
        from vae.data.dataset import Dataset

        pictures = self.pictures
        images = pictures["images"].astype(np.float32) / 255.0
        empty = np.zeros((0, *images.shape[1:]), np.float32)
        return Dataset(
            empty,
            np.zeros(0, np.uint8),
            images,
            pictures["labels"],
            source=f"the test pictures saved with {self.name}",
            name=pictures["name"],
            origin=pictures["origin"],
            classes=pictures["classes"],
            preparation=self.config.preparation,
        )

    def round_to_float16(self) -> None:
        """Round the weights to float16 precision (halves the saved size, losslessly stored)."""
        self.weights = [w.astype(np.float16).astype(np.float32) if w.dtype == np.float32 else w for w in self.weights]
        self.network = build_network(self.config, self.weights)
        self.encodings = None  # computed with the old weights

    def store_test_encodings(self, data) -> None:
        """Keep the test set's encodings, saved with the model (the app then skips encoding); for a
        dataset made here (shapes, a folder of pictures), its test pictures too, so that the
        model's map opens wherever the model goes. A folder of up to MAP_ALL_UP_TO pictures (a
        class's drawings) puts all of them on the map, the training ones too (`metrics["map"]`
        says so): the held-out fifth alone would leave most of the class's drawings off it."""
        if is_own_images(data.name) and len(data.x_train) + len(data.x_test) <= MAP_ALL_UP_TO:
            data = dataclasses.replace(
                data,
                x_test=np.concatenate([data.x_train, data.x_test]),
                y_test=np.concatenate([data.y_train, data.y_test]),
            )
            self.metrics["map"] = "all pictures"
        if data.name not in OFFICIAL_DATASETS:
            self.pictures = {
                "images": np.round(np.clip(data.x_test, 0, 1) * 255).astype(np.uint8),
                "labels": np.asarray(data.y_test, np.uint8),
                "classes": tuple(data.class_names),
                "name": data.name,
                "origin": data.origin,
            }
        mean, log_var = self.encode(data.x_test)
        self.encodings = {
            "fingerprint": data.fingerprint(),
            "mean": mean,
            "log_var": log_var,
            "labels": np.asarray(data.y_test, np.uint8),
        }

    def save(self, path: str | os.PathLike) -> Path:
        """Write the model folder atomically; returns its path."""
        files = ModelFiles(
            self.config, self.weights, self.names, self.metrics, self.snapshots, self.encodings, self.pictures
        )
        self.path = write_model_folder(path, files)
        return self.path


def load_model(path_or_name: str | os.PathLike | None = None) -> TrainedVAE:
    """Load a model folder, or a model by the name the app lists (default: the bundled VAE).

    Raises ModelFileError (a ValueError) naming the file when the config, the weights
    or the metrics are missing, damaged, or do not fit together.
    """
    from vae.store.catalog import resolve

    path = resolve(path_or_name)
    files = read_model_folder(path)
    return TrainedVAE(
        files.config, files.weights, files.metrics, path, files.names, files.snapshots, files.encodings, files.pictures
    )
