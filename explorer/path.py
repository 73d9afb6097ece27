"""A path through the latent space: its waypoints, and the decoder's morph along it.

The quickest way to build one is on the map itself: switch clicks to "Add to path" and
click the points. Test digits and uploads can be added by number and by name too.
"""

from __future__ import annotations

import streamlit as st

from explorer import resources, state
from explorer.frame import Frame
from vae.latent import METHODS


def filmstrip(frame: Frame) -> None:
    """Under the map: the waypoints in order and, from two on, the decoded morph."""
    waypoints = st.session_state.waypoints
    if not waypoints:
        return
    names = " → ".join(f"**{chr(65 + i)}** {w['label']}" for i, w in enumerate(waypoints))
    if len(waypoints) < 2:
        st.markdown(f"Path: {names}. Add one more point to see the morph.")
        return
    points = tuple(tuple(w["z"]) for w in waypoints)
    steps, method = st.session_state.path_steps, st.session_state.path_method
    strip, count = resources.path_filmstrip(frame.model, frame.name, points, steps, method)
    st.markdown(f"Path: {names}")
    st.image(
        strip,
        caption=f"{count} frames decoded along the path: the latent space is continuous, so the images morph smoothly",
        output_format="PNG",
        width="stretch",
        alt=f"{count} images decoded along the path {' to '.join(chr(65 + i) for i in range(len(waypoints)))}, "
        "morphing from one waypoint's image to the next",
    )
    download, clear = st.columns(2)
    download.download_button(
        "Download the morph (GIF)",
        lambda: resources.path_gif(frame.model, points, steps, method),
        file_name="latent-path.gif",
        mime="image/gif",
        width="stretch",
    )
    clear.button("Clear the path", width="stretch", key="clear-path-under-map", on_click=state.clear_path)


def controls(frame: Frame) -> None:
    """The path tab: how to build a path, and its settings (kept while the tab is closed: state.py)."""
    st.markdown(
        "Switch clicks on the map to **Add to path** and click two or more points, or add test "
        "digits and your own digits here. The decoder morphs from one waypoint to the next."
    )
    # The panels run before the map is drawn, so what these buttons add is on the map at once.
    by_index, by_upload = st.columns(2)
    index = by_index.number_input("Test digit number", 0, len(frame.mean) - 1, key="wp_index")
    if by_index.button("Add this test digit", width="stretch"):
        state.add_waypoint(frame.mean[index].tolist(), f"test #{index}", index=int(index))
    names = [upload["name"] for upload in st.session_state.uploads]
    picked = by_upload.selectbox("Your digit", names, index=len(names) - 1 if names else None)
    if by_upload.button("Add your digit", disabled=not names, width="stretch"):
        upload = state.upload_named(picked)
        state.add_waypoint(upload["mean"].tolist(), upload["name"], upload=upload["name"])
    steps, method = st.columns(2)
    steps.slider("Steps per leg", 3, 30, key="path_steps")
    method.radio(
        "Interpolation",
        METHODS,
        key="path_method",
        horizontal=True,
        help="spherical keeps the path at the prior's typical distance from the centre",
    )
