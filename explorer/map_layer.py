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
    layer = layers[target] = { target: target, gd: null, down: null, geometry: null };
    // On the document, not on the chart: when the page reruns, Streamlit may replace the
    // chart's element, and a click in the tenth of a second before the new one is drawn
    // would otherwise fall on nothing. The last geometry seen still maps it to latent space.
    document.addEventListener("pointerdown", (event) => press(layer, event), true);
    window.addEventListener("pointerup", (event) => release(layer, event), true);
    setInterval(() => attach(layer), 100);
  }
  layer.marks = marks || [];
  layer.send = setTriggerValue;
  attach(layer);
  draw(layer);
}

function chart(layer) {
  const gd = document.querySelector(".st-key-" + layer.target + " .js-plotly-plot");
  return gd && gd._fullLayout && gd._fullLayout.xaxis ? gd : null;
}

function attach(layer) {
  const gd = chart(layer);
  if (!gd) { return; }
  if (gd !== layer.gd || !gd.__vaeLayer) {
    layer.gd = gd;
    gd.__vaeLayer = true;
    gd.on("plotly_afterplot", () => draw(layer));
    gd.on("plotly_relayout", () => draw(layer));
    gd.on("plotly_restyle", () => draw(layer));
    draw(layer);
  }
}

function geometry(gd) {
  // Where the plot area is on the page and which latent ranges it shows (linear axes).
  const drag = gd.querySelector(".nsewdrag");
  if (!drag) { return null; }
  const box = drag.getBoundingClientRect(), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  return { left: box.left + window.scrollX, top: box.top + window.scrollY, width: box.width, height: box.height,
           x: xa.range.slice(), y: ya.range.slice(), scale: xa._m, hidden: hiddenClasses(gd) };
}

function hiddenClasses(gd) {
  // The names of the traces hidden by a click in the legend (a class, or the prior's rings).
  return (gd._fullData || []).filter((t) => t.visible === "legendonly").map((t) => t.name);
}

function press(layer, event) {
  const gd = chart(layer);
  const now = gd ? geometry(gd) : null;
  if (now) { layer.geometry = now; }
  const g = layer.geometry;
  const px = event.clientX + window.scrollX, py = event.clientY + window.scrollY;
  const inside = g && px >= g.left && px <= g.left + g.width && py >= g.top && py <= g.top + g.height;
  // A press on the chart's own element: while Streamlit replaces the chart, that is its
  // empty frame, or the old and the new chart side by side for a moment.
  const frame = document.querySelector(".st-key-" + layer.target);
  const onChart = (frame ? frame.contains(event.target) : true) && !event.target.closest(".modebar");
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
                        scale: g.scale, hidden: g.hidden, t: Date.now() });
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
  hideHiddenClassNames(gd);
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

function hideHiddenClassNames(gd) {
  // A class hidden in the legend hides its name (an annotation named "class NAME") too.
  const hidden = new Set(hiddenClasses(gd));
  const notes = gd._fullLayout.annotations || [];
  for (const element of gd.querySelectorAll(".infolayer .annotation")) {
    const note = notes[Number(element.getAttribute("data-index"))];
    const name = note && typeof note.name === "string" && note.name.startsWith("class ") ? note.name.slice(6) : null;
    element.style.display = name !== null && hidden.has(name) ? "none" : "";
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
