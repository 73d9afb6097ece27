"""Words for what the page shows in pictures: alt texts, the map as a table, announcements.

A screen reader reads these; a person who cannot see the map's colours reads them too.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer import state
from explorer.frame import Frame
from explorer.text import plain
from vae.analysis import latent


@st.cache_resource(show_spinner=False, max_entries=12)
def neighbour_tree(_points, name: str):
    """A k-d tree of a model's test means (its name keys it): a neighbourhood in microseconds,
    where the distances to all 10,000 took 7% of a classroom server's time."""
    from scipy.spatial import cKDTree

    return cKDTree(_points)


def votes(frame: Frame, z, k: int) -> list[tuple[int, int]]:
    return latent.neighbourhood(frame.mean, frame.labels, z, k=k, tree=neighbour_tree(frame.mean, frame.name))


def plural(name: str) -> str:
    return f"{name}s" if name.isdigit() else f"{name} images"


def nearest(frame: Frame, z, k: int = 5) -> np.ndarray:
    """The test indices of the `k` means nearest z (in the model's d dimensions), nearest first."""
    z = np.asarray(z, np.float64)[: frame.mean.shape[1]]
    _, indices = neighbour_tree(frame.mean, frame.name).query(z, k=k)
    return np.atleast_1d(indices)


def neighbours(frame: Frame, z) -> str:
    """'its nearest test digits are mostly 7s', or 'between a 4 and a 9' when they disagree;
    without labels, the pictures beside it are shown instead (nearest_strip)."""
    if len(frame.class_names) == 1:
        return "its nearest pictures are shown beside it"
    counted = votes(frame, z, 10)
    names = frame.class_names
    what = "digits" if frame.dataset == "mnist" else "images"
    first, count = counted[0]
    if count >= 7 or len(counted) == 1:
        return f"its nearest test {what} are mostly {plural(names[first])}"
    second = counted[1][0]
    return f"its nearest test {what} are a mix, mostly {plural(names[first])} and {plural(names[second])}"


def placement(frame: Frame, z) -> str:
    """Where an upload landed, by its 5 nearest test digits: a clean answer only when they agree.
    Without labels there is no class to name: the 5 nearest pictures are shown (nearest_strip)."""
    if len(frame.class_names) == 1:
        return "Its 5 nearest test pictures are below: what the model puts beside it."
    counted = votes(frame, z, 5)
    names, what = frame.class_names, "digits" if frame.dataset == "mnist" else "images"
    first, count = counted[0]
    if count == 5:
        return f"Its 5 nearest test {what} are all {plural(names[first])}: it landed among the {plural(names[first])}."
    if count >= 4:
        return f"{count} of its 5 nearest test {what} are {plural(names[first])}: it landed among the {plural(names[first])}."
    second, second_count = counted[1]

    def a(name: str) -> str:
        return ("an " if name[:1] == "8" or name.lower()[:1] in "aeiou" else "a ") + name

    def how_many(n: int, name: str) -> str:
        return f"{n} is {a(name)}" if n == 1 else f"{n} are {plural(name)}"

    return (
        f"Its 5 nearest test {what} disagree ({how_many(count, names[first])}, "
        f"{how_many(second_count, names[second])}): it lands between {a(names[first])} and {a(names[second])}."
    )


def place(frame: Frame, z) -> str:
    """Where a latent point is, in words: "z = (x, y)" on a 2-D model; on a plane through a
    d-D space, where it is drawn, and whether it lies on the plane or only projects there."""
    if frame.plane.kind == "neighbours":  # a t-SNE layout has no coordinates worth saying
        return f"a {frame.latent_dim}-D point"
    x, y = frame.on_map(z)
    if frame.plane.kind == "latent":
        return f"z = ({x:.2f}, {y:.2f})"
    if frame.plane.kind == "slice":
        plane = "the slice of z{} and z{}".format(*frame.plane.components)
    else:
        plane = "the plane of PC{} and PC{}".format(*frame.plane.components)
    on_plane = np.allclose(frame.latent_at([x, y]), z, atol=1e-4)
    return (
        f"({x:.2f}, {y:.2f}) on {plane}"
        if on_plane
        else f"a {frame.latent_dim}-D point drawn at ({x:.2f}, {y:.2f}) on {plane}"
    )


def decoded_alt(frame: Frame, z, what: str = "digit") -> str:
    return f"{what} decoded at {place(frame, z)}; {neighbours(frame, z)}"


def announcement(frame: Frame) -> str:
    """What the polite live region says after a run: the chosen point and the path."""
    chosen = state.chosen()
    parts = []
    if chosen is not None:
        where = place(frame, chosen["z"])
        if chosen.get("index") is not None:
            index = chosen["index"]
            parts.append(
                f"Test digit {index}, a {frame.class_names[frame.labels[index]]}, decoded at its mean {where}."
            )
        elif chosen.get("upload"):
            parts.append(f"Your digit {chosen['upload']}, encoded at {where}: {neighbours(frame, chosen['z'])}.")
        else:
            parts.append(f"Decoded {where}: {neighbours(frame, chosen['z'])}.")
    waypoints = st.session_state.waypoints
    if waypoints:
        names = ", ".join(f"{chr(65 + i)} {w['label']}" for i, w in enumerate(waypoints))
        parts.append(f"Path of {len(waypoints)} point{'s' * (len(waypoints) != 1)}: {names}.")
    return " ".join(parts)


TABLE_KEY = "map_table"


def table_open() -> bool:
    """Whether this session has the map as a table open (it names the chosen point)."""
    return bool(st.session_state.get(TABLE_KEY))


def map_table(frame: Frame) -> None:
    """The map as a table: each class's centre and spread, the chosen point, the path."""
    # Filled only while open (a rerun opens it), as the sidebar's training form: most visitors
    # never open it, and a classroom's server then does no work for it.
    table = st.expander("The map as a table", key=TABLE_KEY, on_change="rerun")
    if not table.open:
        return
    with table:
        rows = ["| class | test images | centre (z₁, z₂) | spread (σ₁, σ₂) |", "| --- | --- | --- | --- |"]
        for entry in latent.class_summary(frame.mean, frame.labels):
            (cx, cy), (sx, sy) = entry["centre"], entry["spread"]
            name = frame.class_names[entry["label"]]
            rows.append(f"| {name} | {entry['count']:,} | ({cx:.2f}, {cy:.2f}) | ({sx:.2f}, {sy:.2f}) |")
        st.markdown("\n".join(rows))
        chosen = state.chosen()
        if chosen is not None:
            st.markdown(f"**Chosen point:** {place(frame, chosen['z'])}; {neighbours(frame, chosen['z'])}.")
        waypoints = st.session_state.waypoints
        if waypoints:
            lines = ["| waypoint | what | z |", "| --- | --- | --- |"]
            lines += [
                "| {} | {} | ({:.2f}, {:.2f}) |".format(chr(65 + i), plain(w["label"]), *w["z"][:2])
                if frame.plane.kind == "neighbours"
                else "| {} | {} | ({:.2f}, {:.2f}) |".format(chr(65 + i), plain(w["label"]), *frame.on_map(w["z"]))
                for i, w in enumerate(waypoints)
            ]
            st.markdown("**The path:**\n\n" + "\n".join(lines))
