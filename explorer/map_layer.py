"""Clicks on a Plotly map, and marks drawn over it, without redrawing the map.

Streamlit reports Plotly *selections*, not clicks: a click on empty space selects nothing,
two quick clicks count as a double-click that deselects, and a click on the point Plotly
thinks is selected toggles it off. This inline component (Streamlit components v2, no
iframe, works offline) listens to the map's own pointer events instead: every click
reaches the server with its exact latent coordinates, and a drag still pans. It also
draws marks (the chosen point, the class board's digits) in an SVG layer over the plot,
so that marking a point never re-sends or re-renders the 10,000-point WebGL map.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

JS = """
export default function(component) {
  const { setTriggerValue, data } = component;
  const [target, marks] = data;
  const layers = (window.__vaeMapLayers = window.__vaeMapLayers || {});
  let layer = layers[target];
  if (!layer) {
    layer = layers[target] = { gd: null, down: null };
    window.addEventListener("pointerup", (event) => release(layer, event), true);
    setInterval(() => attach(layer, target), 100);
  }
  layer.marks = marks || [];
  layer.send = setTriggerValue;
  attach(layer, target);
  draw(layer);
}

function attach(layer, target) {
  const gd = document.querySelector(".st-key-" + target + " .js-plotly-plot");
  if (!gd || !gd._fullLayout || !gd._fullLayout.xaxis) { return; }
  if (gd !== layer.gd || !gd.__vaeLayer) {
    layer.gd = gd;
    gd.__vaeLayer = true;
    gd.addEventListener("pointerdown", (event) => press(layer, event), true);
    gd.on("plotly_afterplot", () => draw(layer));
    gd.on("plotly_relayout", () => draw(layer));
    draw(layer);
  }
}

function plotBox(gd) {
  const drag = gd.querySelector(".nsewdrag");
  return drag ? drag.getBoundingClientRect() : null;
}

function press(layer, event) {
  const box = plotBox(layer.gd);
  const inside = box && event.clientX >= box.left && event.clientX <= box.right
                 && event.clientY >= box.top && event.clientY <= box.bottom;
  layer.down = inside ? { x: event.clientX, y: event.clientY, t: performance.now() } : null;
}

function release(layer, event) {
  const down = layer.down;
  layer.down = null;
  if (!down || !layer.gd) { return; }
  // A press that moved is a pan, and a long one is not a click.
  if (Math.hypot(event.clientX - down.x, event.clientY - down.y) > 6 || performance.now() - down.t > 1200) { return; }
  const gd = layer.gd, box = plotBox(gd), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  const hidden = (gd._fullData || []).filter((t) => t.visible === "legendonly").map((t) => t.name);
  layer.send("click", { x: xa.p2l(down.x - box.left), y: ya.p2l(down.y - box.top),
                        scale: xa._m, hidden: hidden, t: Date.now() });
}

const SVG = "http://www.w3.org/2000/svg";

function draw(layer) {
  const gd = layer.gd;
  if (!gd || !gd._fullLayout || !gd._fullLayout.xaxis) { return; }
  const container = gd.querySelector(".svg-container");
  if (!container) { return; }
  let svg = container.querySelector("svg.vae-marks");
  if (!svg) {
    svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "vae-marks");
    svg.style.cssText = "position:absolute;left:0;top:0;width:100%;height:100%;pointer-events:none;overflow:visible;z-index:10";
    container.appendChild(svg);
  }
  svg.replaceChildren();
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  for (const mark of layer.marks || []) {
    const px = xa._offset + xa.l2p(mark.x), py = ya._offset + ya.l2p(mark.y);
    if (!(px >= xa._offset && px <= xa._offset + xa._length && py >= ya._offset && py <= ya._offset + ya._length)) { continue; }
    const colour = mark.color || "black";
    const radius = mark.size || 11;
    if (mark.kind === "dot") {
      add(svg, "circle", { cx: px, cy: py, r: radius, fill: colour, stroke: "white", "stroke-width": 2 });
    } else {
      add(svg, "circle", { cx: px, cy: py, r: radius + 2, fill: "none", stroke: "white", "stroke-width": 6 });
      add(svg, "circle", { cx: px, cy: py, r: radius, fill: "none", stroke: colour, "stroke-width": 3 });
      add(svg, "circle", { cx: px, cy: py, r: 2.5, fill: colour });
    }
    if (mark.label) {
      const text = add(svg, "text", { x: px + radius + 4, y: py - radius + 2, fill: colour,
        "font-size": mark.font || 15, "font-weight": "bold", "font-family": "sans-serif",
        stroke: "white", "stroke-width": 4, "paint-order": "stroke" });
      text.textContent = mark.label;
    }
  }
}

function add(svg, tag, attributes) {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) { element.setAttribute(key, value); }
  svg.appendChild(element);
  return element;
}
"""

_component = st.components.v2.component("vae_map_layer", html="<span></span>", js=JS)


def mark(z, label: str = "", color: str = "black", kind: str = "ring", size: int = 11) -> dict:
    """A mark for `map_layer`: a ring (the chosen point) or a dot (a board entry) at z."""
    return {"x": float(z[0]), "y": float(z[1]), "label": label, "color": color, "kind": kind, "size": size}


def map_layer(key: str, target: str, marks: list[dict], on_click=None) -> None:
    """Attach to the chart whose key is `target` and draw `marks` over it.

    `on_click(click)` runs before the rerun a click causes (a callback, so that what it
    changes is already drawn by that rerun). A click is {"x", "y" (latent coordinates),
    "scale" (pixels per latent unit), "hidden" (classes hidden in the legend)}.
    """

    def clicked():
        click = st.session_state[key]["click"]
        if click and on_click is not None:
            on_click(click)

    # A list, not a dict: Streamlit inspects a dict's values for dataframes, which imports
    # pandas (a third of a second at the first page) and costs time on every click.
    _component(key=key, data=[target, marks], on_click_change=clicked, height=1)


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
