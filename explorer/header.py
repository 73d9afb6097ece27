"""The top of every view: the title, what model is shown, the link to this view, notices."""

from __future__ import annotations

import html
import re

import streamlit as st

from explorer import first_page, links, state
from explorer.frame import Frame
from vae.data.dataset import dataset_title, is_own_images


def model_card(frame: Frame) -> str:
    m, c = frame.model.metrics, frame.model.config
    widths = "-".join(map(str, c.hidden_units))
    trained = f"{m.get('epochs_trained', c.epochs):g} epochs on {m.get('train_images', 0):,} " + (
        "of your pictures" if is_own_images(c.dataset) else f"{dataset_title(c.dataset)} training images"
    )
    origin = m.get("data_source", "")
    if origin and "/" not in origin and "\\" not in origin:
        trained += f" ({origin})"
    quality = f"test NELBO **{m['test_nelbo']:.1f} nats**" if "test_nelbo" in m else "not evaluated"
    if "knn5_accuracy" in m:
        quality += f" · 5-NN {m['knn5_accuracy']:.2f}"
    return (
        f"**{frame.name}**: {c.arch} {widths}, {c.latent_dim}-D latent, β = {c.beta:g} · {trained} · {quality} · "
        + (
            f"map: all {len(frame.mean):,} of your pictures, the training ones too"
            if m.get("map") == "all pictures"
            else f"map: {len(frame.mean):,} test images"
        )
    )


_BOLD = re.compile(r"\*\*(.+?)\*\*")
# The Link button's height, its room in a new page's first step (where on a phone it sits under
# the title: the columns stack): Streamlit's 2.5rem; on the projector, its label's line of 21 px
# (style.PRESENT) with the button's padding and border.
LINK_HEIGHT = {"normal": "2.5rem", "present": "calc(21px * 1.6 + 0.5rem + 2px)"}


def heading_html(title: str, caption: str = "") -> str:
    """The title and its caption (where **bold** is the only markup) as one HTML element.
    Streamlit's Markdown for them and for the Link's popover was 28% of the browser's task that
    put a new page's first step in the page, before its map (bench/README, "Where a page
    open's extra time went")."""
    text = f'<h1 class="vae-title">{html.escape(title)}</h1>'
    if caption:
        text += '<p class="vae-caption">' + _BOLD.sub(r"<strong>\1</strong>", html.escape(caption)) + "</p>"
    return text


def show(title: str, caption: str = "") -> None:
    heading, link = st.columns([6, 1], vertical_alignment="bottom")
    present = st.session_state.present
    heading.html(heading_html(title, "" if present else caption))  # on the projector, the map needs the room
    with link:
        if first_page.whole():
            with st.popover("Link", icon=":material/link:", width="stretch"), st.container(key="link_box"):
                st.markdown("This view, as a link (for a slide, or a student's laptop):")
                st.code(links.link(), language=None, wrap_lines=True)
        else:  # a new page's first step: the map first (explorer/first_page.py)
            first_page.room(LINK_HEIGHT["present" if present else "normal"])
    # Taken when the whole page is drawn: a new page's first step shows them too (first_page.py).
    notices = state.take_notices() if first_page.whole() else st.session_state.notices
    for notice in notices:
        st.info(notice, icon="ℹ️")
