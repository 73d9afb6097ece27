"""Follow the teacher: a teacher's page leads the class, and every student's page on the board follows.

The teacher's page (given the teacher code) has a "Lead the class" switch in the sidebar. While it
is on, each of its runs publishes what it shows (`lead_state`: the model, the view, the chosen
point, the path, the open tab, the samples) when that changed, on its board's channel
(vae/classroom/follow.py). Its pointer, zoom and scrubber travel from the page itself
(explorer/map/follow.js, through explorer/follow_routes.py).

A student's page on that board follows: it reruns once per new state and `take`s it; the
teacher's hand is drawn by its own page. A press on its map, or "Explore on my own", leaves
following (in the page); "Follow the teacher", or the teacher's "Bring everyone back", returns.
"""

from __future__ import annotations

import secrets

import streamlit as st

from explorer import state
from explorer.follow_routes import channel, new_token
from explorer.links import MAX_WAYPOINTS, VIEWS
from explorer.map_view import bundle
from vae.store.catalog import available_models

_component = st.components.v2.component("vae_follow", html="<div></div>", js=bundle(("follow",)), isolate_styles=False)


def page_id() -> str:
    if not st.session_state.follow_page:
        st.session_state.follow_page = secrets.token_hex(4)
    return st.session_state.follow_page


def leads() -> bool:
    s = st.session_state
    return bool(s.teacher and s.leading and s.lead_token)


# ---- the teacher's page ------------------------------------------------------------------------
def lead_state() -> dict:
    """What this page shows that the server knows, as the students' pages take it."""
    s = st.session_state
    chosen = s.chosen
    if chosen is not None:
        # An upload of the teacher's is not on the students' pages: its point is.
        chosen = {
            "z": list(chosen["z"]),
            "index": chosen.get("index"),
            **({"xy": chosen["xy"]} if "xy" in chosen else {}),
        }
    return {
        "model": s.model_name,
        "view": s.get("view", "explore"),
        "map_view": s.map_view,
        "chosen": chosen,
        "waypoints": [{"z": list(w["z"]), "label": w["label"], "index": w.get("index")} for w in s.waypoints],
        "tab": s.get("panel_tab"),
        "samples": s.samples_seed,
    }


def publish() -> None:
    """At the end of a leading page's run: its state, when it changed."""
    if not leads():
        return
    s = st.session_state
    now = lead_state()
    if now == s.lead_published:
        return
    try:
        channel().publish_state(s.board, now, by=page_id())
    except Exception as error:  # Redis away: published again at the next run that changes something
        state.notify(
            f"The class could not be told what you show ({type(error).__name__}): the class's channel is away."
        )
        return
    s.lead_published = now


def lead_changed() -> None:
    s = st.session_state
    if s.leading and s.teacher:
        s.lead_token, s.lead_published = new_token(s.board), None  # published at the end of this run
        return
    if s.lead_token:
        try:
            channel().revoke(s.board, s.lead_token)  # its beats still on their way lead no more
            channel().send(s.board, {"type": "stop"})
        except Exception:  # Redis away: the students see the teacher's beats stop instead
            pass
    s.lead_token = None


def recall() -> None:
    try:
        channel().send(st.session_state.board, {"type": "recall"})
    except Exception as error:
        state.notify(f"The class could not be called back ({type(error).__name__}): the class's channel is away.")


def teacher_panel() -> None:
    """The sidebar's "Lead the class", on a page given the teacher code (in every view)."""
    if not st.session_state.teacher:
        return
    st.sidebar.header("Lead the class")
    st.sidebar.toggle(
        "Lead the class",
        key="leading",
        on_change=lead_changed,
        help="Every student's page on this board shows what yours shows: the model, the view, the chosen point, "
        "the path, the open tab, your zoom and where you point. Students can leave and come back.",
    )
    if st.session_state.leading:
        with st.sidebar:
            followers()


