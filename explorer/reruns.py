"""The explore page's parts that rerun on their own, and what a change redraws.

The page is three fragments below its header and sidebar: the map (with the path's filmstrip
and the map as a table), the decoded point beside it, and the panels below. A change made in
one of them that another one shows (a drawing is a new star on the map and the digit beside
it) reruns just those parts, from the widget's callback: not the whole page, whose header,
sidebar and model list did not change. With thirty students on one server, whole-page runs
were the tail of every waypoint and every digit sent (bench.load, 2026-12-03).
"""

from __future__ import annotations

import streamlit as st

from explorer import describe

MAP = "map"  # the latent map, the path's filmstrip under it, the map as a table
DECODED = "decoded"  # the decoded point beside the map, and the map's chosen-point ring
PANELS = "panels"  # the tabs below the map


def redraw(*parts: str) -> None:
    """From a widget's callback on the explore page: rerun these parts of the page instead of
    the widget's own (and nothing else: a part not named keeps what it showed)."""
    st.rerun(list(parts))


def showing_chosen() -> tuple[str, ...]:
    """The parts that show the chosen point: the decoded point, and the map while its table
    (which names the chosen point) is open."""
    return (DECODED, MAP) if describe.table_open() else (DECODED,)


def chosen_changed(view_kind: str, *parts: str) -> None:
    """From a callback that chose another point: rerun `parts`; on a slice, the whole page, since
    the slice passes through the chosen point and each part's map is built for the last one."""
    if view_kind == "slice":
        st.rerun()
    redraw(*parts)
