"""Training from the sidebar, watched live: the map forms epoch by epoch while the page stays usable.

The model trains in a child process (vae.workers.jobs); a fragment polls it every second, so this
session's page is never blocked: clicks still decode with the model in use. Pause, stop
(keeping what was learned) and cancel work at any time. Two sessions asking for the same
configuration watch one training.
"""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

import vae
from explorer import frame as frames
from explorer import student, style, training_line
from vae.analysis import projections
from vae.data.dataset import dataset_title
from vae.data.idx import DATASETS
from vae.data.sources import download_dataset, how_to_provide, training_data_available, training_images
from vae.model.config import form_config
from vae.plots import figures, training_figures
from vae.store.snapshots import snapshot_indices
from vae.workers.queue import training_seconds

TRAIN_SIZES = (1000, 5000, 20000, 60000)
LATENT_SIZES = (2, 4, 8, 16, 32, 64)
DEFAULTS = vae.TrainConfig()
try:  # a school's training queue in Redis (vae/workers/remote.py) that is away for a moment
    from redis.exceptions import RedisError as QUEUE_AWAY
except ImportError:  # pragma: no cover (redis is in requirements.txt)
    QUEUE_AWAY = OSError


RECIPE_CHOICES = {
    "class": "For class: a map in about a minute",
    "best": "Best quality: about four minutes",
}


def form(dataset: str) -> None:
    """The sidebar's training form; starts (or joins) a training job. Its recipe (vae/model/config.py's
    RECIPES) is chosen first: it sets the epochs below, and the batch size and learning rate."""

    def recipe_chosen() -> None:
        st.session_state.train_epochs = form_config(st.session_state.train_recipe, size).epochs

    size = training_images(dataset)
    if st.session_state.train_form_dataset != dataset:  # another dataset: its recipe's epochs
        st.session_state.train_form_dataset = dataset
        st.session_state.train_epochs = form_config(st.session_state.train_recipe, size).epochs

    st.segmented_control(
        "Recipe",
        list(RECIPE_CHOICES),
        format_func=RECIPE_CHOICES.get,
        key="train_recipe",
        required=True,
        on_change=recipe_chosen,
        help="For class: 6 epochs of 256 images a step, tuned for the time to a good map on 2 cores "
        "(bench/README). Best quality: 20 epochs of 128, the command line's default.",
    )
    with st.form("train"):
        arch = st.selectbox(
            "Architecture", ["dense", "conv"], help="dense: multilayer perceptron; conv: strided convolutions"
        )
        epochs = st.slider("Epochs", 1, 50, key="train_epochs")
        latent_dim = st.select_slider(
            "Latent dimensions",
            LATENT_SIZES,
            value=DEFAULTS.latent_dim,
            help="2: the map is the latent space itself. More: sharper digits, and the map shows a plane "
            "of two principal components through the space.",
        )
        beta = st.number_input("β (weight of the KL term; 0 = plain autoencoder)", 0.0, 10.0, 1.0, 0.5)
        images = st.select_slider("Training images", TRAIN_SIZES, value=60000)
        seed = st.number_input("Seed (same seed, same run)", 0, 10_000, 0)
        start = st.form_submit_button("Train", type="primary", width="stretch")
    if start:
        config = form_config(
            st.session_state.train_recipe,
            size,
            epochs=epochs,
            dataset=dataset,
            arch=arch,
            beta=beta,
            latent_dim=int(latent_dim),
            seed=int(seed),
            train_limit=None if images == 60000 else images,
        )
        if training_data_available(dataset):
            try:
                start_job(config)
            except QUEUE_AWAY:
                st.error("The training queue is not answering (its server restarting?). Press Train again in a moment.")
                return
            st.rerun()  # the sidebar runs last: the page above it now shows the training
        else:
            st.session_state.training_data_missing = dataset
    missing = st.session_state.get("training_data_missing")
    if missing == dataset:
        no_training_data(dataset)


def no_training_data(dataset: str) -> None:
    st.error(
        f"Training needs the 60,000 {dataset_title(dataset)} training images, and they are not on the computer "
        f"that runs this app (only the test set is). {how_to_provide(dataset)}"
    )
    if st.button(f"Download {dataset_title(dataset)} now (about 11 to 30 MB)", key="download-data"):
        with st.spinner("Downloading…"):
            try:
                download_dataset(dataset)
            except ValueError as error:
                st.error(str(error))
                return
        st.session_state.training_data_missing = None
        st.success("Downloaded. Press Train again.")


