"""Files the page fetches once: written into the app's static folder under their content's hash.

Streamlit serves the folder (`server.enableStaticServing` in .streamlit/config.toml). A name
made of the content's hash never changes meaning, so the browser may keep a file as long as
it likes; a reload revalidates it and re-reads nothing. The map's decoder
(explorer/live_decoder.py) and its 10,000 points (explorer/map_view.py) go this way: each
student's browser fetches them once, instead of the server serializing them into every run.

A folder keeps the KEEP files published most recently (a file in use is published at every
run that shows it, and dated again at most once a minute): a server where a class trains
model after model does not fill its disk. A file let go is written again by the next run
that needs it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
import time
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
# Files a folder keeps: as many as the maps' cache holds (explorer/map_view.py); a decoder is
# about 2 MB, a map's points 0.2 MB.
KEEP = 24
PART = ".part-"  # a file being written


def write_once(folder: Path, name: str, content: bytes, keep: int = KEEP) -> None:
    """Write `content` as folder/name unless it is there; atomic, so two processes may race.
    A file that is there is dated again (at most once a minute); after a new one, the folder
    keeps its `keep` most recently dated files."""
    target = folder / name
    try:
        status = target.stat()
    except FileNotFoundError:
        status = None
    if status is not None and status.st_size == len(content):
        if status.st_mtime < time.time() - 60:
            os.utime(target)
        return
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=PART)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    prune(folder, keep, spare=target)


def prune(folder: Path, keep: int, spare: Path) -> None:
    """Delete all but the `keep` most recently dated files of `folder` (never `spare`, just
    written, nor a file being written). Another process may delete the same files: fine."""
    dated = []
    for path in folder.iterdir():
        if path.name.startswith(PART) or path == spare:
            continue
        try:
            dated.append((path.stat().st_mtime, path))
        except FileNotFoundError:
            continue
    dated.sort(reverse=True)
    for _, path in dated[max(keep - 1, 0) :]:
        path.unlink(missing_ok=True)


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
    return serves_this_folder(context.main_script_path)


@functools.lru_cache(maxsize=8)
def serves_this_folder(main_script_path: str) -> bool:
    """Whether a script's static folder is STATIC_DIR (once per script: resolving a path reads
    each of its folders, a few milliseconds of every run)."""
    return Path(main_script_path).resolve().parent / "static" == STATIC_DIR


def publish(folder: str, name: str, content: bytes) -> str:
    """Put `content` in static/<folder>/<name>; returns its URL relative to the page (so that
    a server.baseUrlPath or a proxy's prefix is kept). Raises OSError if it cannot be written
    or this server does not serve the folder."""
    if not served():
        raise OSError(0, "this server does not serve the app's static folder")
    write_once(STATIC_DIR / folder, name, content)
    return f"app/static/{folder}/{name}"
