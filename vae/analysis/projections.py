"""Planes of a latent space of any size, to draw it on a 2-D map and decode every point of it.

A plane is z = centre + x·u + y·v with u and v orthonormal, so a point (x, y) of the map is a
point of the latent space, decoded exactly; a latent point seen on it is its orthogonal
projection, x = (z - centre)·u. For a 2-D model the plane is its own latent space (centre 0,
u and v the two axes: the map as it always was). For more dimensions the first view is the
plane of two principal components of the test set's means (PCA): the one that shows the most
of how they spread.

Shaped like scikit-learn's decomposition objects (fit once, `transform` a new point, an exact
`inverse_transform` for points of the plane), but computed with NumPy's SVD: PCA is one
SVD, and importing scikit-learn costs a server 2 to 4 seconds at the first map of a 16-D
model (measured here). tests/test_projections.py holds it to scikit-learn's PCA.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vae.model.config import MAX_LATENT_DIM

MAX_COMPONENT = MAX_LATENT_DIM  # principal components a plane may take: as many as a model may have


@dataclasses.dataclass(frozen=True)
class LatentPlane:
    """z = centre + x·axes[0] + y·axes[1]; `kind` "latent" (a 2-D model's own axes), "pca" or "slice"."""

    centre: np.ndarray  # (d,)
    axes: np.ndarray  # (2, d), orthonormal rows
    kind: str = "latent"
    components: tuple[int, int] = (1, 2)  # which principal components ("pca") or dimensions ("slice"), 1-based
    explained: tuple[float, float] = (1.0, 1.0)  # share of the means' variance along each axis

    @property
    def latent_dim(self) -> int:
        return int(self.centre.shape[0])

    def transform(self, z) -> np.ndarray:
        """Latent points (n, d) (or one, (d,)) -> their places on the plane, (n, 2) (or (2,))."""
        z = np.asarray(z, np.float64)
        return (z - self.centre) @ self.axes.T

    def inverse_transform(self, xy) -> np.ndarray:
        """Places on the plane (n, 2) (or one, (2,)) -> the latent points they are, (n, d) (or (d,))."""
        return self.centre + np.asarray(xy, np.float64) @ self.axes

    def axis_titles(self) -> tuple[str, str]:
        if self.kind == "latent":
            return "z₁", "z₂"
        if self.kind == "slice":
            return tuple(f"z{c}" for c in self.components)
        return tuple(
            f"PC{c} ({share:.0%} of the variance)" for c, share in zip(self.components, self.explained, strict=True)
        )

    def describe(self) -> str:
        """One sentence for the page: what the map is a picture of."""
        if self.kind == "latent":
            return "The map is the latent space itself: its two axes are z₁ and z₂."
        first, second = self.components
        if self.kind == "slice":
            return (
                f"The map is a slice through the {self.latent_dim}-D latent space: z{first} and z{second} vary, and "
                f"the other {self.latent_dim - 2} coordinates stay pinned where the chosen point has them. Every point "
                f"of it decodes exactly; each test digit is drawn at its own (z{first}, z{second})."
            )
        return (
            f"The map is a plane through the {self.latent_dim}-D latent space: the plane of principal components "
            f"PC{first} and PC{second} of the test set's means, which explain {self.explained[0]:.0%} and "
            f"{self.explained[1]:.0%} of their variance. Every point of it is a real latent point "
            f"(z = c + x·u + y·v) and decodes exactly; each digit is drawn where its μ projects onto it."
        )

    def variances_of(self, log_var: np.ndarray) -> np.ndarray:
        """A diagonal Gaussian's variance (n, d) seen on the plane: the variance along each axis,
        (n, 2) (the ellipse's axis-aligned extent; its tilt is not drawn)."""
        return np.exp(np.asarray(log_var, np.float64)) @ (self.axes.T**2)


def latent_plane(latent_dim: int = 2) -> LatentPlane:
    """A 2-D model's own latent space as a plane."""
    if latent_dim != 2:
        raise ValueError(f"Only a 2-D latent space is its own plane; this one has {latent_dim} dimensions.")
    return LatentPlane(np.zeros(2), np.eye(2))


def slice_plane(pin: np.ndarray, dimensions: tuple[int, int] = (1, 2)) -> LatentPlane:
    """The plane where latent dimensions `dimensions` (1-based) vary and every other coordinate
    is `pin`'s: its points (x, y) are z = pin with z_i = x and z_j = y."""
    pin = np.asarray(pin, np.float64)
    d = pin.shape[0]
    first, second = dimensions
    if first == second or not (1 <= first <= d and 1 <= second <= d):
        raise ValueError(f"Choose two different latent dimensions between 1 and {d}, not {first} and {second}.")
    centre = pin.copy()
    centre[[first - 1, second - 1]] = 0.0  # so that x and y are z_i and z_j themselves
    axes = np.zeros((2, d))
    axes[0, first - 1] = axes[1, second - 1] = 1.0
    return LatentPlane(centre, axes, "slice", (first, second))


def pca_plane(means: np.ndarray, components: tuple[int, int] = (1, 2)) -> LatentPlane:
    """The plane of two principal components of `means` (n, d), through their mean."""
    means = np.asarray(means, np.float64)
    d = means.shape[1]
    first, second = components
    if first == second or not (1 <= first <= d and 1 <= second <= d):
        raise ValueError(f"Choose two different principal components between 1 and {d}, not {first} and {second}.")
    centre = means.mean(axis=0)
    # (n, d) = U S Vt: the rows of Vt are the principal directions, S² / (n - 1) their variances.
    _, singular, directions = np.linalg.svd(means - centre, full_matrices=False)
    variance = singular**2
    share = variance / variance.sum()
    axes = directions[[first - 1, second - 1]]
    # A direction's sign is arbitrary: fixed so that the largest coordinate is positive (as
    # scikit-learn's svd_flip does), so the same model always gives the same picture.
    signs = np.sign(axes[np.arange(2), np.abs(axes).argmax(axis=1)])
    return LatentPlane(
        centre, axes * signs[:, None], "pca", (first, second), (float(share[first - 1]), float(share[second - 1]))
    )


def plane_for(means: np.ndarray, components: tuple[int, int] = (1, 2)) -> LatentPlane:
    """The map's first view of a model: its latent space (2-D), else the PCA plane."""
    return latent_plane() if means.shape[1] == 2 else pca_plane(means, components)


def kl_per_dimension(mean: np.ndarray, log_var: np.ndarray) -> np.ndarray:
    """Mean KL(q(z_j|x) ‖ N(0, 1)) per latent dimension over a test set, (d,), in nats.

    The closed form for a diagonal Gaussian against the standard normal (Kingma & Welling
    2014, appendix B): ½ (μ² + σ² - log σ² - 1), per dimension.
    """
    mean, log_var = np.asarray(mean, np.float64), np.asarray(log_var, np.float64)
    return (0.5 * (mean**2 + np.exp(log_var) - log_var - 1.0)).mean(axis=0)


# nats: a dimension whose mean KL is under this carries nothing; 0.01 is the threshold of Burda et al.'s
# "active units" (2016), there applied to the variance of the means across the data.
ACTIVE_KL = 0.01


def active_dimensions(kl: np.ndarray, threshold: float = ACTIVE_KL) -> np.ndarray:
    """The dimensions a model uses: mean KL at least `threshold` nats."""
    return np.flatnonzero(np.asarray(kl) >= threshold)
