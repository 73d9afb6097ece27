"""The latent map in the page: a figure of vae/figures.py, drawn by map_view.js on a canvas.

An inline component (Streamlit components v2: no iframe, no network). Plotly drew the map
before; its 4.7 MB bundle and its first WebGL frames were most of the app's start
(bench/README.md). The figure keeps Plotly's format, so one description serves both this
map and the Plotly charts that remain (the training panel, the replay).

The map's fixed part (the test set's points) is sent under a token: the browser decodes it
again only when the token changes, and Streamlit sends an unchanged message once per page.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import numpy as np
import streamlit as st

JS = (Path(__file__).with_name("map_view.js")).read_text()
# Not in a shadow root: the map layer and the tests find the map by its place in the page.
_component = st.components.v2.component("vae_map_view", html="<div></div>", js=JS, isolate_styles=False)
ARRAYS = ("x", "y", "customdata")


def encode_array(values) -> dict:
    """A numeric array as base64 of float32 (int32 for integers); NaN stays NaN (JSON has none)."""
    array = np.asarray(values)
    if array.dtype.kind in "iu":
        return {"b64": base64.b64encode(array.astype("<i4").tobytes()).decode(), "dtype": "i32"}
    return {"b64": base64.b64encode(array.astype("<f4").tobytes()).decode(), "dtype": "f32"}


def encode_trace(trace: dict) -> dict:
    out = {key: value for key, value in trace.items() if key not in ARRAYS}
    for key in ARRAYS:
        if trace.get(key) is not None:
            out[key] = encode_array(trace[key])
    if out.get("text") is not None:
        out["text"] = [str(text) for text in out["text"]]
    return out


def encode_traces(traces: list[dict]) -> list[dict]:
    return [encode_trace(trace) for trace in traces]


def digest(value) -> str:
    """A short name for JSON-able data: the same data, the same name."""
    return hashlib.blake2b(json.dumps(value, sort_keys=True).encode(), digest_size=8).hexdigest()


def show(key: str, token: str, base: list[dict], traces: list[dict], layout: dict) -> None:
    """Draw a map under `key`: `base` (encoded once, named by `token`), then `traces` over it."""
    spec = {"traces": encode_traces(traces), "layout": layout}
    # Names what is drawn over the points: a rerun that changes nothing on the map (a click)
    # does not redraw it.
    _component(key=key, data=[key, {"token": token, "traces": base}, spec, digest(spec)], height="content")
