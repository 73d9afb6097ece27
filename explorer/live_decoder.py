"""The decoder in the page: each model's decoder as a static file the browser fetches once.

The file (vae/web_decoder.py) is written into the app's static folder under a name made of
its content's hash, and served by Streamlit's static file serving
(`server.enableStaticServing` in .streamlit/config.toml). A new model is a new name, so the
browser may keep a file as long as it likes: a reload revalidates it (304) and re-reads
nothing. The map (explorer/map/decoder.js) fetches it after it is drawn and clickable.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import streamlit as st

from vae import web_decoder

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
FOLDER = "decoders"


def write_once(folder: Path, name: str, content: bytes) -> None:
    """Write `content` as folder/name unless it is there; atomic, so two processes may race."""
    target = folder / name
    if target.is_file() and target.stat().st_size == len(content):
        return
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@st.cache_resource(show_spinner=False, max_entries=24)
def spec(_model, name: str, path: str) -> dict:
    """What the page needs to fetch `name`'s decoder: {"url", "bytes", "model"}, or {"reason"}
    when the page cannot run it (a convolutional model, or no writable static folder)."""
    try:
        content = web_decoder.decoder_file(_model)
    except web_decoder.NotRunnableInPage:
        return {"model": name, "reason": "conv"}
    file_name = web_decoder.file_name(content)
    try:
        write_once(STATIC_DIR / FOLDER, file_name, content)
    except OSError as error:
        return {"model": name, "reason": f"the app's folder is not writable ({error.strerror})"}
    # Relative to the page, so that a server.baseUrlPath or a proxy's prefix is kept.
    return {"model": name, "url": f"app/static/{FOLDER}/{file_name}", "bytes": len(content)}


def runs_in_page(decoder: dict) -> bool:
    return "url" in decoder
