"""Training digits distorted the way real uploads are, after `prepare_image` has normalised them.

`prepare_image` crops a photo or a drawing to its ink, scales it into MNIST's 20-pixel box
and thickens hair-thin strokes; what it cannot undo is how people write and how pens draw:
slant, rotation, a narrower or wider hand, thicker strokes, a soft edge. Training with a
share of the digits distorted that way (config `augment="uploads"`) teaches the encoder to
place real handwriting among its own digit. TensorFlow ops on a whole epoch at once.
"""

from __future__ import annotations

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


def distorted_batches(images: np.ndarray, batch_size: int, epochs: int, seed: int):
    """Every epoch's full batches, shuffled and freshly distorted, as one tf.data pipeline for
    the whole run: (tf.data.Dataset, batches per epoch), as vae.training.fit.training_batches.
    One iterator for the run, not Keras' new one per epoch (each one's teardown could stall;
    see vae.training.fit.without_autotune). An epoch is distorted when its first batch is asked for.
    """
    batch_size = max(1, min(batch_size, len(images)))
    count = len(images) // batch_size

    def every_batch():
        for epoch in range(epochs):
            epoch_seed = seed * 1000 + epoch
            order = np.random.default_rng(epoch_seed).permutation(len(images))[: count * batch_size]
            current = distort(images[order], epoch_seed)
            yield from (current[index * batch_size : (index + 1) * batch_size] for index in range(count))

    signature = tf.TensorSpec((batch_size, *images.shape[1:]), tf.float32)
    return tf.data.Dataset.from_generator(every_batch, output_signature=signature).prefetch(2), count
