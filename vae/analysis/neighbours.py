"""Neighbours: a t-SNE layout of a model's test means, to see which digits its latent space keeps together.

A plane (projections.py) shows the latent space faithfully but only two of its directions:
in 16 dimensions, clusters that are apart can lie on top of each other in every plane. t-SNE
(van der Maaten & Hinton 2008) places the 10,000 means on a page so that each keeps its
nearest neighbours near it. It is not a plane of the latent space: distances between clusters
and the empty space between points mean nothing, and a point between two dots is no latent
point at all. So the map decodes only the dots (their own μ), never the space between them.

The library is openTSNE (Poličar et al. 2019), chosen over the others for three reasons:
- it places new points into an existing layout (`TSNEEmbedding.transform`), so an upload lands
  among the digits it resembles without moving them; scikit-learn's TSNE cannot;
- it is seeded and deterministic, and its FFT-accelerated gradients lay out 10,000 points in
  about 50 s on 2 cores (bench/README);
- it installs as one small wheel on NumPy and scikit-learn; umap-learn pulls in numba and
  LLVM (about 100 MB) and compiles at its first use.

A layout is computed once per model, seeded, and saved beside it as `neighbours.npz` (plain
arrays, read without pickle), with a fingerprint of the means it was made from: the same
picture every time, and never a layout of other means. `python -m vae.workers.layouts MODEL`
computes one (the app runs it in the background, at the lowest priority).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
import threading
from pathlib import Path

import numpy as np

LAYOUT_FILE = "neighbours.npz"
PERPLEXITY = 30  # openTSNE's default, and the usual choice for 10,000 points
SEED = 0
ITERATIONS = 250 + 500  # openTSNE's early exaggeration phase, then its optimisation phase
REPORT_EVERY = 25  # iterations between progress reports


class NotAPlane(ValueError):
    """A point between the dots of a t-SNE layout has no latent point."""


def fingerprint(means: np.ndarray) -> str:
    """Names a set of means: a layout is used only with the means it was made from."""
    array = np.ascontiguousarray(np.asarray(means, np.float32))
    return hashlib.blake2b(array.tobytes() + str(array.shape).encode(), digest_size=12).hexdigest()


def compute(means: np.ndarray, progress=None, n_jobs: int = 2) -> np.ndarray:
    """The t-SNE layout of `means` (n, d), (n, 2) float32. `progress(fraction)` is called as it goes."""
    from openTSNE import TSNE

    done = {"iterations": 0}

    def report(iteration, error, embedding):
        done["iterations"] += REPORT_EVERY
        if progress is not None:
            progress(min(done["iterations"] / ITERATIONS, 1.0))

    tsne = TSNE(
        perplexity=PERPLEXITY,
        n_jobs=n_jobs,
        random_state=SEED,
        callbacks=report,
        callbacks_every_iters=REPORT_EVERY,
    )
    embedding = tsne.fit(np.asarray(means, np.float64))
    return np.asarray(embedding, np.float32)


@dataclasses.dataclass
class NeighbourLayout:
    """Where each test mean is on the t-SNE layout, and how to place new latent points on it.

    Shaped like a plane (projections.LatentPlane) where it can be: `transform` places latent
    points; `inverse_transform` raises NotAPlane, since the layout's empty space is no latent point.
    """

    points: np.ndarray  # (n, 2), the layout of `means`
    means: np.ndarray  # (n, d), the test set's means it was made from
    kind: str = "neighbours"
    components: tuple[int, int] = (1, 2)
    _embedding: object = dataclasses.field(default=None, repr=False, compare=False)
    _lock: threading.Lock = dataclasses.field(default_factory=threading.Lock, repr=False, compare=False)
    _placed: dict = dataclasses.field(default_factory=dict, repr=False, compare=False)  # z's bytes -> (2,)

    @property
    def latent_dim(self) -> int:
        return int(self.means.shape[1])

    def transform(self, z) -> np.ndarray:
        """Latent points (n, d) (or one, (d,)) -> their places on the layout, by openTSNE's
        `transform`: each starts at the median of its nearest means' places and is optimised
        against the fixed layout. A test mean is at its own place."""
        z = np.asarray(z, np.float64)
        single = z.ndim == 1
        z = np.atleast_2d(z)
        if z.shape[0] == 0:
            return np.zeros((0, 2))
        places = np.empty((len(z), 2))
        own = self._own_indices(z)
        places[own >= 0] = self.points[own[own >= 0]]
        for row in np.flatnonzero(own < 0):
            places[row] = self._placed.get(z[row].tobytes(), np.nan)
        new = np.isnan(places[:, 0])
        if new.any():
            with self._lock:  # the embedding is built once, and openTSNE's objects are not thread-safe
                places[new] = np.asarray(self._embedding_for_transform().transform(z[new]))
            if len(self._placed) > 4096:
                self._placed.clear()
            for row in np.flatnonzero(new):
                self._placed[z[row].tobytes()] = places[row].copy()  # a page's upload, placed once
        return places[0] if single else places

    def warm(self) -> None:
        """Build what `transform` needs (5 s on 2 cores) in a thread, before the first upload (once)."""
        if getattr(self, "_warming", False):
            return
        self._warming = True

        def build():
            with self._lock:
                self._embedding_for_transform()

        threading.Thread(target=build, daemon=True, name="neighbours-warm").start()

    def _own_indices(self, z: np.ndarray) -> np.ndarray:
        """For each point, the test mean it equals (within float32 rounding), else -1."""
        distances = ((z[:, None, :] - self.means[None, :, :]) ** 2).sum(axis=2) if len(z) <= 64 else None
        if distances is None:
            return np.full(len(z), -1)
        nearest = distances.argmin(axis=1)
        exact = distances[np.arange(len(z)), nearest] <= 1e-8 * max(1.0, float(np.abs(z).max()) ** 2)
        return np.where(exact, nearest, -1)

    def _embedding_for_transform(self):
        if self._embedding is None:
            from openTSNE import TSNEEmbedding, affinity

            # The same affinities `compute` built (same perplexity, same seed), over the same means.
            affinities = affinity.PerplexityBasedNN(
                np.asarray(self.means, np.float64), perplexity=PERPLEXITY, n_jobs=2, random_state=SEED
            )
            self._embedding = TSNEEmbedding(np.asarray(self.points, np.float64), affinities, random_state=SEED)
        return self._embedding

    def inverse_transform(self, xy) -> np.ndarray:
        raise NotAPlane(
            "The neighbours layout is not a plane of the latent space: only its dots are latent points "
            "(each digit's μ); the space between them is none. Click a dot to decode it."
        )

    def axis_titles(self) -> tuple[str, str]:
        return "t-SNE 1 (no units)", "t-SNE 2 (no units)"

    def describe(self) -> str:
        return (
            f"Neighbours: a t-SNE layout of the test set's {self.latent_dim}-D means. Each digit sits near the digits "
            "whose means are nearest to its own, so the groups the latent space keeps together show. It is not a "
            "plane of the latent space: distances between groups mean little, and the space between the dots is "
            "no latent point. Hovering decodes nothing here; a click on a dot decodes that digit's own μ."
        )

    def variances_of(self, log_var: np.ndarray) -> np.ndarray:
        """A t-SNE layout has no units: a posterior's spread cannot be drawn on it."""
        return np.zeros((np.atleast_2d(log_var).shape[0], 2))


