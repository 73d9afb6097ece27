"""The latent map: the encoded test set, what the person added to it, and the chart itself.

The figure changes only when what is drawn on it changes (a path, an upload, samples, the
options), never on a click: the chosen point is marked by the map layer (map_layer.py),
so a click does not re-send or re-render the 10,000 WebGL points.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer import resources, state
from explorer.frame import Frame
from vae import figures, latent

MAP_KEY = "latent_map"
CONFIG = {
    "displaylogo": False,
    "scrollZoom": True,
    # Two quick clicks are two decodes, not a double-click that resets the view.
    "doubleClick": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    # The camera button: the map as a PNG, drawn in the browser (works offline).
    "toImageButtonOptions": {"format": "png", "filename": "latent-map", "scale": 2},
}


def legend_title(frame: Frame) -> str:
    return "digit" if frame.dataset == "mnist" else "class"


def overlays(frame: Frame, options: dict) -> list[dict]:
    """What the session drew on the map: prior rings, the path, uploads, prior samples."""
    s = st.session_state
    traces = figures.prior_traces() if options.get("prior", True) else []
    points = state.waypoints()
    if len(points):
        path = latent.path_through(points, s.path_steps, s.path_method) if len(points) >= 2 else points
        traces += figures.path_traces(path, points)
    for upload in s.uploads:
        traces += figures.upload_traces(upload["mean"], upload["log_var"], upload["name"])
    if s.samples_seed is not None:
        traces.append(figures.samples_trace(latent.sample_prior(16, seed=s.samples_seed)))
    return traces


def figure(frame: Frame, options: dict, height: int, extra: list[dict] | None = None, legend_right: bool = False):
    images = []
    if options.get("manifold"):
        images.append(resources.manifold_layer(frame.model, frame.name, frame.x_range, frame.y_range))
    return figures.latent_map(
        frame.traces + (extra or []),
        frame.x_range,
        frame.y_range,
        height=height,
        images=images,
        uirevision=frame.name,
        legend_title=legend_title(frame),
        legend_right=legend_right,
        annotations=frame.annotations,
    )


def show(frame: Frame, options: dict, height: int, key: str = MAP_KEY, legend_right: bool = False) -> None:
    st.plotly_chart(
        figure(frame, options, height, overlays(frame, options), legend_right),
        key=key,
        on_select="ignore",
        config=CONFIG,
        width="stretch",
    )


def chosen_marks() -> list[dict]:
    from explorer.map_layer import mark

    chosen = state.chosen()
    if chosen is None:
        return []
    label = f"#{chosen['index']}" if chosen.get("index") is not None else (chosen.get("upload") or "")
    return [mark(chosen["z"], label)]


def nearest_test_digit(frame: Frame, click: dict) -> int | None:
    from explorer.map_layer import clicked_digit

    return clicked_digit(click, frame.mean, frame.labels, frame.class_names)


def decoded_at(frame: Frame, z) -> np.ndarray:
    return frame.model.decode(np.array([z], np.float32))[0]
