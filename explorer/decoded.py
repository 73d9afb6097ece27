"""The decoded point, beside the map: what the decoder makes of the point that was clicked.

A fragment: a click reruns only this panel (the map is not re-sent). In "Add to path" mode
a click also adds a waypoint, and the map reruns with it to draw the path (explorer/reruns.py).
"""

from __future__ import annotations

import functools

import numpy as np
import streamlit as st

from explorer import describe, first_page, follow, links, posterior, reruns, sidebar, state
from explorer.frame import Frame
from explorer.frame import build as build_frame
from explorer.latent_map import MAP_KEY, chosen_marks, decoded_at, nearest_test_digit
from explorer.map_layer import map_layer
from explorer.text import plain
from vae.plots.pictures import data_uri, png_bytes, png_data_uri

LAYER_KEY = "map_layer"
NOT_A_PLANE = (
    "Nothing to decode between the dots: the neighbours layout is not a plane of the latent space, so only "
    "its dots (each digit's μ) are latent points. Click a dot, or choose the PCA plane or a slice."
)
PIXELS = 10  # 28 px -> 280 px: crisp on a projector


def handle_click(frame: Frame, click: dict) -> None:
    """A click on the map: choose the digit under it, or the empty point; maybe add a waypoint.

    A marker dragged and let go chooses exactly where it was let go, and only chooses.
    """
    frame = view_clicked(frame, click)
    if frame.plane.kind == "neighbours":
        # Only the layout's dots are latent points: a click, a lifted finger or Enter chooses the
        # dot under it (within a finger's width), and between the dots there is nothing to decode.
        index = nearest_test_digit(frame, click, radius_px=7.0 if click.get("kind") is None else 22.0)
        if index is None:
            st.toast(NOT_A_PLANE, icon="ℹ️")
            return
    else:
        index = None if click.get("exact") else nearest_test_digit(frame, click)
    # A test digit: its own μ (d values); an empty point of the map: the latent point it is.
    z = frame.mean[index].tolist() if index is not None else frame.latent_at([click["x"], click["y"]]).tolist()
    moves_slice = frame.plane.kind == "slice" and not np.allclose(frame.latent_at(frame.on_map(z)), z, atol=1e-6)
    state.choose(z, index=index, xy=None if index is not None else (click["x"], click["y"]))
    if moves_slice:
        st.rerun()  # the slice now passes through the new point: the whole page, whose map is built for it
    if st.session_state.click_mode == "Add to path" and click.get("kind") != "drag":
        label = f"test #{index}" if index is not None else f"z=({click['x']:.1f}, {click['y']:.1f})"
        state.add_waypoint(z, label, index=index, xy=None if index is not None else (click["x"], click["y"]))
        reruns.redraw(reruns.MAP, reruns.DECODED)  # the map draws the path
    elif describe.table_open():
        reruns.redraw(reruns.DECODED, reruns.MAP)  # the map as a table names the chosen point
    # else this panel's own rerun draws the new point (the map is not sent again)


def view_clicked(frame: Frame, click: dict) -> Frame:
    """The frame of the view a click was made on. The page draws a view at the chooser's press,
    before the server's run (map/views.js): a click in that moment is read on what it was made on."""
    view = click.get("view")
    if not view or view == frame.view:
        return frame
    try:
        key, default = sidebar.OPTIONS["marker_size"]
        other = build_frame(frame.name, st.session_state.get(key, default), view, path=frame.path)
    except (ValueError, OSError):
        return frame
    return other if other.view == view else frame


@st.fragment(key=reruns.DECODED)
def panel(frame: Frame, image_width: int) -> None:
    map_layer(
        LAYER_KEY,
        MAP_KEY,
        chosen_marks(frame),
        on_click=functools.partial(handle_click, frame),
        announce=describe.announcement(frame),
    )
    links.mirror()
    follow.publish()
    chosen = state.chosen()
    if chosen is None and not first_page.whole():
        return  # a new page's first step: the map only (the hint below comes with the rest)
    if chosen is None:
        st.subheader("Decoded point")
        st.info(
            "Click a dot of the map: the decoder turns that digit's μ into an image."
            if frame.plane.kind == "neighbours"
            else "Click the map, on a digit or on empty space: the decoder turns the point you click into an image."
        )
        return
    if chosen.get("index") is not None:
        test_digit(frame, chosen, image_width)
    elif chosen.get("upload") and state.upload_named(chosen["upload"]):
        your_digit(frame, state.upload_named(chosen["upload"]), image_width)
    else:
        free_point(frame, chosen, image_width)


