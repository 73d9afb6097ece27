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

from explorer import describe, state
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


def show(frame: Frame) -> None:
    kl = projections.kl_per_dimension(frame.mean, frame.log_var)
    order = np.argsort(-kl, kind="stable")
    active = projections.active_dimensions(kl)
    chosen = state.chosen()
    centre = chosen["z"] if chosen is not None else frame.latent_at([0.0, 0.0]).tolist()
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
