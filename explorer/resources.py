"""What every session shares: models, test sets, encodings, pictures, the board (the line of
trainings is explorer/training_line.py).

Loaded once per server with `st.cache_resource` (never mutated afterwards) or memoized with
`st.cache_data`; arguments whose names start with `_` are not hashed (the model), so every
cached picture is keyed by the model's name as well. With a classroom on one server, PNG
and GIF encoding would otherwise dominate each rerun.
"""

from __future__ import annotations

import functools
import os
import secrets
import sys
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import streamlit as st
import threadpoolctl

import vae
from explorer import map_view
from vae.analysis import latent, projections
from vae.classroom.board import open_store
from vae.data.sources import bundled_test_set, load_dataset
from vae.plots import figures, pictures
from vae.store.catalog import available_models

# One BLAS thread in the server. Serving multiplies a few points at a time (a click decodes
# one to seven), and OpenBLAS's second thread waits for a core that the browser or another
# session holds: a 6-point decode took 0.5 ms, but up to 35 ms while one core was busy (3 ms
# with one thread), and a click on a digit spent 214 ms before its last message instead of 64.
# The limit is the process's; training runs in a child process and keeps its threads.
threadpoolctl.threadpool_limits(1, user_api="blas")


def model_path(name: str) -> str:
    """The folder of a listed model; raises ValueError when no such model is listed."""
    listed = available_models()
    if name not in listed:
        raise ValueError(f"There is no model named {name!r}; the app lists: {', '.join(listed)}.")
    return str(listed[name])


@st.cache_resource(show_spinner="Loading the model…", max_entries=12)
def model(path: str) -> vae.TrainedVAE:
    return vae.load_model(path)


@functools.cache
def start_reading_test_set() -> Future:
    """Read the bundled test set in a thread, once per process (again after a failed read);
    `test_data` waits for it.

    A new server's first page waited 65-95 ms for it (7.8 MB unpacked and made floats), while
    the other core was free: zlib and NumPy let go of Python's lock as they work, so the read
    overlaps the page's own work (its set-up, the model's loading) when started first. An
    error in the read is raised where the test set is used: `test_data`, which then clears
    this cache so that the next page reads the files again."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bundled-test-set")
    reading = pool.submit(bundled_test_set)
    pool.shutdown(wait=False)  # the read goes on; its thread ends with it
    return reading


@st.cache_resource(show_spinner="Loading the test set…")
def test_data(dataset: str) -> vae.Dataset:
    if dataset == "mnist":
        try:
            return start_reading_test_set().result()
        except Exception:
            start_reading_test_set.cache_clear()  # the next page reads the files again
            raise
    return load_dataset(dataset, allow_download=False)


def model_test_data(path: str) -> vae.Dataset:
    """A model's test set: the pictures it carries (shapes, a folder of one's own: they travel
    with the model), else its dataset's official test set. Raises ValueError when that is not here."""
    return _carried_test_data(path) or test_data(model(path).config.dataset)


@st.cache_resource(show_spinner=False, max_entries=12)
def _carried_test_data(path: str) -> vae.Dataset | None:
    return model(path).test_set()


def class_names(path: str) -> tuple[str, ...]:
    """The names of a model's classes: its own pictures' classes, else its dataset's."""
    trained = model(path)
    if trained.pictures is not None:
        return trained.pictures["classes"]
    return vae.CLASS_NAMES[trained.config.dataset]


@st.cache_resource(show_spinner="Encoding the test set…", max_entries=12)
def encodings(path: str, dataset: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The test set's (means, log-variances, labels): stored with the model, or computed once.

    Without the test set on this computer (Fashion-MNIST not installed), the map still
    shows what the model stored when it was saved.
    """
    trained = model(path)
    try:
        data = model_test_data(path)
    except ValueError:
        if trained.encodings is None:
            raise
        return trained.encodings["mean"], trained.encodings["log_var"], trained.encodings["labels"]
    return (*trained.encode_test_set(data), data.y_test)


@st.cache_resource(show_spinner=False, max_entries=24)
def map_base(path: str, dataset: str, marker_size: int, view: tuple[str, tuple[int, int]] = ("pca", (1, 2))) -> dict:
    """The map's fixed part for a model: its view (vae/analysis/projections.py: the latent
    space of a 2-D model; else, by `view`, the plane of two principal components of the test
    set's means, a slice along two dimensions (its pin set by the page), or the neighbours
    layout once computed), where each test digit lands on it, its extent, its data traces and
    its class names."""
    mean, log_var, labels = encodings(path, dataset)
    names = class_names(path)
    kind, pair = view
    if mean.shape[1] == 2:
        plane = projections.latent_plane()
    elif kind == "slice":
        plane = projections.slice_plane(np.zeros(mean.shape[1]), pair)
    elif kind == "neighbours":  # asked for only once the layout exists (explorer/frame.py)
        plane = neighbour_layout(path, dataset)
    else:
        plane = projections.pca_plane(mean, pair if kind == "pca" else (1, 2))
    points = plane.points.astype(np.float32) if plane.kind == "neighbours" else plane.transform(mean).astype(np.float32)
    x_range, y_range = latent.latent_extent(points)
    where = {"latent": "z", "neighbours": "t-SNE"}.get(plane.kind, "plane")
    traces = figures.data_traces(points, labels, names, marker_size, where)
    encoded = map_view.encode_traces(traces)
    return {
        "mean": mean,
        "log_var": log_var,
        "plane": plane,
        "points": points,
        "labels": labels,
        "x_range": x_range,
        "y_range": y_range,
        "traces": traces,
        "encoded": encoded,
        # Names the points as sent: the browser decodes them again only when this changes.
        "token": map_view.digest(encoded),
        # A dataset without labels has no class to name on the map.
        "annotations": figures.class_label_annotations(points, labels, names, extent=(x_range, y_range))
        if len(names) > 1
        else [],
    }


def neighbour_layout(path: str, dataset: str, warm: bool = False):
    """The model's neighbours layout (vae/analysis/neighbours.py), or None until it is computed.
    `warm`: the layout is shown, so what placing an upload on it needs is built now, in a thread
    (5 s of a core: not for a layout only offered ahead, latent_map.views_ahead)."""
    from vae.analysis import neighbours

    mean = encodings(path, dataset)[0]
    try:
        layout = _layout(str(neighbours.layout_path(path)), neighbours.fingerprint(mean), path, dataset)
    except _NoLayout:
        return None
    if warm:
        layout.warm()  # so that the first upload on it is placed in 2 s, not 7
    return layout


@st.cache_resource(show_spinner=False, max_entries=12)
def _layout(file, made_from: str, path: str, dataset: str):
    # Named by the means' fingerprint: a layout of other means is never used. None is not kept
    # (a layout being computed appears once written).
    from vae.analysis import neighbours

    layout = neighbours.load_layout(file, encodings(path, dataset)[0])
    if layout is None:
        raise _NoLayout
    return layout


class _NoLayout(Exception):
    pass


@st.cache_data(show_spinner=False, max_entries=512)
def decoded_png(_model: vae.TrainedVAE, name: str, points: tuple, scale: int) -> bytes:
    """Decoded points (one batch) as one PNG: a single image, or a filmstrip of several."""
    images = _model.decode(np.array(points))
    return pictures.png_bytes(images[0] if len(images) == 1 else pictures.filmstrip(images), scale)


@st.cache_data(show_spinner=False, max_entries=16)
def manifold_png(_model: vae.TrainedVAE, name: str, n: int, x_range, y_range, _plane=None, view: str = "") -> bytes:
    """The decoded manifold of the map's plane (`view` names it, for the cache)."""
    return pictures.png_bytes(latent.decode_grid(_model, n, x_range, y_range, _plane), 2)