def free_point(frame: Frame, chosen: dict, image_width: int) -> None:
    x, y = chosen["z"][:2] if frame.plane.kind == "neighbours" else frame.on_map(chosen["z"])
    st.subheader(f"Decoded {describe.place(frame, chosen['z'])}")
    picture = png_bytes(decoded_at(frame, chosen["z"]), PIXELS)
    st.image(data_uri(picture), width=image_width, alt=describe.decoded_alt(frame, chosen["z"]))
    st.caption("No image was encoded here: the decoder draws what this point of the latent space means.")
    add_to_path_button(chosen, f"z=({x:.1f}, {y:.1f})")
    download_button(picture, f"decoded-{x:.2f}_{y:.2f}.png")


def test_digit(frame: Frame, chosen: dict, image_width: int) -> None:
    index = chosen["index"]
    st.subheader(f"Test #{index}: {frame.class_names[frame.labels[index]]}")
    original_uri, picture = digit_pictures(frame, frame.name, index, tuple(chosen["z"]))
    original, decoded = st.columns(2)
    if frame.data is not None:
        original.image(
            original_uri,
            caption="original",
            width=int(image_width * 0.62),
            alt=f"test image #{index}, a {frame.class_names[frame.labels[index]]}: the original",
        )
    else:
        original.info("The original is not on this computer (its dataset is not installed).")
    decoded.image(
        data_uri(picture),
        width=int(image_width * 0.62),
        caption=f"decoded at its mean {describe.place(frame, chosen['z'])}",
        alt=f"reconstruction of test image #{index}: " + describe.decoded_alt(frame, chosen["z"]),
    )
    add_to_path_button(chosen, f"test #{index}")
    download_button(picture, f"test-{index}-decoded.png")
    if frame.data is not None:
        with st.expander("What the encoder said: q(z|x), up close", expanded=True):
            posterior.show(
                frame.model, frame.data.x_test[index], frame.mean[index], frame.log_var[index], key="posterior-test"
            )


@st.cache_data(show_spinner=False, max_entries=256)
def digit_pictures(_frame: Frame, name: str, index: int, z: tuple) -> tuple[str | None, bytes]:
    """A test digit's original (a data URI) and its reconstruction (PNG): made once per model and
    digit, not at every page that shows it (a class following its teacher, thirty at once)."""
    original = png_data_uri(_frame.data.x_test[index], PIXELS) if _frame.data is not None else None
    return original, png_bytes(decoded_at(_frame, z), PIXELS)


def your_digit(frame: Frame, upload: dict, image_width: int) -> None:
    st.subheader(f"Your digit: {plain(upload['name'])}")
    original, decoded = st.columns(2)
    original.image(
        png_data_uri(upload["image"], PIXELS),
        caption="what the model sees (28×28)",
        width=int(image_width * 0.62),
        alt=f"your digit {upload['name']} as the model sees it, 28 by 28 pixels",
    )
    decoded.image(
        png_data_uri(decoded_at(frame, upload["mean"]), PIXELS),
        caption="decoded at its mean",
        width=int(image_width * 0.62),
        alt=f"reconstruction of {upload['name']}: " + describe.decoded_alt(frame, upload["mean"]),
    )
    add_to_path_button(state.chosen(), upload["name"])
    with st.expander("What the encoder said: q(z|x), up close", expanded=True):
        posterior.show(frame.model, upload["image"], upload["mean"], upload["log_var"], key="posterior-upload")


def download_button(picture: bytes, file_name: str) -> None:
    st.download_button(
        "Download this image (PNG)",
        picture,
        file_name=file_name,
        mime="image/png",
        key="download-decoded",
        width="stretch",
        on_click="ignore",
    )


def add_to_path_button(chosen: dict, label: str) -> None:
    def add() -> None:
        state.add_waypoint(chosen["z"], label, index=chosen.get("index"), upload=chosen.get("upload"))
        reruns.redraw(reruns.MAP)  # the path on the map; this panel is unchanged

    st.button("Add this point to the path", key="add-chosen", width="stretch", on_click=add)
