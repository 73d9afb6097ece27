"""The latent map in the page: a figure of vae/plots/figures.py, drawn by explorer/map/*.js on a canvas.

An inline component (Streamlit components v2: no iframe, no network). Plotly drew the map
before; its 4.7 MB bundle and its first WebGL frames were most of the app's start
(bench/README.md). The figure keeps Plotly's format, so one description serves both this
map and the Plotly charts that remain (the training panel, the replay).

The map's fixed part (the test set's points, about 230 KB) is a static file named by its
content (explorer/static_files.py): each browser fetches it once per model, and a run sends
only its URL and token. Inline, the server serialized it into every run of every session (6%
of its CPU with thirty students, bench.load under py-spy), and the browser decoded it again.
Only a new page's first step carries it inline (explorer/first_page.py): there it saves the
round trip that the file would cost after the map's script starts.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import numpy as np
import streamlit as st

from explorer.static_files import content_name, publish

# The map's modules (explorer/map/, one concern each; main.js wires them), in an order where
# each comes after those it imports. Streamlit takes a component's script as one ES module,
# so they are joined into one here: the relative imports dropped, the exports made plain.
MODULES = (
    "dom", "page", "geometry", "figure", "points", "marks", "legend", "tip", "modebar",
    "decoder", "preview", "live", "scrubber", "input", "teacher", "views", "main",
)  # fmt: skip
MODULE_DIR = Path(__file__).with_name("map")
_IMPORT = re.compile(r'^import \{[^}]*\} from "\./([a-z]+)\.js";\n', re.M)
_EXPORT = re.compile(r"^export (?=function|const|let|class)", re.M)


def bundle(modules=MODULES, folder: Path = MODULE_DIR) -> str:
    """The modules as one script; raises ValueError if one imports a module not before it."""
    parts, done = [], set()
    for name in modules:
        text = (folder / f"{name}.js").read_text()
        missing = sorted(set(_IMPORT.findall(text)) - done)
        if missing:
            raise ValueError(f"map/{name}.js imports {', '.join(missing)}, not bundled before it.")
        if re.search(r"^import ", _IMPORT.sub("", text), re.M):
            raise ValueError(f"map/{name}.js has an import the bundle cannot join (only ./name.js).")
        parts.append(f"// ---- map/{name}.js\n" + _EXPORT.sub("", _IMPORT.sub("", text)))
        done.add(name)
    return "\n".join(parts)


JS = bundle()
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


MAPS_FOLDER = "maps"


@st.cache_resource(show_spinner=False, max_entries=24)
def base_file(token: str, _base: list[dict]) -> tuple[str, bytes]:
    """The map's points as a file: (its name, from its content's hash; its JSON)."""
    content = json.dumps({"token": token, "traces": _base}, separators=(",", ":")).encode()
    return content_name(content, ".json"), content


def base_reference(token: str, base: list[dict], inline: bool = False) -> dict:
    """What a run sends of the map's fixed part: {"token", "url"} of its static file, or
    {"token", "traces"} inline (`inline`: a new page's first step; or where the app's folder
    cannot be written). The file is checked on every run (one `stat`) and written again if
    someone deleted it."""
    if inline:
        return {"token": token, "traces": base}
    try:
        return {"token": token, "url": publish(MAPS_FOLDER, *base_file(token, base))}
    except OSError:
        return {"token": token, "traces": base}


def digest(value) -> str:
    """A short name for JSON-able data: the same data, the same name."""
    return hashlib.blake2b(json.dumps(value, sort_keys=True).encode(), digest_size=8).hexdigest()


def spec_of(traces: list[dict], layout: dict, live: dict | None = None) -> dict:
    """What a run sends of the map besides its points: the traces over them, the layout, and
    how the page decodes (see `show`)."""
    return {"traces": encode_traces(traces), "layout": layout, "live": live or {}}


def ahead_view(token: str, base: list[dict], spec: dict, marks: dict, chooser: str, choice: str) -> dict:
    """A view the map's chooser offers, as the page draws it at the chooser's press (map/views.js):
    its points file, its figure (`spec_of`) and its marks ({layer key: marks}); `chooser` selects
    the chooser's element in the page, `choice` is its button's text."""
    return {
        "base": base_reference(token, base),
        "spec": spec,
        "digest": digest(spec),
        "marks": marks,
        "chooser": chooser,
        "choice": choice,
    }


def show(
    key: str,
    token: str,
    base: list[dict],
    traces: list[dict],
    layout: dict,
    live: dict | None = None,
    on_drawn=None,
    ahead: list[dict] | None = None,
) -> None:
    """Draw a map under `key`: `base` (encoded once, named by `token`), then `traces` over it.

    `live` (optional) is what the page decodes with: {"decoder": live_decoder.spec(...),
    "preview": its size in pixels, "group": maps that preview together, "primary": the
    model in use, "view" and "name": its view's kind and name, "label" and "description": the
    map's name and description for assistive technology}.

    `on_drawn` (optional), a callback: run once, when the page first draws the map's points
    (or after 4 s, or when they cannot be loaded) in the run after (explorer/first_page.py).

    `ahead` (optional): the views the map's chooser offers (`ahead_view`), drawn by the page at
    the press, before the server's run.
    """
    spec = spec_of(traces, layout, live)
    # Names what is drawn over the points: a rerun that changes nothing on the map (a click)
    # does not redraw it.
    # Whether to tell when drawn is not in the digest: the map is not redrawn when it changes.
    told = {"on_drawn_change": on_drawn} if on_drawn else {}
    # A page's first step carries the points (no request after the map's script starts).
    points = base_reference(token, base, inline=on_drawn is not None)
    data = [key, points, spec, digest(spec), on_drawn is not None, ahead or []]
    _component(key=key, data=data, height="content", **told)
