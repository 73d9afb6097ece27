"""A student's side of the class board: send a drawing or an upload, only when asked to."""

from __future__ import annotations

import streamlit as st

from explorer import resources
from explorer.frame import Frame
from vae.board import MAX_NAME, make_entry


def board_label(code: str) -> str:
    return f"class board {code}" if code else "the class board"


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
    already = upload["name"] in sent

    def send() -> None:  # a callback: the run it causes already shows "Sent"
        store = resources.board_store()
        store.add(code, make_entry(upload["image"], st.session_state.get("student_name"), frame.name, upload["mean"]))
        sent.add(upload["name"])

    st.button(
        "Sent ✓" if already else "Send to the class board",
        disabled=already,
        type="primary",
        key="send-to-board",
        width="stretch",
        on_click=send,
    )
    if already:
        st.caption(f"On {board_label(code)}: the teacher's screen shows it within two seconds.")
