"""The class board, for the projector: the students' own digits among MNIST's.

The map is drawn once; the students' digits are marks over it (map_layer.py), refreshed
every second by a fragment that re-sends only the marks and the gallery. Only a page that
was given the teacher code shows the controls that clear the board or remove an entry.
"""

from __future__ import annotations

import hashlib
import math
import time

import numpy as np
import streamlit as st

from explorer import describe, header, latent_map, links, own_data, resources, student
from explorer.board_panel import board_label
from explorer.frame import Frame
from explorer.map_layer import map_layer, mark
from explorer.text import plain
from vae.classroom.board import MAX_CODE_MISSES, MAX_ENTRIES, code_wait, codes_match
from vae.data.folders import fit_channels
from vae.plots import pictures

BOARD_MAP = "board_map"
COLOUR = "#111111"
GALLERY_COLUMNS = 6
GALLERY_SIZE = 48  # the newest, on the projector; the map shows them all


def show(frame: Frame, options: dict) -> None:
    code = st.session_state.board
    header.show(
        f"Class board{' ' + code if code else ''}",
        "Students: draw or upload a digit on your own page, then press “Send to the class board”. "
        + header.model_card(frame),
    )
    teacher_login()
    latent_map.show(frame, {**options, "prior": options.get("prior", True)}, 560, key=BOARD_MAP)
    live(frame, code)
    if st.session_state.teacher:
        teacher_controls(code)


def code_lockout(now: float | None = None) -> float:
    """Seconds this student (every tab of their browser) must wait before trying the teacher code again."""
    now = time.time() if now is None else now
    return code_wait(*resources.board_store().code_misses(student.identity(), now), now)


def check_code() -> None:
    """The typed code's callback: right, wrong (counted), or typed while locked out (ignored)."""
    typed = st.session_state.teacher_code_typed
    st.session_state.teacher_code_typed = ""
    if not typed or code_lockout() > 0:
        return
    if codes_match(typed, resources.teacher_code()):
        st.session_state.teacher = True
        return
    # The same guess can arrive twice: a fragment's rerun (the board polls every second) may
    # carry the box's old value before the cleared one reaches the page. One guess, one miss;
    # a guesser learns nothing from repeating a guess, so this costs the limit nothing.
    digest = hashlib.sha256(typed.encode()).hexdigest()
    if digest == st.session_state.code_last_miss:
        return
    st.session_state.code_last_miss = digest
    # Counted in the board's store, per student: a new tab does not start again. The count is
    # forgotten CODE_LOCKOUT seconds after the last miss (so, after a wait, it starts again).
    resources.board_store().add_code_miss(student.identity())


def teacher_login() -> None:
    if st.session_state.teacher:
        return
    misses, _ = resources.board_store().code_misses(student.identity())
    with st.sidebar.expander("Teacher", expanded=bool(misses)):
        wait = code_lockout()
        st.text_input(
            "Teacher code",
            type="password",
            key="teacher_code_typed",
            help="printed in the server's log when it starts, or set with VAE_TEACHER_CODE",
            on_change=check_code,
            disabled=wait > 0,
        )
        if wait > 0:
            st.error(f"{MAX_CODE_MISSES} wrong codes: wait {math.ceil(wait)} s before trying again.")
        elif misses:
            left = MAX_CODE_MISSES - misses
            st.error(f"That is not the teacher code ({left} more tr{'y' if left == 1 else 'ies'} before a wait).")


@st.fragment(run_every=1.0)
def live(frame: Frame, code: str) -> None:
    store = resources.board_store()
    entries, means = on_the_board(frame, store, code)
    marks = [
        mark(frame.on_map(z), entry.name or "", color=COLOUR, kind="dot", size=6)
        for entry, z in zip(entries, means, strict=False)
    ]
    newest = entries[-1] if entries else None
    said = (
        f"{len(entries)} digit{'s' * (len(entries) != 1)} on the board; the newest from "
        f"{newest.name or 'an anonymous student'}."
        if newest
        else ""
    )
    map_layer("board_layer", BOARD_MAP, marks, announce=said)
    dropped = store.dropped(code)
    count = f"**{len(entries)} digit{'s' * (len(entries) != 1)}** on {board_label(code)}"
    if dropped:
        count += f" (it keeps the newest {MAX_ENTRIES}; {dropped} older ones were dropped)"
    st.markdown(count + ", each encoded by the model shown, as a black dot on the map.")
    if st.session_state.teacher:
        moderation(frame, code)
    gallery(frame, entries, means, code)