@st.cache_data(show_spinner=False, max_entries=8)
def manifold_layer(_model: vae.TrainedVAE, name: str, x_range, y_range, _plane=None, view: str = "") -> dict:
    return figures.manifold_layout_image(latent.decode_grid(_model, 24, x_range, y_range, _plane), x_range, y_range)


@st.cache_data(show_spinner=False, max_entries=256)
def path_filmstrip(_model: vae.TrainedVAE, name: str, waypoints: tuple, steps: int, method: str) -> tuple[bytes, int]:
    """(filmstrip PNG, number of frames) of a path, decoded in one batch."""
    frames = _model.decode(latent.path_through(np.array(waypoints), steps, method))
    return pictures.png_bytes(pictures.filmstrip(frames), 3), len(frames)


def path_gif(model: vae.TrainedVAE, waypoints: tuple, steps: int, method: str) -> bytes:
    """The path as an animated GIF: made when someone downloads it (a download button's
    callable), not at every change of the path."""
    return pictures.gif_bytes(model.decode(latent.path_through(np.array(waypoints), steps, method)))


def replay_gif(model: vae.TrainedVAE, labels: np.ndarray, plane=None) -> bytes:
    """The snapshots as an animated GIF (made on download); `labels` are their images' classes;
    a d-D model's on its map's `plane`."""
    snapshots = model.snapshots
    means = snapshots.means if plane is None else plane.transform(snapshots.means)
    frames = [
        (f"after {epoch:g} epoch{'' if epoch == 1 else 's'}", points)
        for epoch, points in zip(snapshots.epochs, means, strict=False)
    ]
    return pictures.scatter_frames_gif(frames, labels, figures.PALETTE)


@st.cache_resource(show_spinner=False)
def board_store():
    """The class boards of this server: in memory, or in Redis with VAE_BOARD_URL."""
    return open_store(os.environ.get("VAE_BOARD_URL"))


@st.cache_resource(show_spinner=False)
def teacher_code() -> str:
    """The code that shows the board's teacher controls.

    From $VAE_TEACHER_CODE or `teacher_code` in .streamlit/secrets.toml; else one is made
    (shared by all processes through the board store) and printed in the server's log.
    """
    configured = os.environ.get("VAE_TEACHER_CODE") or _secret("teacher_code")
    if configured:
        return str(configured).strip()
    code = board_store().shared_secret("teacher_code", lambda: secrets.token_urlsafe(6))
    print(
        f"\n  Teacher code for the class board: {code}\n"
        "  (set VAE_TEACHER_CODE or teacher_code in .streamlit/secrets.toml to choose it)\n",
        file=sys.stderr,
        flush=True,
    )
    return code


def _secret(name: str) -> str | None:
    try:
        return st.secrets.get(name)
    except FileNotFoundError:  # no secrets.toml (Streamlit's own error derives from it)
        return None


@st.cache_resource(show_spinner=False, max_entries=12)
def kl_per_dimension_of(path: str, dataset: str) -> np.ndarray:
    """The model's mean KL per latent dimension over the test set (vae/analysis/projections.py)."""
    mean, log_var, _ = encodings(path, dataset)
    return projections.kl_per_dimension(mean, log_var)


def kl_per_dimension(trained: vae.TrainedVAE) -> np.ndarray | None:
    """The same for a loaded model (None for one that was never saved)."""
    if trained.path is None:
        return None
    return kl_per_dimension_of(str(trained.path), trained.config.dataset)
