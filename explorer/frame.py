"""What a page shows: the model in use, its test set, and its map's fixed part.

`current()` loads the model the session uses; when it cannot be loaded, it says why and
falls back to the bundled VAE, moving the session's points and uploads to it.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st

import vae
from explorer import resources, state
from vae.analysis import projections
from vae.analysis.projections import MAX_COMPONENT, LatentPlane
from vae.store.catalog import DEFAULT_MODEL


@dataclasses.dataclass
class Frame:
    name: str  # the model's name, as the app lists it
    path: str
    model: vae.TrainedVAE
    data: vae.Dataset | None  # its dataset's test set (None when not on this computer)
    mean: np.ndarray  # the test set's encodings under this model, (n, d)
    log_var: np.ndarray
    plane: LatentPlane  # the map's view: the latent space (d = 2), else a PCA plane, a slice, or a NeighbourLayout
    points: np.ndarray  # where each test digit is drawn on it, (n, 2)
    labels: np.ndarray
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    traces: list[dict]  # the map's data traces, a trace per class
    annotations: list[dict]  # the class names at their clusters' centres
    encoded: list[dict]  # the data traces as map_view.py sends them
    token: str  # names `encoded` (the browser decodes it again only when it changes)

    @property
    def dataset(self) -> str:
        return self.model.config.dataset

    @property
    def class_names(self) -> tuple[str, ...]:
        return resources.class_names(self.path)

    @property
    def latent_dim(self) -> int:
        return self.model.config.latent_dim

    @property
    def view(self) -> str:
        """The map's view, as links name it: "latent", "pca:I,J", "slice:I,J" or "neighbours"."""
        if self.plane.kind in ("latent", "neighbours"):
            return self.plane.kind
        return "{}:{},{}".format(self.plane.kind, *self.plane.components)

    def on_map(self, z) -> np.ndarray:
        """Where latent points (n, d) (or one, (d,)) are drawn on the map: (n, 2) (or (2,))."""
        return self.plane.transform(z)

    def latent_at(self, xy) -> np.ndarray:
        """The latent point (d,) that a point (x, y) of the map is."""
        return self.plane.inverse_transform(np.asarray(xy, np.float64))


def build(
    name: str, marker_size: int = 4, view: str | None = None, path: str | None = None, shown: bool = True
) -> Frame:
    """A model by name with its map's fixed part; raises ValueError (or OSError) if it cannot load.
    `view`: the map's view of a d-D model (VIEWS; default the session's); `path`: the model's
    folder, when known (else found by name); `shown`: False for a view only offered ahead (its
    neighbours layout is not made ready for uploads)."""
    path = path or resources.model_path(name)
    model = resources.model(path)
    data = model_test_set(path)
    d = model.config.latent_dim
    kind, pair = session_view(d) if view is None else fitted_view(parse_view(view), d)
    if kind == "neighbours" and (d == 2 or resources.neighbour_layout(path, model.config.dataset, warm=shown) is None):
        kind, pair = "pca", (1, 2)  # until its layout is computed (explorer/neighbours.py), the PCA plane
    base = resources.map_base(path, model.config.dataset, marker_size, (kind, pair))
    plane = base["plane"]
    if plane.kind == "slice":  # through the chosen point: the map's points stay, its centre moves
        plane = projections.slice_plane(slice_pin(d), pair)
    return Frame(
        name,
        path,
        model,
        data,
        base["mean"],
        base["log_var"],
        plane,
        base["points"],
        base["labels"],
        base["x_range"],
        base["y_range"],
        base["traces"],
        base["annotations"],
        base["encoded"],
        base["token"],
    )


VIEWS = ("pca", "slice", "neighbours")  # the map's views of a d-D model; a 2-D model's map is its latent space


