"""The latent map: the encoded test set, what the person added to it, and the chart itself.

The test set's points are sent once per model (map_view.py); what is drawn over them changes
with what the session added (a path, an upload, samples, the options), never on a click: the
chosen point is marked by the map layer (map_layer.py), which redraws only its marks.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer import live_decoder, map_view, resources, state
from explorer.frame import Frame, view_after
from explorer.frame import build as build_frame
from vae.analysis import latent
from vae.plots import figures

MAP_KEY = "latent_map"
PREVIEW_PX = {"normal": 112, "present": 224}  # the live preview: 4x, or 8x for the back of the room


def legend_title(frame: Frame) -> str:
    return "digit" if frame.dataset == "mnist" else "class"


def overlays(frame: Frame, options: dict) -> list[dict]:
    """What the session drew on the map: prior rings, the path, uploads, prior samples.

    Each is computed in the model's d dimensions (the path interpolates in all of them, the
    samples are d-D) and drawn where it projects onto the map's plane.
    """
    s = st.session_state
    if frame.plane.kind == "neighbours":
        # A t-SNE layout places new points only approximately, and a line or a ring drawn on it
        # would mean nothing: only uploads are placed (openTSNE's transform). The page says so.
        # Its star only: a layout without units has no room for q(z|x)'s ellipses.
        return [figures.upload_traces(frame.on_map(u["mean"]), np.zeros(2), u["name"])[-1] for u in s.uploads]
    origin = frame.on_map(np.zeros(frame.latent_dim))
    traces = figures.prior_traces(centre=tuple(origin)) if options.get("prior", True) else []
    points = state.waypoints()
    if len(points):
        path = latent.path_through(points, s.path_steps, s.path_method) if len(points) >= 2 else points
        latent_path = None if frame.plane.kind == "latent" else path
        traces += figures.path_traces(frame.on_map(path), frame.on_map(points), latent_path)
    for upload in s.uploads:
        # On a plane through a d-D space, q(z|x)'s spread along each of the map's axes.
        log_var = np.log(frame.plane.variances_of(upload["log_var"]))
        traces += figures.upload_traces(frame.on_map(upload["mean"]), log_var, upload["name"])
    if s.samples_seed is not None:
        samples = latent.sample_prior(16, frame.latent_dim, seed=s.samples_seed)
        traces.append(figures.samples_trace(frame.on_map(samples)))
    return traces


def layout(frame: Frame, options: dict, height: int, legend_right: bool = False) -> dict:
    images = []
    if options.get("manifold"):
        images.append(
            resources.manifold_layer(frame.model, frame.name, frame.x_range, frame.y_range, frame.plane, frame.view)
        )
    return figures.latent_map_layout(
        frame.x_range,
        frame.y_range,
        height=height,
        images=images,
        uirevision=frame.name if frame.plane.kind == "latent" else f"{frame.name} {frame.view}",
        legend_title=legend_title(frame),
        legend_right=legend_right,
        annotations=frame.annotations,
        axis_titles=frame.plane.axis_titles(),
    )


VIEW_LABELS = {"pca": "PCA plane", "slice": "slice", "neighbours": "neighbours layout (t-SNE)"}


def live(frame: Frame, present: bool = False, group: str | None = None, primary: bool = True) -> dict:
    """How the page decodes on this map: the model's decoder file, the preview's size, and
    the map's name and description for assistive technology."""
    what = "digits" if frame.dataset == "mnist" else "images"
    plane = frame.plane
    where = {
        "latent": "placed at their encoded means",
        "pca": "drawn where their {}-D means project onto the plane of principal components {} and {}".format(
            frame.latent_dim, *plane.components
        ),
        "slice": "drawn at their means' coordinates {} and {}, on a slice where the other {} stay pinned".format(
            *(f"z{c}" for c in plane.components), frame.latent_dim - 2
        ),
        "neighbours": f"laid out by t-SNE so that each is near its nearest {frame.latent_dim}-D means",
    }[plane.kind]
    keys = (
        "click a dot to decode its μ; between the dots there is nothing to decode."
        if plane.kind == "neighbours"
        else "arrow keys move a crosshair, Enter decodes the point under it."
    )
    spec = {
        "decoder": live_decoder.spec(frame.model, frame.name, frame.path),
        "preview": PREVIEW_PX["present" if present else "normal"],
        "group": group,
        "primary": primary,
        "view": plane.kind,
        "name": frame.view,
        "label": f"Latent map of {frame.name}" + ("" if plane.kind == "latent" else ", " + VIEW_LABELS[plane.kind]),
        "description": f"{len(frame.mean):,} test {what} {where} by {frame.name}; {keys}",
    }
    if plane.kind in ("pca", "slice"):
        # The page decodes a point (x, y) of the map as z = centre + x·u + y·v (explorer/map/live.js).
        spec["plane"] = {"centre": plane.centre.tolist(), "axes": plane.axes.tolist()}
    return spec


def show(
    frame: Frame,
    options: dict,
    height: int,
    key: str = MAP_KEY,
    present: bool = False,
    on_drawn=None,
    ahead: list[dict] | None = None,
) -> None:
    """The map with what the session drew on it (`present`: the projector's layout;
    `on_drawn` and `ahead`: see map_view.show and `views_ahead`)."""
    map_view.show(
        key,
        frame.token,
        frame.encoded,
        overlays(frame, options),
        layout(frame, options, height, legend_right=present),
        live(frame, present=present),
        on_drawn,
        ahead,
    )


def views_ahead(
    frame: Frame, options: dict, height: int, present: bool, choices: dict[str, str], chooser: str, layer: str
) -> list[dict]:
    """The other views a d-D model's chooser offers (`choices`: kind -> its button's text, in the
    element `chooser` selects), each as the server's run after the press would draw it, with the
    chosen point's mark of the map layer `layer`: the page draws it at the press (map/views.js).

    A view that is not ready (a neighbours layout still computed) is not offered ahead: its press
    waits for the server, as every press did before. Without the manifold's picture, which is
    computed per view: the server's run brings it.
    """
    ahead = []
    plain = {**options, "manifold": False}
    for kind, choice in choices.items():
        if kind == frame.plane.kind:
            continue
        other = build_frame(frame.name, options["marker_size"], view_after(frame, kind), path=frame.path, shown=False)
        if other.plane.kind != kind:
            continue
        spec = map_view.spec_of(
            overlays(other, options), layout(other, plain, height, legend_right=present), live(other, present=present)
        )
        marks = {layer: chosen_marks(other)}
        ahead.append(map_view.ahead_view(other.token, other.encoded, spec, marks, chooser, choice))
    return ahead


def chosen_marks(frame: Frame) -> list[dict]:
    from explorer.map_layer import mark

    chosen = state.chosen()
    if chosen is None:
        return []
    if frame.plane.kind == "neighbours" and chosen.get("index") is None and not chosen.get("upload"):
        return []  # a free point has no place on a t-SNE layout (only digits and uploads do)
    # A test digit's ring says its number; an upload's says nothing: its star, under the ring,
    # already carries its name (vae/figures.upload_traces), and the two names overlapped.
    label = f"#{chosen['index']}" if chosen.get("index") is not None else ""
    return [mark(frame.on_map(chosen["z"]), label)]


def nearest_test_digit(frame: Frame, click: dict, radius_px: float = 7.0) -> int | None:
    from explorer.map_layer import clicked_digit

    return clicked_digit(click, frame.points, frame.labels, frame.class_names, radius_px)


def decoded_at(frame: Frame, z) -> np.ndarray:
    return frame.model.decode(np.array([z], np.float32))[0]
