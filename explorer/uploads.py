"""Your digit: upload a photo or draw one; see where the encoder puts it; send it to the class board.

Uploads are opened only as the image formats named here (vae.data.image_files.FORMATS), never
written to disk, and each file is handled once. A file that cannot be used gets a message
naming it; the uploads that worked stay. Files and drawings are taken in the widgets'
callbacks, which then rerun the map and the decoded point with this panel (explorer/reruns.py).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from explorer import board_panel, describe, reruns, resources, state
from explorer.drawing_canvas import drawing_canvas
from explorer.frame import Frame
from explorer.text import plain
from vae.analysis.reading import READINGS, best_reading
from vae.data.image_files import EXTENSIONS, SUPPORTED
from vae.plots.pictures import data_uri, filmstrip, png_data_uri


def add(frame: Frame, name: str, source) -> bool:
    """Put an image on the map and choose it; False (and a message) if it cannot be used."""
    try:
        # A large photo takes a second or two, longer while two others are being prepared
        # (vae.data.images decodes at most two large pictures at once, to bound the server's memory).
        with st.spinner(f"Preparing {name}…"):
            image, reading = best_reading(frame.model, source)  # the reading the model explains best
    except ValueError as error:
        state.report_upload_error(f"{plain(name)}: {error}")
        return False
    mean, log_var = frame.model.encode(image[None])
    name = unique_name(name)
    state.add_upload(name, image, mean[0], log_var[0], reading)
    state.choose(mean[0], upload=name)
    return True


def added(frame: Frame, anything: bool) -> None:
    """After a callback added images: this panel, the map and the decoded point show them.
    Nothing added (a file refused): only this panel reruns, with the message."""
    if anything:
        reruns.chosen_changed(frame.plane.kind, reruns.PANELS, reruns.MAP, reruns.DECODED)


def reading_sentence(frame: Frame, upload: dict) -> str:
    """Which of the picture's readings the model sees, and which model chose it (uploads keep
    their picture when the model changes)."""
    if not upload.get("reading"):
        return ""
    chooser = "this model" if upload.get("read_by") == frame.name else plain(upload.get("read_by") or "another model")
    return (
        f" Of {READINGS} readings of your picture (stroke widths, slight turns), {chooser} took the one it "
        f"explains best, the lowest negative ELBO: {upload['reading']}."
    )


def unique_name(name: str) -> str:
    taken = {u["name"] for u in st.session_state.uploads}
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name} ({number})", number + 1
    return candidate


def show(frame: Frame) -> None:
    def take_files() -> None:
        new = [file for file in st.session_state.uploader or [] if state.file_is_new(file.file_id)]
        results = [add(frame, Path(file.name).stem[:24], file.getvalue()) for file in new]  # each one, then redraw
        added(frame, any(results))

    def take_drawing(png: bytes) -> None:
        count = sum(u["name"].startswith("drawing") for u in st.session_state.uploads)
        added(frame, add(frame, f"drawing {count + 1}", png))

    upload_column, draw_column = st.columns(2)
    with upload_column:
        st.file_uploader(
            f"Upload photos or scans of handwritten digits ({SUPPORTED})",
            type=list(EXTENSIONS),
            accept_multiple_files=True,
            key="uploader",
            on_change=take_files,
        )
    with draw_column:
        st.write("…or draw one (mouse or finger):")
        drawing_canvas(key="canvas", on_drawing=take_drawing)
    for message in st.session_state.upload_errors[-3:]:
        st.error(message)
    if st.session_state.uploads:
        latest(frame, st.session_state.uploads[-1])


def latest(frame: Frame, upload: dict) -> None:
    mean = upload["mean"]
    st.markdown(
        f"**{plain(upload['name'])}** is on the map as a star at μ: {describe.place(frame, mean)}, with its "
        "1σ and 2σ ellipses (tiny: the encoder is sure of itself). The panel beside the map shows it "
        "up close. " + describe.placement(frame, mean) + reading_sentence(frame, upload)
    )
    if len(frame.class_names) == 1 and frame.data is not None:  # no labels: the nearest pictures themselves
        nearest = describe.nearest(frame, mean)
        st.image(
            png_data_uri(filmstrip(frame.data.x_test[nearest]), 4),
            caption="its 5 nearest test pictures, nearest first",
            alt=f"the 5 test pictures nearest {upload['name']} on the map",
        )
    seen, decoded, send = st.columns([1, 1, 2])
    # Inside the run's message (data: URLs): on every run of this tab, two fewer requests.
    seen.image(
        png_data_uri(upload["image"], 6),
        caption="what the model sees (28×28)",
        width=168,
        alt=f"{upload['name']} as the model sees it, 28 by 28 pixels",
    )
    decoded.image(
        data_uri(resources.decoded_png(frame.model, frame.name, (tuple(mean),), 6)),
        caption="decoded at μ",
        width=168,
        alt=f"{upload['name']} decoded at its mean μ: {describe.place(frame, mean)}",
    )
    with send:
        board_panel.send_form(frame, upload)

    def choose() -> None:
        state.choose(mean, upload=upload["name"])
        reruns.chosen_changed(frame.plane.kind, *reruns.showing_chosen())

    st.button("Show this digit beside the map", key="choose-upload", on_click=choose)
