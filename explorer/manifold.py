"""The decoded manifold: a grid of latent points, decoded in one batch, laid out as one image."""

from __future__ import annotations

import streamlit as st

from explorer import resources
from explorer.frame import Frame


def show(frame: Frame) -> None:
    n = st.slider("Grid size", 5, 30, 20)
    (x0, x1), (y0, y1) = frame.x_range, frame.y_range
    st.image(
        resources.manifold_png(frame.model, frame.name, n, frame.x_range, frame.y_range, frame.plane, frame.view),
        output_format="PNG",
        caption=f"{n}×{n} decoded latent points over z₁ ∈ [{x0:.1f}, {x1:.1f}], z₂ ∈ [{y0:.1f}, {y1:.1f}] "
        "(top left is low z₁, high z₂). The sidebar can lay it under the map.",
        alt=f"a grid of {n} by {n} images decoded across the latent map, from low to high z₁ left to right "
        "and from high to low z₂ top to bottom",
    )