@st.fragment(run_every=3.0)
def followers() -> None:
    try:
        count = channel().followers(st.session_state.board)
    except Exception:
        st.caption("The class's channel is away: students keep their view until it is back.")
        return
    st.markdown(
        f"**{count} student{'s' * (count != 1)}** following", help="pages with the banner “Following the teacher”"
    )
    st.button(
        "Bring everyone back",
        on_click=recall,
        width="stretch",
        key="follow_recall",
        help="Every student exploring on their own follows you again.",
    )


# ---- a student's page ----------------------------------------------------------------------------
def take(latest: dict) -> None:
    """Show what the teacher's page shows (a state of `lead_state`)."""
    s = st.session_state
    shown = latest.get("state") or {}
    s.follow_applied = int(latest.get("v", 0))
    before = lead_state()
    model = shown.get("model")
    if model != s.model_name and model in available_models():
        s.model_request = model
    if shown.get("view") in VIEWS:
        s.view = shown["view"]
    if isinstance(shown.get("map_view"), str):
        s.map_view = shown["map_view"]
    chosen = shown.get("chosen")
    s.chosen = (
        None
        if not chosen
        else {
            "z": [float(v) for v in chosen["z"]],
            "index": chosen.get("index"),
            "upload": None,
            "model": s.model_name,
            **({"xy": chosen["xy"]} if chosen.get("xy") else {}),
        }
    )
    s.waypoints = [
        {
            "z": [float(v) for v in w["z"]],
            "label": str(w.get("label", ""))[:60],
            "index": w.get("index"),
            "upload": None,
            "model": s.model_name,
        }
        for w in (shown.get("waypoints") or [])[:MAX_WAYPOINTS]
    ]
    from explorer.pages.explore import TABS  # (the explore page shows this page's banner: imported late)

    if shown.get("tab") in TABS:
        s.panel_tab = shown["tab"]
    seed = shown.get("samples")
    s.samples_seed = seed if seed is None or isinstance(seed, int) else None
    rerun_parts(before, lead_state())


def rerun_parts(before: dict, after: dict) -> None:
    """From the callback: rerun only the explore page's parts that show what changed (most often
    the chosen point: the decoded point beside the map), as a student's own click does; the whole
    page when the model or the view changed. Thirty pages rerunning whole at once took the server
    seconds."""
    from explorer import reruns

    changed = {key for key in after if after[key] != before.get(key)}
    if st.session_state.get("model_request"):
        st.rerun()  # another model (asked for, switched to by the page's run): the whole page
    if not changed:
        return  # the banner's own part only
    whole = after["view"] != "explore" or changed & {"model", "view", "map_view"}
    if whole or (after["map_view"].startswith("slice") and "chosen" in changed):
        st.rerun()  # another model or view (or a slice, which passes through the chosen point): the whole page
    parts = set()
    if "chosen" in changed:
        parts.update(reruns.showing_chosen())
    if changed & {"waypoints", "samples"}:
        parts.update((reruns.MAP, reruns.PANELS))
    if "tab" in changed:
        parts.add(reruns.PANELS)
    reruns.redraw(*sorted(parts))


def apply_latest() -> None:
    """The page's callback when the stream says the teacher shows something new (a following
    page asks; whether it follows is the page's own, explorer/map/follow.js)."""
    s = st.session_state
    if leads():
        return
    try:
        latest = channel().latest(s.board) if channel().leading(s.board) else None
    except Exception:  # Redis away: the banner says so; the next state comes when it is back
        return
    if latest and latest["v"] > s.follow_applied and latest.get("by") != page_id():
        take(latest)


def follow_again() -> None:
    st.session_state.follow_applied = 0
    apply_latest()


@st.fragment
def show() -> None:
    """The follow component: a student's stream and banner, or a leading teacher's hand.

    A part of its own: a new state of the teacher's reruns it and, from its callback, only the
    parts that changed (`rerun_parts`). From the page's main part, each of thirty students'
    reruns began as a whole run (Streamlit then sends a new session's message: a sixth of the
    server's time while the class followed)."""
    s = st.session_state
    role = "leader" if leads() else "student" if not s.teacher else "none"
    _component(
        key="follow",
        data=[s.board, role, int(s.follow_applied), s.lead_token if role == "leader" else None],
        on_apply_change=apply_latest,
        on_follow_change=follow_again,
        height="content",
    )
