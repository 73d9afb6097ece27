"""The decoder in the page: each model's decoder as a static file the browser fetches once.

The file (vae/model/web_decoder.py) is written into the app's static folder under a name made of
its content's hash (explorer/static_files.py). The map (explorer/map/decoder.js) fetches it
after it is drawn and clickable.
"""

from __future__ import annotations

import streamlit as st

from explorer.static_files import publish
from vae.model import web_decoder

FOLDER = "decoders"


@st.cache_resource(show_spinner=False, max_entries=24)
def decoder_file(_model, name: str, path: str) -> tuple[str, bytes] | None:
    """`name`'s decoder file as (file name, content), or None for a model the page cannot run
    (a convolutional one)."""
    try:
        content = web_decoder.decoder_file(_model)
    except web_decoder.NotRunnableInPage:
        return None
    return web_decoder.file_name(content), content


def spec(model, name: str, path: str) -> dict:
    """What the page needs to fetch `name`'s decoder: {"url", "bytes", "model"}, or {"reason"}
    when the page cannot run it (a convolutional model, or no writable static folder). The
    file is checked on every run (one `stat`) and written again if someone deleted it."""
    file = decoder_file(model, name, path)
    if file is None:
        return {"model": name, "reason": "conv"}
    file_name, content = file
    try:
        url = publish(FOLDER, file_name, content)
    except OSError as error:
        why = f"the app's folder is not writable ({error.strerror})" if error.errno else error.strerror
        return {"model": name, "reason": why}
    return {"model": name, "url": url, "bytes": len(content)}


def runs_in_page(decoder: dict) -> bool:
    return "url" in decoder
