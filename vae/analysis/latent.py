"""Operations in latent space: paths, grids, prior samples, and their decoding in one batch."""

from __future__ import annotations

import numpy as np

from vae.store.trained import TrainedVAE

METHODS = ("linear", "spherical")


def interpolate(start: np.ndarray, end: np.ndarray, steps: int, method: str = "linear") -> np.ndarray:
    """`steps` points from `start` to `end` inclusive, shape (steps, latent_dim).

    Spherical interpolation (slerp, Shoemake 1985) follows the great circle between the
    two vectors and interpolates their lengths, which keeps a path through a Gaussian
    prior in regions of typical norm instead of cutting through the low-norm centre.
    """
    if steps < 2:
        raise ValueError(f"An interpolation needs at least 2 steps, not {steps}.")
    if method not in METHODS:
        raise ValueError(f"Unknown interpolation {method!r}; choose one of {METHODS}.")
    start, end = np.asarray(start, np.float64), np.asarray(end, np.float64)
    t = np.linspace(0.0, 1.0, steps)[:, None]  # (steps, 1)
    if method == "linear":
        return (1 - t) * start + t * end
    start_norm, end_norm = np.linalg.norm(start), np.linalg.norm(end)
    if start_norm < 1e-9 or end_norm < 1e-9:
        return (1 - t) * start + t * end
    cos_angle = np.clip(np.dot(start, end) / (start_norm * end_norm), -1.0, 1.0)
    angle = np.arccos(cos_angle)
    if angle < 1e-6:
        return (1 - t) * start + t * end
    unit_start, unit_end = start / start_norm, end / end_norm
    directions = (np.sin((1 - t) * angle) * unit_start + np.sin(t * angle) * unit_end) / np.sin(angle)
    return directions * ((1 - t) * start_norm + t * end_norm)


def path_through(waypoints: np.ndarray, steps_per_leg: int, method: str = "linear") -> np.ndarray:
    """A path visiting every waypoint in order, (legs * (steps - 1) + 1, latent_dim)."""
    waypoints = np.asarray(waypoints, np.float64)
    if len(waypoints) < 2:
        raise ValueError("A path needs at least two waypoints.")
    legs = [interpolate(a, b, steps_per_leg, method) for a, b in zip(waypoints[:-1], waypoints[1:], strict=False)]
    # Each leg starts where the previous ended; drop the repeated point.
    return np.concatenate([legs[0]] + [leg[1:] for leg in legs[1:]])


def grid_points(n: int, x_range: tuple[float, float], y_range: tuple[float, float]) -> np.ndarray:
    """An n x n grid of 2-D points, row-major from the top-left (high y) corner: (n * n, 2)."""
    xs = np.linspace(x_range[0], x_range[1], n)
    ys = np.linspace(y_range[1], y_range[0], n)
    grid_x, grid_y = np.meshgrid(xs, ys)
    return np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)


