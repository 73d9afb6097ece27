"""Training digits distorted the way real uploads are, after `prepare_image` has normalised them.

`prepare_image` crops a photo or a drawing to its ink, scales it into MNIST's 20-pixel box
and thickens hair-thin strokes; what it cannot undo is how people write and how pens draw:
slant, rotation, a narrower or wider hand, thicker strokes, a soft edge. Training with a
share of the digits distorted that way (config `augment="uploads"`) teaches the encoder to
place real handwriting among its own digit. TensorFlow ops on a whole epoch at once.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

SHARE = 0.5  # of each epoch's digits are distorted; the rest stay as MNIST drew them
MAX_ROTATION = 12.0  # degrees
MAX_SHEAR = 0.25  # slant, as a shear factor
SCALE = (0.85, 1.12)  # per axis: narrower, wider, shorter, taller hands
THICKER, THINNER, SOFTER = 0.25, 0.12, 0.15  # shares of the distorted digits


def _affine_matrices(rng: np.random.Generator, n: int) -> np.ndarray:
    """Per image, the 8 projective-transform parameters (output -> input) about the centre."""
    angle = np.radians(rng.uniform(-MAX_ROTATION, MAX_ROTATION, n))
    shear = rng.uniform(-MAX_SHEAR, MAX_SHEAR, n)
    scale_x, scale_y = rng.uniform(*SCALE, n), rng.uniform(*SCALE, n)
    cos, sin = np.cos(angle), np.sin(angle)
    # Forward map A = rotation @ shear @ scale; the op wants the inverse (output -> input).
    forward = np.stack(
        [
            np.stack([cos * scale_x, (cos * shear - sin) * scale_y], -1),
            np.stack([sin * scale_x, (sin * shear + cos) * scale_y], -1),
        ],
        -2,
    )  # (n, 2, 2)
    inverse = np.linalg.inv(forward)
    centre = np.array([13.5, 13.5])
    offset = centre - inverse @ centre  # keep the centre in place
    return np.concatenate(
        [inverse[:, 0, :], offset[:, :1], inverse[:, 1, :], offset[:, 1:], np.zeros((n, 2))], axis=1
    ).astype(np.float32)


def distort(images: np.ndarray, seed: int) -> np.ndarray:
    """A copy of `images` (n, 28, 28) in [0, 1] with SHARE of them distorted; reproducible."""
    rng = np.random.default_rng(seed)
    out = images.copy()
    chosen = np.flatnonzero(rng.random(len(images)) < SHARE)
    if not len(chosen):
        return out
    batch = tf.constant(images[chosen][..., None])  # (k, 28, 28) -> (k, 28, 28, 1)
    warped = tf.raw_ops.ImageProjectiveTransformV3(
        images=batch,
        transforms=tf.constant(_affine_matrices(rng, len(chosen))),
        output_shape=tf.constant([28, 28]),
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
    )
    pen = rng.random(len(chosen))
    thicker = tf.nn.max_pool2d(warped, 2, 1, "SAME")
    thinner = -tf.nn.max_pool2d(-warped, 2, 1, "SAME")
    kernel = tf.constant(np.outer([0.25, 0.5, 0.25], [0.25, 0.5, 0.25])[..., None, None], tf.float32)
    softer = tf.nn.conv2d(warped, kernel, 1, "SAME")
    pick = lambda lo, hi: tf.constant(((pen >= lo) & (pen < hi))[:, None, None, None])  # noqa: E731
    result = tf.where(pick(0, THICKER), thicker, warped)
    result = tf.where(pick(THICKER, THICKER + THINNER), thinner, result)
    result = tf.where(pick(THICKER + THINNER, THICKER + THINNER + SOFTER), softer, result)
    out[chosen] = np.clip(result.numpy()[..., 0], 0.0, 1.0)
    return out


class DistortedBatches(keras.utils.PyDataset):
    """Full batches of the training images, shuffled and freshly distorted for every epoch."""

    def __init__(self, images: np.ndarray, batch_size: int, seed: int):
        super().__init__()
        self.images, self.seed, self.epoch = images, seed, 0
        self.batch_size = max(1, min(batch_size, len(images)))
        self._prepare()

    def _prepare(self) -> None:
        seed = self.seed * 1000 + self.epoch
        order = np.random.default_rng(seed).permutation(len(self.images))[: len(self) * self.batch_size]
        self.current = distort(self.images[order], seed)

    def __len__(self) -> int:
        return len(self.images) // self.batch_size

    def __getitem__(self, index: int) -> np.ndarray:
        return self.current[index * self.batch_size : (index + 1) * self.batch_size]

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self._prepare()

    def as_dataset(self, epochs: int):
        """Every epoch's batches, in order, as one tf.data pipeline (one iterator for the
        run: Keras makes a new one per epoch from a PyDataset, and each one's teardown can
        stall; see vae.training.without_autotune)."""
        import tensorflow as tf

        def every_batch():
            for epoch in range(epochs):
                if epoch:
                    self.on_epoch_end()
                yield from (self[index] for index in range(len(self)))

        shape = (self.batch_size, *self.images.shape[1:])
        signature = tf.TensorSpec(shape, tf.float32)
        return tf.data.Dataset.from_generator(every_batch, output_signature=signature).prefetch(2)
