"""The top of every view: the title, what model is shown, the link to this view, notices."""

from __future__ import annotations

import streamlit as st

from explorer import first_page, links, state
from explorer.frame import Frame
from vae.dataset import TITLES


def model_card(frame: Frame) -> str:
    m, c = frame.model.metrics, frame.model.config
    widths = "-".join(map(str, c.hidden_units))
    trained = (
        f"{m.get('epochs_trained', c.epochs):g} epochs on {m.get('train_images', 0):,} "
        f"{TITLES[c.dataset]} training images"
    )
    origin = m.get("data_source", "")
    if origin and "/" not in origin and "\\" not in origin:
        trained += f" ({origin})"
    quality = f"test NELBO **{m['test_nelbo']:.1f} nats**" if "test_nelbo" in m else "not evaluated"
    if "knn5_accuracy" in m:
        quality += f" · 5-NN {m['knn5_accuracy']:.2f}"
    return (
        f"**{frame.name}**: {c.arch} {widths}, 2-D latent, β = {c.beta:g} · {trained} · {quality} · "
        f"map: {len(frame.mean):,} test images"
    )


def show(title: str, caption: str = "") -> None:
    heading, link = st.columns([6, 1], vertical_alignment="bottom")
    heading.title(title)
    if caption and not st.session_state.present:  # on the projector, the map needs the room
        heading.caption(caption)
    with link.popover("Link", icon=":material/link:", width="stretch"), st.container(key="link_box"):
        st.markdown("This view, as a link (for a slide, or a student's laptop):")
        st.code(links.link(), language=None, wrap_lines=True)
    # Taken when the whole page is drawn: a new page's first step shows them too (first_page.py).
    notices = state.take_notices() if first_page.whole() else st.session_state.notices
    for notice in notices:
        st.info(notice, icon="ℹ️")