def job_key(config: vae.TrainConfig) -> str:
    return hashlib.sha256(config.to_json().encode()).hexdigest()[:16]


def start_job(config: vae.TrainConfig) -> None:
    """Start a training, join the same configuration's, or take a place in the line
    (vae/workers/queue.py: at most VAE_MAX_TRAININGS at once, and only what free memory allows;
    with a queue URL, the Redis queue of the training workers: vae/workers/remote.py)."""
    key = job_key(config)
    registry = training_line.jobs()
    registry.request(key, config, training_seconds(config.epochs, config.train_limit or 60_000))
    registry.remember(student.identity(), key)
    st.session_state.job = key


def resume_mine() -> None:
    """A page with no training of its own picks up its student's (explorer/student.py): after a
    reload, in another tab, or on another app process of a school when its own was killed, the
    student finds their place in line, their training, or the model it made."""
    if not st.session_state.job:
        try:
            st.session_state.job = training_line.jobs().mine(student.identity())
        except QUEUE_AWAY:
            pass  # asked again on the next run


def forget_mine(key: str) -> None:
    training_line.jobs().forget(student.identity(), key)


def waiting(key: str, config: vae.TrainConfig, place: tuple[int, int]) -> None:
    """A page in line: its place, about how long, and a way out."""
    registry = training_line.jobs()
    minutes = registry.wait_seconds(key) / 60
    limit = registry.limit
    at_once = f"{limit} training{'s' * (limit != 1)} at a time"
    if limit == 0:
        where = (
            "No training worker is connected to this server's queue yet: the training starts as soon as "
            "one is (`python -m deploy.worker`, deploy/README.md)."
        )
    else:
        where = f"about {max(1, round(minutes))} min. This server runs {at_once}, so that every page keeps answering;"
    st.info(
        f"**Waiting in line** to train {describe(config)}: place {place[0]} of {place[1]}, "
        f"{where} exploring works as usual meanwhile.",
        icon="⏳",
    )
    st.html(
        f'<div role="status" aria-live="polite" style="{style.HIDDEN}">Waiting in line: place {place[0]} of {place[1]}.</div>'
    )
    if st.button("Leave the line", key="job-leave"):
        registry.leave(key)
        forget_mine(key)
        st.session_state.job = None
        st.rerun(scope="app")


def describe(config: vae.TrainConfig) -> str:
    images = f"{config.train_limit:,}" if config.train_limit else "60,000" if config.dataset in DATASETS else "all the"
    return (
        f"{config.arch}, β = {config.beta:g}, {config.epochs} epoch{'s' * (config.epochs != 1)} on "
        f"{images} {dataset_title(config.dataset)} images, seed {config.seed}"
    )


@st.fragment(run_every=1.0)
def live() -> None:
    """The training's progress, its loss and its map as it forms; and the buttons to steer it."""
    try:
        panel()
    except QUEUE_AWAY:
        st.info(
            "The training queue is not answering for a moment (its server restarting?). The training "
            "goes on on its worker, and this panel comes back by itself.",
            icon="⏳",
        )


