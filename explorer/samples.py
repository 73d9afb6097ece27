"""Sampling the prior: a VAE is a generative model, so z ~ N(0, I) decodes to new images."""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer import reruns, resources
from explorer.frame import Frame
from vae.analysis import latent

COUNT = 16


def show(frame: Frame) -> None:
    st.markdown(
        "Draw z from the prior N(0, I) and decode it. For a VAE the KL term pulled every "
        "encoding towards this prior, so its samples look like the data; an autoencoder's do not."
    )

    def draw() -> None:
        st.session_state.samples_seed = int(np.random.default_rng().integers(1 << 31))
        reruns.redraw(reruns.PANELS, reruns.MAP)  # the samples here, and as diamonds on the map

    st.button(f"Draw {COUNT} samples from N(0, I)", on_click=draw)
    seed = st.session_state.samples_seed
    if seed is not None:
        points = tuple(map(tuple, latent.sample_prior(COUNT, frame.latent_dim, seed=seed)))
        st.image(
            resources.decoded_png(frame.model, frame.name, points, 4),
            output_format="PNG",
            caption="samples, shown as diamonds on the map",
            alt="images decoded from points drawn from the prior N(0, I), shown as diamonds on the map",
        )
