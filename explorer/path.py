"""A path through the latent space: its waypoints, and the decoder's morph along it.

The quickest way to build one is on the map itself: switch clicks to "Add to path" and
click the points. Test digits and uploads can be added by number and by name too.
"""

from __future__ import annotations

import streamlit as st

from explorer import reruns, resources, state
from explorer.frame import Frame
from explorer.text import plain
from vae.analysis.latent import METHODS


def filmstrip(frame: Frame) -> None:
    """Under the map: the waypoints in order and, from two on, the decoded morph."""
    waypoints = st.session_state.waypoints
    if not waypoints:
        return
    names = " → ".join(f"**{chr(65 + i)}** {plain(w['label'])}" for i, w in enumerate(waypoints))
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
        # No rerun: one replaces the GIF's callable while the browser asks for it, and the
        # download never came (a loaded machine). The decoded image's button does the same.
        on_click="ignore",
    )
    clear.button("Clear the path", width="stretch", key="clear-path-under-map", on_click=state.clear_path)


def controls(frame: Frame) -> None:
    """The path tab: how to build a path, and its settings (kept while the tab is closed: state.py)."""
    st.markdown(
        "Switch clicks on the map to **Add to path** and click two or more points, or add test "
        "digits and your own digits here. The decoder morphs from one waypoint to the next."
    )
    # Each button adds in its callback, and the map reruns to draw the path (explorer/reruns.py).
    by_index, by_upload = st.columns(2)
    by_index.number_input("Test digit number", 0, len(frame.mean) - 1, key="wp_index")

    def add_test_digit() -> None:
        index = int(st.session_state.wp_index)
        state.add_waypoint(frame.mean[index].tolist(), f"test #{index}", index=index)
        reruns.redraw(reruns.MAP)

    by_index.button("Add this test digit", width="stretch", on_click=add_test_digit)
    names = [upload["name"] for upload in st.session_state.uploads]
    by_upload.selectbox("Your digit", names, index=len(names) - 1 if names else None, key="wp_upload")

    def add_upload() -> None:
        upload = state.upload_named(st.session_state.wp_upload)
        if upload is not None:
            state.add_waypoint(upload["mean"].tolist(), upload["name"], upload=upload["name"])
            reruns.redraw(reruns.MAP)

    by_upload.button("Add your digit", disabled=not names, width="stretch", on_click=add_upload)
    steps, method = st.columns(2)
    steps.slider("Steps per leg", 3, 30, key="path_steps", on_change=reruns.redraw, args=(reruns.MAP,))
    method.radio(
        "Interpolation",
        METHODS,
        key="path_method",
        horizontal=True,
        help="spherical keeps the path at the prior's typical distance from the centre",
        on_change=reruns.redraw,
        args=(reruns.MAP,),
    )
