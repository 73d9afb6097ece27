"""Links that restore a view: the URL mirrors what a person sees, and opening it restores it.

    ?z=2,-1                      that point chosen and decoded
    ?digit=42                    test digit #42 chosen (its original and reconstruction)
    ?path=-1.5,1.5;1.5,-1.5      those waypoints: the path drawn, the filmstrip shown
    ?samples=7                   16 samples of the prior (drawn with seed 7), decoded
    ?model=mnist-ae              a model by the name the app lists
    ?view=compare | board        the compare view, the class board
    ?view=pca:1,2 | slice:3,7 | neighbours   a d-D model's map: a plane of principal
                                 components, a slice along two dimensions, the t-SNE layout
    ?board=K7Q2P                 the class board this page sends to (and shows)
    ?present=1                   the projector layout

Bad values are ignored with a short notice; they never raise.
"""

from __future__ import annotations

import math
import urllib.parse

import streamlit as st

from explorer import resources, state
from explorer.frame import parse_view, view_name
from explorer.text import plain
from vae.analysis.projections import MAX_COMPONENT
from vae.classroom.board import clean_code
from vae.store.catalog import DEFAULT_MODEL, available_models

VIEWS = ("explore", "compare", "board")
DEFAULT_VIEW = state.DEFAULTS["map_view"]
MAX_WAYPOINTS = 20
MAX_COORDINATE = 1000.0


def _point(text: str) -> list[float]:
    # Two values: a point of the map (on a d-D model, of its plane); d values: a latent point.
    parts = text.split(",")
    if not 2 <= len(parts) <= MAX_COMPONENT:
        raise ValueError
    point = [float(part) for part in parts]
    if not all(math.isfinite(v) and abs(v) <= MAX_COORDINATE for v in point):
        raise ValueError
    return point


def parse(params: dict[str, str], models: list[str], test_size: int = 10000) -> tuple[dict, list[str]]:
    """The view a link asks for, and a sentence for each value that had to be ignored."""
    values, problems = {}, []

    def take(key: str, convert, explain: str) -> None:
        if key not in params:
            return
        try:
            values[key] = convert(params[key].strip())
        except (ValueError, TypeError):
            problems.append(f"“{plain(key + '=' + params[key][:40])}” was ignored: {explain}.")

    take("z", _point, "give two numbers, as in z=2,-1 (or one per latent dimension)")
    take("digit", lambda text: _index(text, test_size), f"give a test digit's number, 0 to {test_size - 1}")
    take("path", _path, "give two to twenty points, as in path=-1.5,1.5;1.5,-1.5")
    take("model", lambda text: _one_of(text, models), "the models are " + ", ".join(models))
    take(
        "view",
        _view,
        "the views are " + ", ".join(VIEWS) + ", pca:I,J (a plane of principal components), slice:I,J (a slice "
        "along two latent dimensions) and neighbours (a t-SNE layout)",
    )
    take("present", _flag, "use present=1")
    take("board", _code, "a class code has 3 to 12 letters and digits")
    take("samples", lambda text: _index(text, 1 << 31), "give a whole number (the samples' seed)")
    return values, problems


def _index(text: str, size: int) -> int:
    index = int(text)
    if not 0 <= index < size:
        raise ValueError
    return index


def _path(text: str) -> list[list[float]]:
    points = [_point(part) for part in text.split(";") if part.strip()]
    if not 2 <= len(points) <= MAX_WAYPOINTS:
        raise ValueError
    return points


def _one_of(text: str, options) -> str:
    if text not in options:
        raise ValueError
    return text


def _view(text: str) -> str | tuple[str, str]:
    """A page ("explore", "compare", "board"), or the explore page's map: ("map", "pca:1,2")."""
    text = text.lower()
    if text in VIEWS:
        return text
    return "map", view_name(*parse_view(text))


def _flag(text: str) -> bool:
    if text.lower() not in ("1", "true", "yes", "0", "false", "no"):
        raise ValueError
    return text.lower() in ("1", "true", "yes")


def _code(text: str) -> str:
    code = clean_code(text)
    if not code:
        raise ValueError
    return code


def apply_once() -> None:
    """Restore the view the URL describes, once, when the session opens."""
    if st.session_state.links_read:
        return
    st.session_state.links_read = True
    values, problems = parse(dict(st.query_params), list(available_models()))
    for problem in problems:
        state.notify(problem)
    if "model" in values:
        st.session_state.model_name = values["model"]
    if "digit" in values:
        st.session_state.pending_digit = values["digit"]  # placed once the model's encodings are known
    elif "z" in values:
        state.choose(values["z"])
    if "path" in values:
        state.set_waypoints(values["path"])
    if "samples" in values:
        st.session_state.samples_seed = values["samples"]
    view = values.get("view", "explore")
    if isinstance(view, tuple):  # a view of a d-D model's map, on the explore page
        st.session_state.map_view, view = view[1], "explore"
    st.session_state.view = view
    st.session_state.present = values.get("present", False)
    code = values.get("board", "")
    if code and not resources.board_store().board_exists(code):
        # A code no teacher started on this server (mistyped, or from before a restart): the
        # page would send digits that no teacher sees.
        state.notify(
            f"There is no class board {code} on this server: check the code your teacher gave you, "
            "or ask them to open the class board again. Digits you send go to the server's class board."
        )
        code = ""
    st.session_state.board = code


def current_params() -> dict[str, str]:
    """The URL parameters that describe what this session shows now."""
    s = st.session_state
    params = {}
    if s.get("view", "explore") != "explore":
        params["view"] = s.view
    elif s.get("map_view", DEFAULT_VIEW) != DEFAULT_VIEW:
        params["view"] = s.map_view
    if s.model_name != DEFAULT_MODEL:
        params["model"] = s.model_name
    chosen = s.chosen
    if chosen is not None and s.get("view", "explore") == "explore":
        if chosen.get("index") is not None:
            params["digit"] = str(chosen["index"])
        elif not chosen.get("upload"):
            params["z"] = ",".join(f"{v:.3g}" for v in chosen["z"])
    if len(s.waypoints) >= 2:
        params["path"] = ";".join(",".join(f"{v:.3g}" for v in w["z"]) for w in s.waypoints)
    if s.samples_seed is not None:
        params["samples"] = str(s.samples_seed)
    if s.board:
        params["board"] = s.board
    if s.present:
        params["present"] = "1"
    return params


def mirror() -> None:
    """Keep the address bar in step with the view (so that copying it copies the view)."""
    params = current_params()
    if dict(st.query_params) != params:
        st.query_params.from_dict(params)


def link(params: dict[str, str] | None = None) -> str:
    """The link of the current view (or of `params`), on this server's address."""
    base = (st.context.url or "http://localhost:8501/").split("?")[0]
    query = urllib.parse.urlencode(current_params() if params is None else params, safe=",;")
    return base + ("?" + query if query else "")