def tile(images: np.ndarray, columns: int, fill: float = 0.0) -> np.ndarray:
    """(n, h, w[, c]) images -> one (rows * h, columns * w[, c]) mosaic, row-major; `fill` pads the last row."""
    n, height, width, *channels = images.shape
    rows = -(-n // columns)
    padded = np.full((rows * columns, height, width, *channels), fill, images.dtype)
    padded[:n] = images
    # (rows, columns, h, w[, c]) -> (rows, h, columns, w[, c]) -> (rows * h, columns * w[, c])
    mosaic = padded.reshape(rows, columns, height, width, *channels).swapaxes(1, 2)
    return mosaic.reshape(rows * height, columns * width, *channels)


def decode_grid(
    model: TrainedVAE, n: int, x_range: tuple[float, float], y_range: tuple[float, float], plane=None
) -> np.ndarray:
    """The decoded manifold as one (n * 28, n * 28) image, in a single batched call; with a
    `plane` (vae/analysis/projections.py), the grid is of that plane's points."""
    points = grid_points(n, x_range, y_range)
    return tile(model.decode(points if plane is None else plane.inverse_transform(points)), n)


def sample_prior(n: int, latent_dim: int = 2, seed: int | None = None) -> np.ndarray:
    """n draws of z ~ N(0, I), shape (n, latent_dim)."""
    return np.random.default_rng(seed).standard_normal((n, latent_dim))


def reparameterized_samples(mean: np.ndarray, log_var: np.ndarray, n: int, seed: int | None = None) -> np.ndarray:
    """n draws of z = mean + sigma * eps, eps ~ N(0, I): the reparameterization trick."""
    eps = np.random.default_rng(seed).standard_normal((n, len(mean)))
    return np.asarray(mean) + np.exp(0.5 * np.asarray(log_var)) * eps


def sigma_ellipse(mean: np.ndarray, log_var: np.ndarray, k: float = 1.0, points: int = 60) -> np.ndarray:
    """Outline of the k-sigma ellipse of a diagonal 2-D Gaussian: (points, 2)."""
    angles = np.linspace(0.0, 2 * np.pi, points)
    sigma = np.exp(0.5 * np.asarray(log_var, np.float64))
    return np.stack([mean[0] + k * sigma[0] * np.cos(angles), mean[1] + k * sigma[1] * np.sin(angles)], axis=1)


def latent_extent(
    points: np.ndarray, quantile: float = 0.005, margin: float = 0.1
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Axis ranges that hold all but the outermost points, with a margin: ((x0, x1), (y0, y1))."""
    low = np.quantile(points, quantile, axis=0)
    high = np.quantile(points, 1 - quantile, axis=0)
    pad = (high - low) * margin
    return (float(low[0] - pad[0]), float(high[0] + pad[0])), (float(low[1] - pad[1]), float(high[1] + pad[1]))


def neighbourhood(points: np.ndarray, labels: np.ndarray, z, k: int = 10, tree=None) -> list[tuple[int, int]]:
    """The labels of the `k` test means nearest z, as (label, count), most frequent first.

    `tree` (a scipy.spatial.cKDTree of `points`, kept by the caller) answers in microseconds;
    without it, the distances to every point are computed.
    """
    z = np.asarray(z, np.float64)[: np.shape(points)[1]]  # in the points' d dimensions
    if tree is not None:
        _, nearest = tree.query(z, k=k)
        nearest = np.atleast_1d(nearest)
    else:
        distances = np.sum((np.asarray(points, np.float64) - z[None, :]) ** 2, axis=1)
        nearest = np.argpartition(distances, min(k, len(distances) - 1))[:k]
    counts = np.bincount(np.asarray(labels)[nearest])
    order = np.argsort(-counts, kind="stable")
    return [(int(label), int(counts[label])) for label in order if counts[label]]


def class_summary(points: np.ndarray, labels: np.ndarray) -> list[dict]:
    """Per class present: its count, the centre (mean) of its points and their spread (std)."""
    out = []
    for label in np.unique(labels):
        members = np.asarray(points, np.float64)[np.asarray(labels) == label]
        out.append(
            {
                "label": int(label),
                "count": len(members),
                "centre": members.mean(axis=0).tolist(),
                "spread": members.std(axis=0).tolist(),
            }
        )
    return out


TRAVERSAL_SPAN = 3.0  # each row of a traversal runs from -3 to +3 prior standard deviations


def traversal_points(centre, dimensions, steps: int = 9, span: float = TRAVERSAL_SPAN) -> np.ndarray:
    """A traversal grid's latent points: for each dimension in `dimensions`, `steps` points that
    move it from -span to +span around `centre` (the others fixed): (len(dimensions) * steps, d)."""
    centre = np.asarray(centre, np.float64)
    values = np.linspace(-span, span, steps)
    points = np.repeat(centre[None, :], len(dimensions) * steps, axis=0)
    for row, dimension in enumerate(dimensions):
        points[row * steps : (row + 1) * steps, dimension] = centre[dimension] + values
    return points