def layout_path(model_dir: str | os.PathLike) -> Path:
    return Path(model_dir) / LAYOUT_FILE


def save_layout(path: str | os.PathLike, points: np.ndarray, means: np.ndarray) -> Path:
    """Write the layout atomically (a temporary file renamed into place)."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(
                file,
                points=np.asarray(points, np.float32),
                fingerprint=np.array(fingerprint(means)),
                perplexity=np.array(PERPLEXITY),
                seed=np.array(SEED),
            )
        os.chmod(temporary, 0o644)  # as any other file of the model (mkstemp makes it private)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def load_layout(path: str | os.PathLike, means: np.ndarray) -> NeighbourLayout | None:
    """The layout saved at `path` if it was made from these `means`; None if absent or of other means."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            points, made_from = stored["points"], str(stored["fingerprint"])
    except (OSError, KeyError, ValueError):
        return None
    if made_from != fingerprint(means) or points.shape != (len(means), 2):
        return None
    return NeighbourLayout(points.astype(np.float64), np.asarray(means, np.float64))


def stored_means(model_dir: str | os.PathLike, data_dir: str | None = None) -> np.ndarray:
    """The test set's means under a saved model: stored with it, else encoded now."""
    from vae.store.trained import load_model

    model = load_model(model_dir)
    if model.encodings is not None:
        return np.asarray(model.encodings["mean"])
    from vae.data.sources import load_dataset

    data = load_dataset(model.config.dataset, data_dir)
    return model.encode_test_set(data)[0]