def moderation(frame: Frame, code: str) -> None:
    """The teacher's: hold new digits until approved, the held ones, and the refused sends."""
    store = resources.board_store()
    key = f"hold-{code}"
    # The store's value every second: another teacher page (the projector's) may have changed
    # it. The toggle writes only when this page's teacher flips it.
    st.session_state[key] = store.holding(code)
    holding = st.toggle(
        "Hold new digits until I approve them",
        key=key,
        on_change=lambda: store.set_holding(code, st.session_state[key]),
        help="Sent digits then wait here, seen only on a page with the teacher code, until you approve them.",
    )
    refused = store.refused(code)
    if refused:
        st.caption(f"{refused} send{'s' * (refused != 1)} refused (too soon after the last, or over 20 from one page).")
    held = store.held(code)
    if not held:
        if holding:
            st.caption("No digit is waiting for approval.")
        return
    st.markdown(f"**Waiting for your approval ({len(held)})**: not on the map or in the gallery until approved.")
    columns = st.columns(GALLERY_COLUMNS)
    for number, entry in enumerate(held):
        with columns[number % GALLERY_COLUMNS]:
            name = plain(entry.name) if entry.name else "anonymous"
            st.image(
                pictures.png_bytes(entry.image / 255.0, 3),
                output_format="PNG",
                caption=f"{name} · {ago(entry.sent_at)}",
                alt=f"a digit sent by {entry.name or 'an anonymous student'}, waiting for approval",
            )
            approve, remove = st.columns(2)
            if approve.button("Approve", key=f"approve-{entry.id}", width="stretch"):
                store.approve(code, entry.id)
                st.rerun(scope="fragment")
            if remove.button("Remove", key=f"remove-held-{entry.id}", width="stretch"):
                store.remove(code, entry.id)
                st.rerun(scope="fragment")


def on_the_board(frame: Frame, store, code: str) -> tuple[list, np.ndarray]:
    """The board's entries, and each one's mean under the model shown: one read of the store.

    The means are keyed by the entries' ids, not by the board's version read apart: a digit
    sent between two reads paired the older list's means with the newer version, and the
    newest digit then had no dot on the map until the next send (tests/test_school.py, CI)."""
    entries = store.entries(code)
    return entries, encoded(frame, frame.name, tuple(entry.id for entry in entries), entries)


@st.cache_data(show_spinner=False, max_entries=64)
def encoded(_frame: Frame, name: str, ids: tuple[str, ...], _entries: list) -> np.ndarray:
    """Every entry's mean under the model shown (entries may come from several models)."""
    if not _entries:
        return np.zeros((0, 2), np.float32)
    # Each as the model shown reads it: grey pictures on three channels for a colour model, colour averaged for a grey one.
    channels = _frame.model.config.channels
    images = np.stack([fit_channels(entry.image[None] / np.float32(255), channels)[0] for entry in _entries])
    return _frame.model.encode(images)[0]


def gallery(frame: Frame, entries: list, means: np.ndarray, code: str) -> None:
    if not entries:
        st.info(
            "Nothing sent yet. Students send from the “Your digit” panel of their own page"
            + (f", opened with this class's link: {links.link({'board': code})}" if code else ".")
        )
        return
    newest = list(zip(entries, means, strict=False))[::-1][:GALLERY_SIZE]
    if len(entries) > GALLERY_SIZE:
        st.caption(f"The newest {GALLERY_SIZE} of the {len(entries)} digits; every one is on the map.")
    columns = st.columns(GALLERY_COLUMNS)
    for number, (entry, z) in enumerate(newest):
        with columns[number % GALLERY_COLUMNS]:
            name = plain(entry.name) if entry.name else "anonymous"
            st.image(
                pair_png(frame, frame.name, entry.id, entry.image, tuple(map(float, z))),
                output_format="PNG",
                caption=f"{name} · {ago(entry.sent_at)} · sent ↔ reconstructed",
                alt=f"a digit sent by {entry.name or 'an anonymous student'}, beside the model's reconstruction "
                f"of it; {describe.neighbours(frame, z)}",
            )
            if st.session_state.teacher and st.button("Remove", key=f"remove-{entry.id}", width="stretch"):
                resources.board_store().remove(code, entry.id)
                st.rerun(scope="fragment")


@st.cache_data(show_spinner=False, max_entries=2048)
def pair_png(_frame: Frame, name: str, entry_id: str, _image: np.ndarray, z: tuple) -> bytes:
    """A sent digit beside its reconstruction by model `name`: made once, not at every poll."""
    reconstruction = _frame.model.decode(np.array([z], np.float32))[0]
    colour = 3 if 3 in (_image.ndim, reconstruction.ndim) else 1  # side by side in the same mode
    sent, made = (fit_channels(picture[None], colour)[0] for picture in (_image / 255.0, reconstruction))
    gap = np.ones((28, 2, 3) if colour == 3 else (28, 2))
    return pictures.png_bytes(np.concatenate([sent, gap, made], axis=1), 3)


def ago(sent_at: float) -> str:
    seconds = max(0, int(time.time() - sent_at))
    return f"{seconds} s ago" if seconds < 60 else f"{seconds // 60} min ago"


def teacher_controls(code: str) -> None:
    st.subheader("Teacher")
    clear, new = st.columns(2)
    if clear.button(f"Clear {board_label(code)}", width="stretch", key="board-clear"):
        resources.board_store().clear(code)
        st.rerun()
    if new.button("Start a new class board (for another class)", width="stretch", key="board-new"):
        st.session_state.board = resources.board_store().create_board()
        st.rerun()
    if code:
        st.markdown(f"Students of this class open: **{links.link({'board': code})}**")
    own_data.show(code)
