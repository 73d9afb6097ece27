"""A student's side of the class board: send a drawing or an upload, only when asked to.

A student (a browser, however many tabs: explorer/student.py) sends at most one digit every
`SEND_INTERVAL` seconds and at most `MAX_SENDS` to one board, counted in the board's store so
that the limits hold across tabs and app processes; a send refused for that is counted on the
teacher's board. When the teacher holds new digits, a sent digit waits for approval, and the
student is told so.
"""

from __future__ import annotations

import math
import time

import streamlit as st

from explorer import resources, student
from explorer.frame import Frame
from vae.classroom.board import MAX_NAME, MAX_SENDS, SEND_INTERVAL, make_entry, send_wait


def board_label(code: str) -> str:
    return f"class board {code}" if code else "the class board"


def wait_before_sending(code: str, now: float | None = None) -> tuple[float, bool]:
    """(seconds to wait before this student may send to board `code`, whether they have sent their last)."""
    count, last = resources.board_store().sends(code, student.identity())
    return send_wait(count, last, time.time() if now is None else now)


@st.fragment
def send_form(frame: Frame, upload: dict) -> None:
    """The button "Send to the class board" under an upload or a drawing. Nothing is shared
    without that press; each digit is sent once. A fragment: sending changes nothing else on
    the page, so the press reruns only this (with a classroom on one server, that counts)."""
    sent = st.session_state.sent_to_board
    code = st.session_state.board
    st.text_input(
        "Your first name or a nickname (optional)",
        key="student_name",
        max_chars=MAX_NAME,
        placeholder="shown on the board next to your digit",
    )
    st.text_input(
        "What is it? (optional)",
        key="drawing_label",
        max_chars=MAX_NAME,
        placeholder="a 3, a cat, a house…: its class if the class trains on its drawings",
    )
    status = sent.get(upload["name"])
    wait, spent = wait_before_sending(code)

    def send() -> None:  # a callback: the run it causes already shows what happened
        store = resources.board_store()
        who = student.identity()
        wait, spent = store.take_send(code, who)  # checked and counted at once, for every tab
        if wait > 0 or spent:
            store.count_refused(code)
            st.session_state.send_refused = (
                f"Not sent: you have sent {MAX_SENDS} digits to this board, the most one student may."
                if spent
                else f"Not sent yet: wait {math.ceil(wait)} s more (one digit every {SEND_INTERVAL:.0f} seconds, "
                "from all your tabs together)."
            )
            return
        where = frame.on_map(upload["mean"])  # where it lies on the sender's map
        entry = make_entry(
            upload["image"],
            st.session_state.get("student_name"),
            frame.name,
            where,
            who,
            st.session_state.get("drawing_label"),
        )
        sent[upload["name"]] = store.add(code, entry)

    if status:
        label = "Sent ✓" if status == "shown" else "Sent, waiting for the teacher"
    elif spent:
        label = f"{MAX_SENDS} digits sent: the most one student may send"
    elif wait > 0:
        label = f"Send to the class board (wait {math.ceil(wait)} s)"
    else:
        label = "Send to the class board"
    st.button(
        label, disabled=bool(status) or spent, type="primary", key="send-to-board", width="stretch", on_click=send
    )
    refused = st.session_state.pop("send_refused", None)
    if refused:
        st.warning(refused)
    if status == "shown":
        st.caption(f"On {board_label(code)}: the teacher's screen shows it within two seconds.")
    elif status == "held":
        st.caption(f"Sent to {board_label(code)}, waiting for the teacher: it shows there once approved.")
