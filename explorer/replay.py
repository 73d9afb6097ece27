"""How the map formed while the model trained: a replay of its snapshots, and a GIF of it."""

from __future__ import annotations

import streamlit as st

from explorer import resources
from explorer.frame import Frame
from vae.plots import training_figures


def show(frame: Frame) -> None:
    snapshots = frame.model.snapshots
    if snapshots is None or len(snapshots) < 2:
        st.info(
            "This model was saved without snapshots of its training, so there is nothing to replay. "
            "Models trained by this version of the app (and the bundled ones) have them."
        )
        return
    labels = frame.labels[snapshots.indices]
    # A d-D model's snapshots, seen on the plane of its map (its final PCA plane): one plane
    # for every epoch, so that what moves is the means, not the picture's axes.
    plane = None if frame.plane.kind == "latent" else frame.plane
    means = snapshots.means if plane is None else plane.transform(snapshots.means)
    st.markdown(
        f"Where {len(snapshots.indices):,} test images sat before training and after each of its "
        f"{snapshots.epochs[-1]:g} epochs"
        + ("" if plane is None else ", seen on the plane of the map above (the trained model's)")
        + ". Press play, or drag the slider."
    )
    st.plotly_chart(
        training_figures.replay_figure(snapshots.epochs, means, labels, frame.class_names),
        key="replay",
        config={"displaylogo": False},
        width="stretch",
    )
    st.download_button(
        "Download the replay (GIF)",
        lambda: resources.replay_gif(frame.model, labels, plane),
        file_name=f"{frame.name}-training.gif",
        mime="image/gif",
        on_click="ignore",  # a rerun would replace the callable the browser is asking for (path.py)
    )
