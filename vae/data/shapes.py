"""Shapes: a dSprites-like dataset made in NumPy, with the factors that made each picture.

dSprites (Matthey et al. 2017) draws a square, an ellipse or a heart at known positions,
scales and rotations, so that a latent space can be checked against the factors that made
the pictures. These are the same five factors on a 28×28 grid, each taking a few values,
so that a disentanglement score such as MIG (vae/analysis/disentanglement.py) can count them:

    shape     square, ellipse, heart             (the label)
    scale     4 values, the shape's radius 3.5 to 6 pixels
    rotation  10 values over a full turn
    x, y      8 values each, the centre 7 to 21 pixels from the left and the top, in steps of 2

Pictures are white on black like MNIST's, anti-aliased by drawing each pixel as the mean of
4×4 points. Each (shape, scale, rotation) is drawn once and moved to its place, so the 33,000
pictures take well under a second. Same seed, same pictures: nothing is downloaded or stored.
"""

from __future__ import annotations

import numpy as np

from vae.data.dataset import Dataset

SHAPES = ("square", "ellipse", "heart")
SCALES = np.linspace(3.5, 6.0, 4)  # the radius of the shape's frame, in pixels
ROTATIONS = np.arange(10) * (2 * np.pi / 10)
POSITIONS = np.arange(7, 22, 2)  # centres, in whole pixels (0 is the first pixel's centre)
FACTORS = ("shape", "scale", "rotation", "x", "y")
LEVELS = (len(SHAPES), len(SCALES), len(ROTATIONS), len(POSITIONS), len(POSITIONS))
SIZE = 28
SUPERSAMPLE = 4  # points per pixel side
CANVAS = 42  # a template's side: a 28×28 window around any position fits in it
N_TRAIN, N_TEST = 30_000, 3_000


def inside(shape: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Whether (u, v), in the shape's own frame (radius 1, y down), is inside each shape."""
    square = np.maximum(np.abs(u), np.abs(v)) <= 0.8
    ellipse = u**2 + (v / 0.5) ** 2 <= 1.0  # twice as wide as high: its rotation shows
    # The heart curve (x² + y² − 1)³ − x² y³ ≤ 0, point up: y is flipped (pictures count y down)
    # and the curve, 2.3 wide and 2.25 high, is fitted in the frame.
    x, y = u * 1.15, -v * 1.15 + 0.1
    heart = (x**2 + y**2 - 1) ** 3 - x**2 * y**3 <= 0
    return np.where(shape == 0, square, np.where(shape == 1, ellipse, heart))


def templates() -> np.ndarray:
    """Every (shape, scale, rotation) drawn once, centred on pixel (21, 21) of a 42×42 canvas:
    (3, 4, 10, 42, 42) float32. A picture is its template's 28×28 window around the position."""
    offsets = (np.arange(SUPERSAMPLE) + 0.5) / SUPERSAMPLE - 0.5  # sub-pixel points within a pixel
    axis = (np.arange(CANVAS)[:, None] + offsets[None, :]).reshape(-1) - CANVAS // 2  # (42 * 4,)
    dy, dx = np.meshgrid(axis, axis, indexing="ij")
    shape, scale, angle = np.meshgrid(np.arange(len(SHAPES)), SCALES, ROTATIONS, indexing="ij")
    shape, scale, angle = (a.reshape(-1, 1, 1) for a in (shape, scale, angle))
    # Into the shape's frame: rotate the offset back by the angle, then divide by the scale.
    u = (np.cos(angle) * dx + np.sin(angle) * dy) / scale
    v = (-np.sin(angle) * dx + np.cos(angle) * dy) / scale
    points = inside(shape, u, v).astype(np.float32)  # (120, 168, 168)
    # (120, 168, 168) -> (120, 42, 4, 42, 4) -> the mean of each pixel's 16 points
    pixels = points.reshape(len(points), CANVAS, SUPERSAMPLE, CANVAS, SUPERSAMPLE).mean(axis=(2, 4))
    return pixels.reshape(*LEVELS[:3], CANVAS, CANVAS)


def draw(factors: np.ndarray) -> np.ndarray:
    """Pictures (n, 28, 28) float32 in [0, 1] for factor levels (n, 5), one column per FACTORS."""
    factors = np.asarray(factors, np.int64)
    # Every 28×28 window of every template, as a view: (3, 4, 10, 15, 15, 28, 28).
    windows = np.lib.stride_tricks.sliding_window_view(templates(), (SIZE, SIZE), axis=(3, 4))
    top = CANVAS // 2 - POSITIONS[factors[:, 4]]  # the window whose centre pixel is the position
    left = CANVAS // 2 - POSITIONS[factors[:, 3]]
    return np.ascontiguousarray(windows[factors[:, 0], factors[:, 1], factors[:, 2], top, left])


def sample_factors(n: int, seed: int = 0) -> np.ndarray:
    """(n, 5) factor levels drawn uniformly and independently."""
    generator = np.random.default_rng(seed)
    return np.stack([generator.integers(0, levels, n) for levels in LEVELS], axis=1)


def make_shapes(n_train: int = N_TRAIN, n_test: int = N_TEST, seed: int = 0) -> Dataset:
    """The shapes dataset: labels are the shape; `factors_train`/`factors_test` hold every factor."""
    factors = sample_factors(n_train + n_test, seed)
    pictures = draw(factors)
    labels = factors[:, 0].astype(np.uint8)
    return Dataset(
        pictures[:n_train],
        labels[:n_train],
        pictures[n_train:],
        labels[n_train:],
        source=f"generated shapes (seed {seed}, {n_train:,} + {n_test:,} pictures)",
        name="shapes",
        origin="squares, ellipses and hearts drawn by the app",
        factors_test=factors[n_train:],
    )


def factor_values(factors: np.ndarray) -> dict[str, np.ndarray]:
    """The factors' values (radius in pixels, angle in radians, centre in pixels) for levels (n, 5)."""
    factors = np.asarray(factors)
    return {
        "shape": factors[:, 0],
        "scale": SCALES[factors[:, 1]],
        "rotation": ROTATIONS[factors[:, 2]],
        "x": POSITIONS[factors[:, 3]],
        "y": POSITIONS[factors[:, 4]],
    }
