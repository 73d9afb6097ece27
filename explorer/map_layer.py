"""Clicks on the latent map, and marks drawn over it, without redrawing the map.

This inline component (Streamlit components v2, no iframe, works offline) listens to the
pointer events over a map drawn by map_view.py: every click reaches the server with its
exact latent coordinates, a drag still pans, and two quick clicks are two clicks. The points
the map chooses itself (the chosen marker dragged and let go, a finger lifted after sliding,
Enter on the keyboard's crosshair) reach the server the same way, marked `exact` (no
snapping to a test digit) and with their `kind`. It gives
the map its marks (the chosen point, the class board's digits), which the map draws on a
canvas of their own, so that marking a point never re-sends or redraws the 10,000 points.
"""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

from explorer import state
from explorer.links import MAX_COORDINATE

JS = """
export default function(component) {
  const { setTriggerValue, data } = component;
  const [target, marks, source, announce] = data;
  const layers = (window.__vaeMapLayers = window.__vaeMapLayers || {});
  let layer = layers[source];
  if (!layer) {
    layer = layers[source] = { target: target, source: source, down: null, geometry: null };
    // On the document, not on the map: a click in the moment the page reruns still counts,
    // and the last geometry seen maps it to latent space.
    document.addEventListener("pointerdown", (event) => press(layer, event), true);
    window.addEventListener("pointerup", (event) => release(layer, event), true);
    setInterval(() => attach(layer), 100);
    window.addEventListener("vae-map", () => attach(layer));  // a map was just made (map/main.js)
  }
  layer.target = target;
  layer.marks = marks || [];
  layer.announce = announce || "";
  layer.send = setTriggerValue;
  attach(layer);
}

function chart(layer) {
  const root = document.querySelector(".st-key-" + layer.target + " .vae-map");
  return root && root.__vaeMap ? root.__vaeMap : null;
}

function attach(layer) {
  // The map drawn by explorer/map/ (map_view.py): give it this layer's marks (once per map and per change).
  const map = chart(layer);
  if (!map) { return; }
  if (map !== layer.map || layer.given !== layer.marks) {
    layer.map = map;
    layer.given = layer.marks;
    map.setMarks(layer.source, layer.marks);
    // Points the map chooses itself: a dragged marker let go, a finger lifted, Enter.
    map.listen(layer.source, (choice) => choose(layer, map, choice));
    map.attached = true;
  }
  if (layer.said !== layer.announce || layer.saidTo !== map) {
    // The map's polite live region: said once per change, never moving the focus.
    layer.said = layer.announce;
    layer.saidTo = map;
    if (layer.announce) { map.announce(layer.announce); }
  }
}

function choose(layer, map, choice) {
  const g = map.geometry();
  layer.send("click", { x: choice.x, y: choice.y, scale: g.scale, hidden: g.hidden, view: g.view, t: Date.now(),
                        exact: choice.exact, kind: choice.kind });
}

function press(layer, event) {
  const map = chart(layer);
  // A layer whose map has left the page (the board's, once the view is another) clicks nothing:
  // its last geometry is where another map may be now.
  layer.geometry = map ? map.geometry() : (document.querySelector(".st-key-" + layer.target) ? layer.geometry : null);
  const g = layer.geometry;
  if (!g) { layer.down = null; return; }
  const px = event.clientX + window.scrollX, py = event.clientY + window.scrollY;
  const inside = g && px >= g.left && px <= g.left + g.width && py >= g.top && py <= g.top + g.height;
  // Only a press on the map itself: not on its buttons or its hover label.
  const frame = document.querySelector(".st-key-" + layer.target);
  const onChart = (frame ? frame.contains(event.target) : true) && !event.target.closest(".vae-map-modebar");
  layer.down = inside && onChart ? { x: event.clientX, y: event.clientY, px: px, py: py, t: performance.now(), g: g } : null;
}

function release(layer, event) {
  const down = layer.down;
  layer.down = null;
  if (!down) { return; }
  // A press that moved is a pan, and a long one is not a click.
  if (Math.hypot(event.clientX - down.x, event.clientY - down.y) > 6 || performance.now() - down.t > 1200) { return; }
  const g = down.g, fx = (down.px - g.left) / g.width, fy = (down.py - g.top) / g.height;
  layer.send("click", { x: g.x[0] + fx * (g.x[1] - g.x[0]), y: g.y[1] - fy * (g.y[1] - g.y[0]),
                        scale: g.scale, hidden: g.hidden, view: g.view, t: Date.now() });
}
"""

_component = st.components.v2.component("vae_map_layer", html="<span></span>", js=JS)


def mark(z, label: str = "", color: str = "black", kind: str = "ring", size: int = 11) -> dict:
    """A mark for `map_layer`: a ring (the chosen point) or a dot (a board entry) at z."""
    return {"x": float(z[0]), "y": float(z[1]), "label": label, "color": color, "kind": kind, "size": size}


def map_layer(key: str, target: str, marks: list[dict], on_click=None, announce: str = "") -> None:
    """Attach to the chart whose key is `target` and draw `marks` over it; `announce` is
    said by the map's polite live region when it changes (WCAG 4.1.3).

    `on_click(click)` runs before the rerun a click causes (a callback, so that what it
    changes is already drawn by that rerun). A click is {"x", "y" (latent coordinates),
    "scale" (pixels per latent unit), "hidden" (classes hidden in the legend), "view" (the view
    it was made on, as links name it: the page may show a view before the server's run, map/views.js)}.
    """

    def clicked():
        click = st.session_state[key]["click"]
        if click and on_click is not None:
            click = checked_click(click)
            if click is None:
                # Not what the page's map sends: a forged message. Ignored, as a bad URL value is.
                state.notify("A click outside the map's range was ignored.")
                return
            on_click(click)

    # A list, not a dict: Streamlit inspects a dict's values for dataframes, which imports
    # pandas (a third of a second at the first page) and costs time on every click.
    _component(key=key, data=[target, marks, key, announce], on_click_change=clicked, height=1)


def checked_click(click) -> dict | None:
    """A click from the page, its values range-checked like a URL's (explorer/links.py), or None."""
    if not isinstance(click, dict):
        return None
    try:
        x, y = float(click["x"]), float(click["y"])
        scale = float(click.get("scale", 1.0))
    except (KeyError, TypeError, ValueError):
        return None
    if not all(math.isfinite(v) and abs(v) <= MAX_COORDINATE for v in (x, y)):
        return None
    if not (math.isfinite(scale) and 0 < scale <= 1e6):
        return None
    hidden = click.get("hidden") or []
    if not isinstance(hidden, list) or not all(isinstance(name, str) for name in hidden):
        return None
    view = click.get("view")
    if view is not None and not (isinstance(view, str) and len(view) <= 40):
        return None
    return {**click, "x": x, "y": y, "scale": scale, "hidden": hidden[:100], "view": view}


def clicked_digit(
    click: dict, points: np.ndarray, labels: np.ndarray, class_names: tuple[str, ...], radius_px: float = 7.0
) -> int | None:
    """The test digit drawn under a click (within `radius_px`), if its class is shown; else None."""
    shown = ~np.isin(np.asarray(class_names, dtype=object)[labels], click.get("hidden") or [])
    if not shown.any():
        return None
    candidates = np.flatnonzero(shown)
    distances = np.hypot(points[candidates, 0] - click["x"], points[candidates, 1] - click["y"])
    nearest = int(np.argmin(distances))
    return int(candidates[nearest]) if distances[nearest] * click.get("scale", 1.0) <= radius_px else None
