"""The session's state: every key is named and initialised here, and changed only here.

Session state holds small values (latent points, indices, 28x28 inputs, names), never
models. Everything that depends on a model records which one (`"model"`), and
`switch_model` moves it all to a new model: test digits and uploads are encoded again by
the new encoder (their inputs are kept), free points keep their coordinates.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from vae.data.folders import fit_channels
from vae.model.config import RECIPES
from vae.store.catalog import DEFAULT_MODEL

DEFAULTS = {
    "model_name": DEFAULT_MODEL,  # the model in use, by the name the app lists
    "dataset_wanted": None,  # a dataset chosen that has no model yet: the training form trains on it
    "chosen": None,  # {"z": [z_1, ..., z_d], "index": int | None, "upload": str | None, "model": str, "xy"?}
    "map_view": "pca:1,2",  # a d-D model's map: "pca:I,J", "slice:I,J" or "neighbours" (?view=, frame.VIEWS)
    "waypoints": [],  # [{"z", "label", "index", "upload", "model"}]
    "uploads": [],  # [{"name", "image" (28x28, or 28x28x3 for a colour model), "mean", "log_var", "model"}]
    "seen_files": set(),  # uploader file ids already handled
    "upload_errors": [],  # messages for files that could not be used
    "sent_to_board": {},  # upload name -> "shown" or "held": what this session sent to the class board
    "code_last_miss": "",  # digest of the last wrong code, so that one guess counts once
    "send_refused": None,  # why the last press of "Send to the class board" sent nothing
    "samples_seed": None,  # the prior samples shown (None: none drawn)
    "epsilon_seed": 0,  # the ε of the reparameterization shown for the chosen input
    "click_mode": "Decode",  # what a click on the map does: "Decode" or "Add to path"
    "notices": [],  # sentences to show once, on the next full run
    "links_read": False,  # the URL's parameters are applied once, when the session opens
    "page_whole": False,  # the page's first step is over (explorer/first_page.py)
    "present": False,  # the projector layout
    "board": "",  # the class board this session sends to ("" = the server's default)
    "teacher": False,  # the teacher code was given in this session
    "job": None,  # the key of the training job this session started
    "compare": None,  # the compare view's chosen digit or point: {"index" | "z", "model"}
    "compare_seed": None,  # the ε shared by every model in the compare view
    # The path tab's settings: its widgets are drawn only while the tab is open.
    "path_steps": 10,  # decoded frames per leg of the path
    "path_method": "linear",  # how the path interpolates: vae.analysis.latent.METHODS
    "wp_index": 0,  # the test digit to add to the path by number
    "train_recipe": "class",  # the training form's recipe (vae/model/config.py's RECIPES)
    "train_epochs": RECIPES["class"]["epochs"],  # its epochs slider: the recipe's, unless changed
    "train_form_dataset": "mnist",  # the dataset whose recipe set the epochs slider
    "direction_from": 4,  # the Dimensions tab's direction: from the mean of this class...
    "direction_to": 9,  # ...towards the mean of this one ("from a 4 towards a 9")
    # Follow the teacher (explorer/follow.py): a teacher's page that leads, a student's that follows.
    "leading": False,  # the teacher's "Lead the class" switch
    "lead_token": None,  # what lets this page's hand lead the board (vae/classroom/follow.py)
    "lead_published": None,  # the state this leading page published last
    "follow_applied": 0,  # the version of the teacher's state this page shows
    "follow_page": "",  # this page's name on the channel
    "said_once": set(),  # (what, model) of the notes shown once per session, e.g. "decoder_note"
}
# Widgets that are not drawn in every run (their tab or expander is closed). Streamlit drops
# such a widget's value at the end of a run that does not draw it; set again here at the
# start of every run, the value stays (Streamlit's documented way to keep it).
KEPT_WIDGETS = (
    "path_steps",
    "path_method",
    "wp_index",
    "direction_from",
    "direction_to",
    "train_recipe",
    "train_epochs",
    "leading",
)


def init() -> None:
    for key, value in DEFAULTS.items():
        if key not in st.session_state:
            st.session_state[key] = value.copy() if isinstance(value, (list, set, dict)) else value
    keep_widgets()


def keep_widgets() -> None:
    """Keep the values of widgets not drawn in this run (a closed tab's): at the start of every
    run, of the page and of a fragment that may leave them out."""
    for key in KEPT_WIDGETS:
        st.session_state[key] = st.session_state[key]


def notify(message: str) -> None:
    st.session_state.notices = st.session_state.notices + [message]


def first_time(what: str, model: str) -> bool:
    """True the first time it is asked for `what` about `model` in this session."""
    if (what, model) in st.session_state.said_once:
        return False
    st.session_state.said_once = st.session_state.said_once | {(what, model)}
    return True


def take_notices() -> list[str]:
    notices, st.session_state.notices = st.session_state.notices, []
    return notices


# ---- the chosen point ----------------------------------------------------------------------
def choose(z, index: int | None = None, upload: str | None = None, xy=None) -> None:
    """`xy`: where a free point was picked on the map (kept so that a model of another size
    can place it: free points keep their coordinates on the map)."""
    st.session_state.chosen = {
        "z": [float(v) for v in z],
        "index": index,
        "upload": upload,
        "model": st.session_state.model_name,
        **({"xy": [float(v) for v in xy]} if xy is not None else {}),
    }


def chosen() -> dict | None:
    return st.session_state.chosen


# ---- the path ------------------------------------------------------------------------------
def add_waypoint(z, label: str, index: int | None = None, upload: str | None = None, xy=None) -> None:
    entry = {
        "z": [float(v) for v in z],
        "label": label,
        "index": index,
        "upload": upload,
        "model": st.session_state.model_name,
        **({"xy": [float(v) for v in xy]} if xy is not None else {}),
    }
    st.session_state.waypoints = st.session_state.waypoints + [entry]


def set_waypoints(points, label_prefix: str = "") -> None:
    st.session_state.waypoints = []
    for point in points:
        add_waypoint(point, f"{label_prefix}z=({point[0]:.1f}, {point[1]:.1f})")


def clear_path() -> None:
    st.session_state.waypoints = []


def waypoints() -> np.ndarray:
    """The path's waypoints, (n, d) latent points."""
    points = [w["z"] for w in st.session_state.waypoints]
    return np.array(points, np.float64) if points else np.zeros((0, 2))


def fit_to(frame) -> None:
    """Points of the session in the model's own size (d values): a point with 2 values on a
    d-D model is a point of its map's plane (from a link, or picked on a 2-D model) and becomes
    the latent point it is there; a point of another size (picked on a model of another size)
    cannot be placed and is let go, with a word. A point picked on a map keeps where it was
    picked (`xy`): on a model of another size it is that point of this model's map."""
    d = frame.latent_dim
    state = st.session_state

    def fitted(entry: dict | None) -> dict | None:
        if entry is None or len(entry["z"]) == d:
            return entry
        if frame.plane.kind == "neighbours":  # a t-SNE layout has no points between its dots
            return None
        if len(entry["z"]) == 2:
            return {**entry, "z": [float(v) for v in frame.latent_at(entry["z"])], "xy": list(entry["z"])}
        if entry.get("xy") is not None and entry.get("index") is None and not entry.get("upload"):
            return {**entry, "z": [float(v) for v in frame.latent_at(entry["xy"])]}
        return None

    lost = state.chosen is not None and fitted(state.chosen) is None
    state.chosen = fitted(state.chosen)
    kept = [w for w in (fitted(w) for w in state.waypoints) if w is not None]
    lost = lost or len(kept) != len(state.waypoints)
    if kept != state.waypoints:
        state.waypoints = kept
    if lost:
        notify(f"Points picked on a model of another size have no place in {frame.name}'s {d}-D space: let go.")


# ---- uploads -------------------------------------------------------------------------------
def add_upload(name: str, image: np.ndarray, mean: np.ndarray, log_var: np.ndarray, reading: str = "") -> None:
    """`reading`: which of the picture's readings its model chose, in words (vae/analysis/reading.py)."""
    entry = {
        "name": name,
        "image": image,
        "mean": mean,
        "log_var": log_var,
        "model": st.session_state.model_name,
        "reading": reading,
        "read_by": st.session_state.model_name,  # the reading stays when the model changes
    }
    st.session_state.uploads = st.session_state.uploads + [entry]


def upload_named(name: str) -> dict | None:
    return next((u for u in st.session_state.uploads if u["name"] == name), None)


def file_is_new(file_id: str) -> bool:
    """True once per uploaded file: the uploader returns every file again on every run."""
    if file_id in st.session_state.seen_files:
        return False
    st.session_state.seen_files.add(file_id)
    return True


def report_upload_error(message: str) -> None:
    st.session_state.upload_errors = st.session_state.upload_errors + [message]


# ---- models --------------------------------------------------------------------------------
def switch_model(name: str, model, test_means: np.ndarray, reason: str = "") -> None:
    """Use model `name` from now on, and move everything that depends on a model to it."""
    state = st.session_state
    if state.model_name == name:
        return
    state.model_name = name
    if state.uploads:
        # Grey pictures go to a colour model on three channels, colour ones to a grey model averaged.
        images = fit_channels(np.stack([u["image"] for u in state.uploads]), model.config.channels)
        means, log_vars = model.encode(images)
        state.uploads = [
            {**u, "image": image, "mean": m, "log_var": v, "model": name}
            for u, image, m, v in zip(state.uploads, images, means, log_vars, strict=False)
        ]

    def moved(entry: dict) -> dict:
        if entry.get("index") is not None and entry["index"] < len(test_means):
            return {**entry, "z": test_means[entry["index"]].tolist(), "model": name}
        upload = upload_named(entry["upload"]) if entry.get("upload") else None
        if upload is not None:
            return {**entry, "z": upload["mean"].tolist(), "model": name}
        return {**entry, "model": name}  # a free point stays where it is

    if state.chosen is not None:
        state.chosen = moved(state.chosen)
    state.waypoints = [moved(w) for w in state.waypoints]
    encoded = [
        kind
        for kind, present in (
            ("your uploads", state.uploads),
            ("the chosen test digit", state.chosen and state.chosen.get("index") is not None),
            ("the test digits on your path", any(w.get("index") is not None for w in state.waypoints)),
        )
        if present
    ]
    free = (state.chosen is not None and state.chosen.get("index") is None and not state.chosen.get("upload")) or any(
        w.get("index") is None and not w.get("upload") for w in state.waypoints
    )
    sentences = [reason] if reason else []
    sentences.append(f"Now showing **{name}**.")
    if encoded:
        sentences.append(f"This model's encoder placed {', '.join(encoded)} again.")
    if free:
        sentences.append(
            "Points you picked on the map keep their coordinates: the new decoder turns them into different images."
        )
    notify(" ".join(sentences))
