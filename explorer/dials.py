"""Dials: sliders under the map's tabs that move a latent point and decode it in the page as they move.

An inline component (explorer/map/dials.js, with the map's decoder.js): the decoder file the map
already fetched decodes every step of a slider in the browser, without a round trip. Two kinds:
a slider per latent dimension (the traversal grid, live), and one slider along the direction
from one class's mean to another's. A model whose decoder cannot run in the page (a
convolutional one) gets no dials; the grids drawn by the server remain.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer import live_decoder
from explorer.frame import Frame
from explorer.map_view import bundle

JS = bundle(("dom", "decoder", "dials"))
_component = st.components.v2.component("vae_dials", html="<div></div>", js=JS, isolate_styles=False)


def show(key: str, frame: Frame, spec: dict) -> bool:
    """Draw dials under `key`; False (nothing drawn) if the model's decoder cannot run in the page."""
    decoder = live_decoder.spec(frame.model, frame.name, frame.path)
    if not live_decoder.runs_in_page(decoder):
        return False
    _component(key=key, data=[key, {**spec, "key": key, "decoder": decoder["url"]}], height="content")
    return True


def unit(d: int, j: int) -> list[float]:
    direction = np.zeros(d)
    direction[j] = 1.0
    return direction.tolist()


def dimension_rows(kl: np.ndarray, order: np.ndarray, active: np.ndarray, span: float) -> list[dict]:
    """A slider per dimension, most used first: each moves z_j by −span..+span prior
    standard deviations (the prior's σ is 1) around the chosen point."""
    d = len(kl)
    return [
        {
            "label": f"z{j + 1}" + ("" if j in active else " unused"),
            "name": f"z{j + 1}",
            "min": -span,
            "max": span,
            "step": 0.1,
            "start": 0.0,
            "signed": True,
            "digits": 1,
            "muted": j not in active,
            "direction": unit(d, j),
        }
        for j in (int(j) for j in order)
    ]


def direction_row(start: np.ndarray, end: np.ndarray, label: str) -> dict:
    """One slider t from 0 to 1.5: the point moves by t·(end − start)."""
    return {
        "label": label,
        "name": "t",
        "min": 0.0,
        "max": 1.5,
        "step": 0.05,
        "start": 0.0,
        "digits": 2,
        "direction": (np.asarray(end, np.float64) - np.asarray(start, np.float64)).tolist(),
    }
