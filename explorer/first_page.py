"""A new explore page in two steps: first what a student waits for, then the rest.

A browser lays out all of a run's elements before it shows any, and on a two-core laptop
that was most of a page open: the sidebar, the panels, the click mode and the map's table
took 0.6-1 s of it (bench/README, "The first page in two steps"). So a new explore page
first gets its header and the map (with its points inside the run, explorer/map_view.py).
The map's script says when its points are drawn (or after 4 s, or when they cannot load),
and that reruns the whole page, which adds the rest: the decoded point's hint beside the
map, the panels below it, the sidebar (whose room came before the map, so the map does not
move), and the click mode and the map's table (in room kept for them). The map itself is
shown only once the page's style and header are in (explorer/map/page.js), so it is drawn
where it stays. A page opened by a link to a point shows that point at once. The other views
come whole at once."""

from __future__ import annotations

import streamlit as st


def whole() -> bool:
    """Whether this run draws the whole page (always, after the page's first step)."""
    return st.session_state.page_whole


def fill() -> None:
    """From now on every run draws the whole page (the other views, and a drawn map)."""
    st.session_state.page_whole = True


def map_drawn() -> None:
    """The map's callback when its points are first drawn: the whole page now."""
    if not whole():
        fill()
        st.rerun()


def sidebar_room() -> None:
    """The sidebar before it is filled: there, and empty, so that the page beside it keeps
    its width when it fills (the map would shrink and redraw otherwise). A new page sends it
    before any map (page.py), in every view."""
    st.sidebar.empty()


def room(height: str) -> None:
    """Room kept for what the second step puts here (a CSS height), so that nothing below moves."""
    st.html(f'<div class="vae-room" style="height:{height}" aria-hidden="true"></div>')
