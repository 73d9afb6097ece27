"""The teacher's own data, on the board page: a .zip of a folder of pictures becomes a dataset,
and "Train on our drawings" trains on what the class sent to the board (approved ones only).

Both are kept beside the models (vae/places.py: pictures_dir()), so every app process and
training worker lists them in the sidebar's Dataset choice. Training goes through the usual
line (explorer/training.py) with the class recipe; the page then opens "Explore one model",
where the training's progress and its map show.
"""

from __future__ import annotations

import streamlit as st

import vae
from explorer import resources, training
from explorer.text import plain
from vae.classroom.drawings import save_drawings
from vae.data.dataset import dataset_title
from vae.data.sources import training_images
from vae.data.zips import MAX_ZIP_BYTES, store_zip
from vae.model.config import recipe_for


def show(code: str) -> None:
    st.subheader("Train on your own pictures")
    drawings, upload = st.columns(2)
    with drawings:
        count = len(resources.board_store().entries(code))
        st.markdown(
            f"**The class's drawings**: the {count} on this board, each labelled by what its student said "
            "it is (held ones wait for your approval and are left out)."
        )
        st.button(
            "Train on our drawings", key="train-drawings", type="primary", on_click=train_on_drawings, args=(code,)
        )
    with upload:
        st.file_uploader(
            f"A .zip of a folder of pictures, one subfolder per class (PNG, JPEG, …; at most "
            f"{MAX_ZIP_BYTES // 2**20} MB: a larger set goes in a folder named in VAE_IMAGE_DIRS)",
            type=["zip"],
            key="pictures_zip",
            max_upload_size=MAX_ZIP_BYTES // 2**20,
        )
        if st.button("Add these pictures as a dataset", key="add-zip"):
            add_zip()  # in the run, not a callback: its progress bar shows here
    for message in st.session_state.pop("own_data_messages", []):
        (st.error if message.startswith("✗") else st.success)(message.removeprefix("✗ "))


def say(message: str) -> None:
    st.session_state.own_data_messages = [*st.session_state.get("own_data_messages", []), message]


def train_on_drawings(code: str) -> None:
    try:
        name, _ = save_drawings(resources.board_store().entries(code), code)
    except ValueError as error:
        say(f"✗ {error}")
        return
    start(name)


def add_zip() -> None:
    file = st.session_state.get("pictures_zip")
    if file is None:
        say("✗ Choose a .zip first: a folder of pictures, zipped, one subfolder per class.")
        return
    bar = st.progress(0.0, "Unpacking…")
    try:
        name, folder, skipped = store_zip(
            file, file.name, lambda done, total: bar.progress(done / total, f"Unpacking {done:,} of {total:,} pictures")
        )
    except ValueError as error:
        say(f"✗ {plain(file.name)}: {error}")
        return
    finally:
        bar.empty()
    st.session_state.dataset_wanted = name
    say(
        f"{plain(file.name)} is the dataset **{plain(dataset_title(name))}**"
        + (f" ({skipped:,} files that are not pictures left out)" if skipped else "")
        + ". Choose it under Dataset, or train on it now in Explore one model."
    )


def start(dataset: str) -> None:
    """Train `dataset` with the class recipe, then show the training in "Explore one model"."""
    config = vae.TrainConfig(**recipe_for("class", training_images(dataset)), dataset=dataset)
    try:
        training.start_job(config)
    except training.QUEUE_AWAY:
        say("✗ The training queue is not answering (its server restarting?). Press the button again in a moment.")
        return
    st.session_state.dataset_wanted = dataset
    st.session_state.view = "explore"
