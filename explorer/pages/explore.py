"""Explore one model: its latent map, the decoded point beside it, and the panels below."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from explorer import (
    decoded,
    describe,
    first_page,
    follow,
    header,
    latent_map,
    links,
    live_decoder,
    manifold,
    neighbours,
    path,
    replay,
    reruns,
    samples,
    state,
    style,
    training,
    traversals,
    uploads,
)
from explorer.frame import Frame, session_view, view_after, view_name

TABS = ["Your digit", "Path", "Sample the prior", "Manifold", "Dimensions", "Replay training", "How it works"]


def show(frame: Frame, options: dict) -> None:
    present = st.session_state.present
    top = st.container()  # the header, written after the map
    mode = style.mode(present)
    left, right = st.columns([3, 2] if not present else [11, 8], gap="medium")
    # The map first: it is what a page waits for, so it is the first element a browser gets
    # (with two cores shared by the server and the browser, the header's elements sent first
    # delayed it). What the panels change (an upload, a waypoint, samples) they change in
    # their widgets' callbacks, before any run, which then reruns the map too (reruns.py).
    with left:
        map_area(frame, options, style.MAP_HEIGHT[mode], present)
    with top:
        header.show("VAE latent-space explorer", header.model_card(frame))
        error = st.session_state.pop("training_error", None)
        if error:
            st.error(f"Training failed: {error}")
        training.resume_mine()
        if st.session_state.job:
            training.live()
    with right:
        with st.container(key="click_mode_box"):
            if first_page.whole():
                click_mode()
            else:
                first_page.room("42px")  # the click mode's (style.py)
        live_decoder_note(frame)
        decoded.panel(frame, style.IMAGE_WIDTH[mode])
    if first_page.whole():
        panels(frame)


VIEW_CHOICES = {"pca": "PCA plane", "slice": "Slice through the point", "neighbours": "Neighbours (t-SNE)"}
CHOOSER = ".st-key-map_view_kind"  # the view chooser's element in the page (its widget's key)


def view_choice(frame: Frame) -> None:
    """A d-D model: which view the map shows (a PCA plane, a slice, the neighbours layout), its
    axes, and what that view is a picture of."""
    kind, pair = session_view(frame.latent_dim)

    # The axes' widgets are the kind's own (their keys name it): their options read z3 on a slice
    # and PC3 on a plane, and a widget whose labels changed under a run that a click cut short
    # came back as its old label ('z10'), not a number (Streamlit's selectbox keeps a value it
    # cannot find among its options).
    x_key, y_key = f"map_axis_x_{kind}", f"map_axis_y_{kind}"

    def chosen(what: str) -> None:
        s = st.session_state
        new_kind = s.map_view_kind
        if new_kind != kind:
            # As the page drew it at the press (latent_map.views_ahead): the server draws the same.
            s.map_view = view_after(frame, new_kind)
            st.rerun()  # the whole page: its map and its frame are built for the view
        new_pair = [s.get(x_key), s.get(y_key)]
        if not all(isinstance(c, int) and 1 <= c <= frame.latent_dim for c in new_pair):
            return
        if new_pair[0] == new_pair[1]:  # the other axis gives way
            other = 1 if what == "x" else 0
            new_pair[other] = next(c for c in range(1, frame.latent_dim + 1) if c != new_pair[1 - other])
        s.map_view = view_name(new_kind, tuple(new_pair))
        st.rerun()

    s = st.session_state
    s.map_view_kind, (s[x_key], s[y_key]) = kind, pair
    st.segmented_control(
        "The map shows",
        list(VIEW_CHOICES),
        format_func=VIEW_CHOICES.get,
        key="map_view_kind",
        required=True,
        on_change=chosen,
        args=("kind",),
        help="PCA plane: the plane of two principal components of the test set's means, every point a real "
        "latent point. Slice: two latent dimensions vary, the others stay where the chosen point has them. "
        "Neighbours: a t-SNE layout of the means, which keeps neighbours together but is no plane of z.",
    )
    if kind in ("pca", "slice"):
        name = "PC{}" if kind == "pca" else "z{}"
        options = list(range(1, frame.latent_dim + 1))
        across, up = st.columns(2)
        across.selectbox("Horizontal axis", options, format_func=name.format, key=x_key, on_change=chosen, args=("x",))
        up.selectbox("Vertical axis", options, format_func=name.format, key=y_key, on_change=chosen, args=("y",))
    if kind == "neighbours" and frame.plane.kind != "neighbours":
        neighbours.computing(frame)
    st.caption(view_caption(frame))


def view_caption(frame: Frame) -> str:
    text = frame.plane.describe()
    if frame.plane.kind == "slice":
        chosen = state.chosen()
        through = (
            "the prior's centre (choose a digit to slice through it)"
            if chosen is None
            else f"#{chosen['index']}'s μ"
            if chosen.get("index") is not None
            else f"your digit {chosen['upload']}'s μ"
            if chosen.get("upload")
            else "the chosen point"
        )
        text += f" It passes through {through}."
    if frame.plane.kind == "neighbours":
        text += " Paths, samples and the prior's rings are drawn on the planes only."
    return text


def click_mode() -> None:
    """What a click on the map does: decode the point, or add it to the path."""
    st.segmented_control(
        "A click on the map",
        ["Decode", "Add to path"],
        key="click_mode",
        label_visibility="collapsed",
        required=True,
        help="Point at the map: the digit under the pointer is decoded in your browser as you move "
        "(on a phone, slide a finger; lift it to choose). Click a digit or empty space to decode it, "
        "or to add it to a path. Drag the chosen point's ring to morph it; drag empty map to pan, "
        "scroll or pinch to zoom, click the legend to hide a class. By keyboard: Tab to the map, "
        "arrows move a crosshair (Shift: larger steps), Enter decodes, + and − zoom, 0 resets.",
    )


@st.fragment(key=reruns.MAP)
def map_area(frame: Frame, options: dict, height: int, present: bool) -> None:
    """The map, the path's filmstrip under it and the map as a table: a part of the page that
    the panels and the decoded point rerun when they change what it shows (explorer/reruns.py)."""
    on_drawn = None if first_page.whole() else first_page.map_drawn  # the page's first step
    ahead = None
    if frame.latent_dim > 2 and first_page.whole():  # the chooser's other views, drawn at its press
        ahead = latent_map.views_ahead(frame, options, height, present, VIEW_CHOICES, CHOOSER, decoded.LAYER_KEY)
    latent_map.show(frame, options, height, present=present, on_drawn=on_drawn, ahead=ahead)
    if frame.latent_dim > 2 and first_page.whole():
        view_choice(frame)
    path.filmstrip(frame)
    if first_page.whole():
        describe.map_table(frame)
    else:
        first_page.room("42.5px")  # the table's expander's: on a phone the decoded point is below
    links.mirror()
    follow.publish()


@st.fragment(key=reruns.PANELS)
def panels(frame: Frame) -> None:
    """The tabs below the map. A fragment: opening a tab, or using a panel, reruns only this
    (with thirty students the tab changes were a third of the server's full runs). A panel
    that changes what the map or the decoded point show (an upload, a waypoint, samples)
    does it in a callback that reruns those parts too (explorer/reruns.py).
    """
    state.keep_widgets()
    # Each tab is computed and sent only while it is open: the manifold's grid and the
    # replay's sixty frames cost the server, and the others' widgets cost the browser 0.16 s
    # of every first page (median of six starts side by side). "Your digit", the first tab,
    # is always sent: its uploader and canvas keep what the person put in them (an
    # uploader's files cannot be kept in session state).
    tabs = st.tabs(TABS, key="panel_tab", on_change="rerun")
    for tab, panel in zip(tabs, PANELS, strict=True):
        if tab.open or panel is uploads.show:
            with tab:
                panel(frame)
    follow.publish()  # a leading teacher's open tab


def live_decoder_note(frame: Frame) -> None:
    """Once per model and session: this model's decoder runs on the server only."""
    decoder = live_decoder.spec(frame.model, frame.name, frame.path)
    if live_decoder.runs_in_page(decoder) or not state.first_time("decoder_note", frame.name):
        return
    why = (
        "its convolutional decoder runs on the server only"
        if decoder["reason"] == "conv"
        else f"the decoder could not be given to the page: {decoder['reason']}"
    )
    st.toast(f"{frame.name}: no live preview under the pointer ({why}). Clicks still decode.", icon="ℹ️")


def how_it_works(frame: Frame) -> None:
    m = frame.model.metrics
    text = (Path(__file__).resolve().parent.parent / "how_it_works.md").read_text()
    st.markdown(
        text.format(
            reconstruction=m.get("test_reconstruction", float("nan")),
            kl=m.get("test_kl", float("nan")),
            nelbo=m.get("test_nelbo", float("nan")),
        )
    )


PANELS = (uploads.show, path.controls, samples.show, manifold.show, traversals.show, replay.show, how_it_works)
