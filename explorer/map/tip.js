// The hover label: which test digit (or other point with a hover template) is under the
// pointer, within the layout's hover distance.

import { element } from "./dom.js";
import { hoverText, visible } from "./figure.js";
import { FONT } from "./points.js";

export function createTip(stage) {
  const tip = element("div", "vae-map-tip",
    "position:absolute;display:none;pointer-events:none;background:white;border:2px solid;border-radius:4px;" +
    "padding:2px 6px;font:13px/1.35 " + FONT + ";color:#222;white-space:nowrap;z-index:3");
  stage.appendChild(tip);
  return tip;
}

export function nearestPoint(map, t, px, py) {
  // [trace, index] of the hoverable point nearest the stage pixel (px, py), or null.
  const reach = map.layout.hoverdistance || 12;
  let best = null, bestDistance = reach * reach;
  for (const trace of map.traces) {
    if (!trace.hovertemplate || trace.hoverinfo === "skip" || !visible(map.hidden, trace) || !trace.x) { continue; }
    for (let i = 0; i < trace.x.length; i++) {
      const dx = t.px(trace.x[i]) - px, dy = t.py(trace.y[i]) - py, d = dx * dx + dy * dy;
      if (d < bestDistance) { bestDistance = d; best = [trace, i]; }
    }
  }
  return best;
}

export function showTip(tip, map, t, best) {
  if (!best) { hideTip(tip); return; }
  const [trace, i] = best;
  tip.replaceChildren();
  hoverText(trace, i).forEach((line, k) => { if (k) { tip.appendChild(document.createElement("br")); } tip.appendChild(document.createTextNode(line)); });
  tip.style.borderColor = (trace.marker && trace.marker.color) || "#333";
  tip.style.display = "block";
  const x = t.px(trace.x[i]), y = t.py(trace.y[i]);
  const left = x + 12 + tip.offsetWidth > map.box.left + map.box.width ? x - 12 - tip.offsetWidth : x + 12;
  tip.style.left = left + "px";
  // Below the point: the live preview (preview.js) stands above it.
  tip.style.top = y + 8 + "px";
}

export function hideTip(tip) { tip.style.display = "none"; }