def parse_view(text: str) -> tuple[str, tuple[int, int]]:
    """ "pca:1,2", "slice:3,7" or "neighbours" -> (kind, (i, j)); raises ValueError."""
    kind, _, pair = text.strip().lower().partition(":")
    if kind == "neighbours" and not pair:
        return kind, (1, 2)
    if kind not in ("pca", "slice"):
        raise ValueError(f"There is no view {text!r}: the views are pca:I,J, slice:I,J and neighbours.")
    first, second = (int(part) for part in pair.split(","))
    if first == second or not (1 <= first <= MAX_COMPONENT and 1 <= second <= MAX_COMPONENT):
        raise ValueError(f"A view's two axes are two different numbers from 1 to {MAX_COMPONENT}.")
    return kind, (first, second)


def view_name(kind: str, pair: tuple[int, int]) -> str:
    return kind if kind == "neighbours" else "{}:{},{}".format(kind, *pair)


def view_after(frame: Frame, kind: str) -> str:
    """The view that choosing `kind` in the map's chooser gives: a slice starts on the two most
    used dimensions (an unused one would show nothing); another kind keeps the axes."""
    pair = frame.plane.components if frame.plane.kind in ("pca", "slice") else (1, 2)
    if kind == "slice" and frame.plane.kind != "slice":
        kl = resources.kl_per_dimension_of(frame.path, frame.dataset)
        pair = tuple(int(j) + 1 for j in np.argsort(-kl, kind="stable")[:2])
    return view_name(kind, tuple(pair))


def fitted_view(view: tuple[str, tuple[int, int]], latent_dim: int) -> tuple[str, tuple[int, int]]:
    """The view, with its axes, if the model has them; else the same kind on axes 1 and 2."""
    kind, pair = view
    return (kind, pair) if max(pair) <= latent_dim else (kind, (1, 2))


def session_view(latent_dim: int) -> tuple[str, tuple[int, int]]:
    """The session's choice of view (`map_view`), fitted to the model (a view that cannot be
    read, which only a defect could store, is the first PCA plane: the page stays up)."""
    try:
        view = parse_view(st.session_state.get("map_view", "pca:1,2"))
    except ValueError:
        view = ("pca", (1, 2))
    return fitted_view(view, latent_dim)


def plane_view() -> str:
    """The session's PCA plane, for pages that show a d-D model on a plane whatever the explore
    page's view (the class board, the compare view)."""
    kind, pair = session_view(MAX_COMPONENT)
    return view_name("pca", pair if kind == "pca" else (1, 2))


def slice_pin(latent_dim: int) -> np.ndarray:
    """Where a slice is pinned: the chosen point (a digit's μ, an upload's, a point of the map),
    else the prior's centre."""
    chosen = st.session_state.get("chosen")
    if chosen is not None and len(chosen["z"]) == latent_dim:
        return np.asarray(chosen["z"], np.float64)
    return np.zeros(latent_dim)


def test_set(dataset: str) -> vae.Dataset | None:
    try:
        return resources.test_data(dataset)
    except ValueError:
        return None


def model_test_set(path: str) -> vae.Dataset | None:
    """The model's test set (resources.model_test_data), or None when it is not on this computer."""
    try:
        return resources.model_test_data(path)
    except ValueError:
        return None


def current(marker_size: int = 4, view: str | None = None) -> Frame:
    """The session's model, or the bundled VAE (with the reason shown) when it fails to load."""
    name = st.session_state.model_name
    try:
        return build(name, marker_size, view)
    except (ValueError, OSError) as error:
        st.error(f"The model {name} could not be loaded, so the bundled model is shown instead. {error}")
        fallback = build(DEFAULT_MODEL, marker_size, view)
        state.switch_model(DEFAULT_MODEL, fallback.model, fallback.mean)
        return fallback


def switch_to(name: str, marker_size: int = 4, reason: str = "", view: str | None = None) -> Frame:
    """Use another model from now on: load it, then move the session's state to it."""
    try:
        frame = build(name, marker_size, view)
    except (ValueError, OSError) as error:
        st.error(f"The model {name} could not be loaded; {st.session_state.model_name} stays in use. {error}")
        return current(marker_size, view)
    state.switch_model(name, frame.model, frame.mean, reason)
    return frame
