"""The sidebar: which view, which dataset and model, training, and how the map is drawn.

Selecting a model only asks for it (a callback); the page loads it, and then the selectors
are set to the model actually in use, so they never show one model while the map shows
another (after a training, or after a model that failed to load).
"""

from __future__ import annotations

import streamlit as st

from explorer import training
from vae.data.dataset import dataset_title
from vae.data.sources import available_datasets
from vae.store.cache import cache_problem
from vae.store.catalog import available_models, describe

VIEWS = {"explore": "Explore one model", "compare": "Compare AE | VAE | β-VAE", "board": "Class board"}


def request_model() -> None:
    st.session_state.model_request = st.session_state.model_select


def request_dataset() -> None:
    chosen = st.session_state.dataset_select
    models = list(available_models(chosen))
    st.session_state.model_request = models[0] if models else None
    # A dataset with no model yet (shapes, a folder of one's own): the map stays, the form trains on it.
    st.session_state.dataset_wanted = None if models else chosen


# The map's options: their widgets' keys and defaults. The page reads them before the sidebar
# is drawn (`options`), so that the sidebar can come last in a run: the map, which is what a
# new page waits for, is then the first thing its browser gets.
OPTIONS = {"prior": ("opt_prior", True), "manifold": ("opt_manifold", False), "marker_size": ("opt_marker", 4)}


def view() -> str:
    """The view asked for (the sidebar's first choice; a link may set it)."""
    return st.session_state.get("view", next(iter(VIEWS)))


def options() -> dict:
    """How the map is drawn, as the sidebar's widgets say (their defaults before they exist)."""
    return {name: st.session_state.get(key, default) for name, (key, default) in OPTIONS.items()}


def show(dataset: str, model_name: str, with_training: bool = True) -> None:
    """The sidebar: the view, the dataset and model in use, training, the map's options."""
    st.sidebar.radio("View", list(VIEWS), format_func=VIEWS.get, key="view")
    st.sidebar.header("Data and model")
    datasets = available_datasets()
    if dataset not in datasets:
        datasets.append(dataset)
    shown, wanted = dataset, st.session_state.dataset_wanted
    if wanted == shown or wanted not in datasets:
        st.session_state.dataset_wanted = wanted = None
    dataset = wanted or shown
    st.session_state.dataset_select = dataset
    st.sidebar.selectbox(
        "Dataset", datasets, format_func=dataset_title, key="dataset_select", on_change=request_dataset
    )
    models = list(available_models(shown))
    if model_name not in models:
        models.insert(0, model_name)
    st.session_state.model_select = model_name
    st.sidebar.selectbox("Model", models, format_func=describe, key="model_select", on_change=request_model)
    if wanted:
        st.sidebar.info(
            f"No model of {dataset_title(wanted)} yet: train one below. The map shows {model_name} meanwhile."
        )
    problem = cache_problem()
    if problem:
        st.sidebar.warning(problem)
    if with_training:
        # Filled only while open: its sliders and number fields are the heaviest part of a
        # first page for the browser (0.45 s of a cold start), and most visitors never train.
        trainer = st.sidebar.expander("Train a new model", key="train_open", on_change="rerun", expanded=bool(wanted))
        if trainer.open:
            with trainer:
                training.form(dataset)
    st.sidebar.header("Map")
    st.sidebar.checkbox("Show the N(0, I) prior rings", value=OPTIONS["prior"][1], key="opt_prior")
    st.sidebar.checkbox("Lay the decoded manifold under the map", value=OPTIONS["manifold"][1], key="opt_manifold")
    st.sidebar.slider("Point size", 2, 10, OPTIONS["marker_size"][1], key="opt_marker")
    st.sidebar.toggle("Projector layout", key="present", help="larger text and pictures, for the back of the room")