def panel() -> None:
    registry = training_line.jobs()
    key = st.session_state.job
    registry.promote()  # a place may have come free since the last second
    place = registry.position(key)
    job, config = registry.job(key), registry.config(key)
    if place is not None:
        waiting(key, config, place)
        return
    if job is None:
        forget_mine(key)
        st.session_state.job = None
        return
    state = job.state()
    if state.finished:
        finish(state)
        return
    progress = state.progress
    heading = {"running": "Training", "paused": "Paused", "stopping": "Stopping (saving what was learned)"}
    text = f"**{heading.get(state.status, 'Training')}** {describe(config)}"
    if progress is not None:
        text += (
            f" · epoch {progress.epoch + 1}/{progress.epochs} · loss {progress.loss:.1f} "
            f"= reconstruction {progress.reconstruction_loss:.1f} + KL {progress.kl_loss:.2f}"
        )
    reading = state.reading if progress is None else None  # a folder of pictures, before the first step
    if progress is not None:
        fraction = min(progress.fraction, 1.0)
    elif reading:
        fraction, text = reading[0] / reading[1], text + f" · reading the pictures: {reading[0]:,} of {reading[1]:,}…"
    else:
        fraction, text = 0.0, text + " · starting (loading the data and TensorFlow)…"
    st.progress(fraction, text=text)
    # Said politely once per epoch by screen readers (the bar itself changes every batch).
    epoch = f"Training: epoch {progress.epoch + 1} of {progress.epochs}." if progress else "Training is starting."
    st.html(f'<div role="status" aria-live="polite" class="vae-training-status" style="{style.HIDDEN}">{epoch}</div>')
    live_map, losses = st.columns([3, 2])
    # The chart from the training's first second, empty until its first map: the page loads and
    # starts Plotly (2.5 s on 2 cores) while the trainer builds its network, not after.
    epoch, means = state.snapshots[-1] if state.snapshots else (None, None)
    live_map.plotly_chart(
        forming_map(config.dataset, np.array(means), epoch) if state.snapshots else starting_map(),
        key="training-map",
        config={"displayModeBar": False},
        width="stretch",
    )
    if state.losses["reconstruction_loss"]:
        losses.plotly_chart(
            training_figures.loss_figure(state.losses, height=300),
            key="training-loss",
            config={"displayModeBar": False},
            width="stretch",
        )
    controls(job, state.status)


def starting_map():
    """The live map's place while the trainer starts: an empty chart that says so."""
    figure = figures.latent_map([], (-3.0, 3.0), (-3.0, 3.0), height=300, uirevision=None, show_legend=False)
    figure.update_layout(
        title=dict(text="the map forming: starting…", x=0.02, y=0.97, font=dict(size=15)), margin=dict(t=34)
    )
    return figure


def forming_map(dataset: str, means: np.ndarray, epoch: float):
    """The map as it forms: a d-D model's means on that epoch's plane of principal components."""
    data = frames.test_set(dataset)
    labels = data.y_test if data is not None else np.zeros(10000, np.uint8)
    names = data.class_names if data is not None else vae.CLASS_NAMES.get(dataset, ("picture",))
    labels = labels[snapshot_indices(labels)][: len(means)]
    plane = projections.plane_for(means)
    points = plane.transform(means)
    traces = figures.data_traces(points, labels, names, 4)
    figure = figures.latent_map(
        traces,
        (points[:, 0].min(), points[:, 0].max()),
        (points[:, 1].min(), points[:, 1].max()),
        height=300,
        uirevision=None,
        show_legend=False,
        axis_titles=plane.axis_titles(),
    )
    figure.update_layout(
        title=dict(
            text=f"the map forming: after {epoch:g} epoch{'' if epoch == 1 else 's'}",
            x=0.02,
            y=0.97,
            font=dict(size=15),
        ),
        margin=dict(t=34),
    )
    return figure


def controls(job, status: str) -> None:
    pause, stop, cancel = st.columns(3)
    if status == "paused":
        if pause.button("Resume", width="stretch", key="job-resume"):
            job.resume()
    elif pause.button("Pause", width="stretch", key="job-pause", disabled=status == "stopping"):
        job.pause()
    if stop.button(
        "Stop and keep the model",
        width="stretch",
        key="job-stop",
        disabled=status == "stopping",
        help="ends after the current batch; what was learned so far is saved as a model",
    ):
        job.stop()
    if cancel.button("Cancel", width="stretch", key="job-cancel", help="ends now; nothing is saved"):
        job.cancel()


def finish(state) -> None:
    forget_mine(st.session_state.job)
    st.session_state.job = None
    if state.status in ("done", "stopped"):
        from pathlib import Path

        name = Path(state.result["path"]).name
        reason = (
            f"Trained ({'stopped early, ' if state.status == 'stopped' else ''}"
            f"test NELBO {state.result['test_nelbo']:.1f} nats)."
        )
        frames.switch_to(name, reason=reason)
        st.rerun(scope="app")
    elif state.status == "failed":
        st.session_state.training_error = state.error
        st.rerun(scope="app")
    else:
        st.rerun(scope="app")  # cancelled: the panel goes away
