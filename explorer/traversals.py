"""Dimensions, one at a time: how much each one is used, and what moving it does.

For the chosen point (a digit's μ, an upload's, or a point of the map), a grid in which each
row moves one latent dimension from -3 to +3 prior standard deviations around it, the others
fixed. Rows are ordered by the dimension's mean KL on the test set, the most used first; beside
the grid, that KL per dimension, with the dimensions under 0.01 nats named unused: the encoder
says nothing there, and the decoder ignores them.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer import describe, dials, state
from explorer.frame import Frame
from vae.analysis import latent, projections
from vae.plots import pictures
from vae.plots.inset import kl_bars_svg

STEPS = 9  # pictures per row: -3, -2.25, ..., +3


@st.cache_data(show_spinner=False, max_entries=64)
def traversal_png(_model, name: str, centre: tuple, dimensions: tuple) -> bytes:
    """The traversal grid as one PNG: a row per dimension, decoded in one batch."""
    images = _model.decode(latent.traversal_points(centre, dimensions, STEPS).astype(np.float32))
    return pictures.png_bytes(latent.tile(images, STEPS), 2)


def centre_of(frame: Frame) -> np.ndarray:
    if frame.plane.kind == "neighbours":
        return frame.mean.mean(axis=0)
    return frame.latent_at([0.0, 0.0])


def show(frame: Frame) -> None:
    kl = projections.kl_per_dimension(frame.mean, frame.log_var)
    order = np.argsort(-kl, kind="stable")
    active = projections.active_dimensions(kl)
    chosen = state.chosen()
    # Nothing chosen: the map's centre (on a t-SNE layout, which has none in z, the means' centre).
    centre = chosen["z"] if chosen is not None else centre_of(frame).tolist()
    where = describe.place(frame, centre) if chosen is not None else "the centre of the map"
    st.markdown(
        f"**{len(active)} of {frame.latent_dim} dimensions are active** (mean KL at least "
        f"{projections.ACTIVE_KL} nats on the test set). Each row moves one dimension of the chosen point "
        f"({where}) from −{latent.TRAVERSAL_SPAN:g} to +{latent.TRAVERSAL_SPAN:g}, the others fixed: "
        "an active dimension changes the digit, an unused one changes nothing."
    )
    bars, grid = st.columns([2, 3])
    bars.image(
        kl_bars_svg(kl, order),
        width="stretch",
        alt=f"the mean KL of each latent dimension, largest first: {len(active)} of {frame.latent_dim} active",
    )
    grid.image(
        traversal_png(frame.model, frame.name, tuple(float(v) for v in centre), tuple(int(d) for d in order)),
        caption=", ".join(f"z{d + 1}" for d in order) + f": rows, top to bottom; −{latent.TRAVERSAL_SPAN:g} … "
        f"+{latent.TRAVERSAL_SPAN:g} left to right",
        width="stretch",
        alt=f"traversals of the chosen point along each of the {frame.latent_dim} latent dimensions",
    )
    what = f"#{chosen['index']}" if chosen is not None and chosen.get("index") is not None else "the chosen point"
    st.markdown(
        "**Move them yourself.** Each slider moves one dimension of the chosen point, and your browser "
        "decodes every step as you move it."
    )
    dials.show(
        "dimension_dials",
        frame,
        {
            "title": what if chosen is not None else "the centre of the map",
            "base": [float(v) for v in centre],
            "rows": dials.dimension_rows(kl, order, active, latent.TRAVERSAL_SPAN),
            "reset": "Back to the chosen point",
            "note": "Unused dimensions (grey) change nothing: the decoder ignores them.",
        },
    )
    directions(frame, chosen, centre)


def directions(frame: Frame, chosen: dict | None, centre) -> None:
    """From one class towards another: the chosen point moved along the line between their means."""
    names = frame.class_names
    st.markdown(
        "**From one class towards another.** The slider moves the chosen point along the line from one "
        "class's mean to another's (the difference of their means, added step by step)."
    )
    first, second = st.columns(2)
    start = first.selectbox("From the mean of", range(len(names)), format_func=names.__getitem__, key="direction_from")
    end = second.selectbox(
        "Towards the mean of",
        range(len(names)),
        index=9 % len(names),
        format_func=names.__getitem__,
        key="direction_to",
    )
    if start == end:
        st.info("Choose two different classes.")
        return
    means = [frame.mean[frame.labels == label].mean(axis=0) for label in (start, end)]
    base = centre if chosen is not None else means[0].tolist()
    title = (
        (f"#{chosen['index']}" if chosen.get("index") is not None else "the chosen point")
        if chosen is not None
        else f"the mean of the {describe.plural(names[start])}"
    )
    dials.show(
        "direction_dials",
        frame,
        {
            "title": title,
            "base": [float(v) for v in base],
            "rows": [dials.direction_row(means[0], means[1], f"{names[start]} → {names[end]}")],
            "note": f"t = 1 adds the whole difference between the mean {names[end]} and the mean {names[start]}.",
        },
    )
