"""Files the page fetches once: written into the app's static folder under their content's hash.

Streamlit serves the folder (`server.enableStaticServing` in .streamlit/config.toml). A name
made of the content's hash never changes meaning, so the browser may keep a file as long as
it likes; a reload revalidates it and re-reads nothing. The map's decoder
(explorer/live_decoder.py) and its 10,000 points (explorer/map_view.py) go this way: each
student's browser fetches them once, instead of the server serializing them into every run.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


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


def content_name(content: bytes, suffix: str) -> str:
    return hashlib.blake2b(content, digest_size=12).hexdigest() + suffix


def served() -> bool:
    """Whether this server serves STATIC_DIR: static serving is on, and the script it runs is
    the project's (a script elsewhere, such as a benchmark's page, has a static folder of its own)."""
    import streamlit as st
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    if context is None or not st.get_option("server.enableStaticServing"):
        return False
    return Path(context.main_script_path).resolve().parent / "static" == STATIC_DIR


def publish(folder: str, name: str, content: bytes) -> str:
    """Put `content` in static/<folder>/<name>; returns its URL relative to the page (so that
    a server.baseUrlPath or a proxy's prefix is kept). Raises OSError if it cannot be written
    or this server does not serve the folder."""
    if not served():
        raise OSError(0, "this server does not serve the app's static folder")
    write_once(STATIC_DIR / folder, name, content)
    return f"app/static/{folder}/{name}"
