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
from vae.analysis.projections import LatentPlane
from vae.data.dataset import CLASS_NAMES
from vae.store.catalog import DEFAULT_MODEL


@dataclasses.dataclass
class Frame:
    name: str  # the model's name, as the app lists it
    path: str
    model: vae.TrainedVAE
    data: vae.Dataset | None  # its dataset's test set (None when not on this computer)
    mean: np.ndarray  # the test set's encodings under this model, (n, d)
    log_var: np.ndarray
    plane: LatentPlane  # the map's plane: the latent space (d = 2), else a PCA plane
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
        return CLASS_NAMES[self.dataset]

    @property
    def latent_dim(self) -> int:
        return self.model.config.latent_dim

    @property
    def view(self) -> str:
        """The map's view, as links and the map element name it: "latent" or "pca:I,J"."""
        return "latent" if self.plane.kind == "latent" else "pca:{},{}".format(*self.plane.components)

    def on_map(self, z) -> np.ndarray:
        """Where latent points (n, d) (or one, (d,)) are drawn on the map: (n, 2) (or (2,))."""
        return self.plane.transform(z)

    def latent_at(self, xy) -> np.ndarray:
        """The latent point (d,) that a point (x, y) of the map is."""
        return self.plane.inverse_transform(np.asarray(xy, np.float64))


def build(name: str, marker_size: int = 4, components: tuple[int, int] | None = None) -> Frame:
    """A model by name with its map's fixed part; raises ValueError (or OSError) if it cannot load.
    `components`: the principal components of the map's plane (a d-D model; default the session's)."""
    path = resources.model_path(name)
    model = resources.model(path)
    data = test_set(model.config.dataset)
    components = components or plane_components(model.config.latent_dim)
    base = resources.map_base(path, model.config.dataset, marker_size, components)
    return Frame(
        name,
        path,
        model,
        data,
        base["mean"],
        base["log_var"],
        base["plane"],
        base["points"],
        base["labels"],
        base["x_range"],
        base["y_range"],
        base["traces"],
        base["annotations"],
        base["encoded"],
        base["token"],
    )


def plane_components(latent_dim: int) -> tuple[int, int]:
    """The session's choice of principal components for the plane, if the model has them."""
    first, second = st.session_state.get("plane_components", (1, 2))
    return (first, second) if max(first, second) <= latent_dim else (1, 2)


def test_set(dataset: str) -> vae.Dataset | None:
    try:
        return resources.test_data(dataset)
    except ValueError:
        return None


def current(marker_size: int = 4) -> Frame:
    """The session's model, or the bundled VAE (with the reason shown) when it fails to load."""
    name = st.session_state.model_name
    try:
        return build(name, marker_size)
    except (ValueError, OSError) as error:
        st.error(f"The model {name} could not be loaded, so the bundled model is shown instead. {error}")
        fallback = build(DEFAULT_MODEL, marker_size)
        state.switch_model(DEFAULT_MODEL, fallback.model, fallback.mean)
        return fallback


def switch_to(name: str, marker_size: int = 4, reason: str = "") -> Frame:
    """Use another model from now on: load it, then move the session's state to it."""
    try:
        frame = build(name, marker_size)
    except (ValueError, OSError) as error:
        st.error(f"The model {name} could not be loaded; {st.session_state.model_name} stays in use. {error}")
        return current(marker_size)
    state.switch_model(name, frame.model, frame.mean, reason)
    return frame
