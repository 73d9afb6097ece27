// The legend: a button per class (and per upload, the prior's rings) that hides or shows it.

import { element } from "./dom.js";
import { group, legendEntries, modes } from "./figure.js";
import { shape } from "./points.js";

export function buildLegend(map, onToggle) {
  const layout = map.layout, entries = legendEntries(map.traces);
  const signature = JSON.stringify([layout.legend && layout.legend.title, entries.map((t) => [t.name, t.mode, t.marker && t.marker.color, t.line && t.line.color])]);
  if (signature !== map.legendSignature) {
    map.legendSignature = signature;
    map.legend.replaceChildren();
    const heading = layout.legend && layout.legend.title && layout.legend.title.text;
    const size = ((layout.legend && layout.legend.font && layout.legend.font.size) || 14) + "px";
    if (heading) { const h = element("span", "vae-legend-title", "font-weight:bold;font-size:" + size); h.textContent = heading; map.legend.appendChild(h); }
    for (const trace of entries) {
      const item = element("button", "vae-legend-item",
        "display:inline-flex;align-items:center;gap:4px;border:0;background:none;padding:1px 2px;cursor:pointer;font:inherit;font-size:" + size + ";color:inherit");
      item.type = "button";
      item.dataset.group = group(trace);
      item.title = "Click to hide or show";
      item.append(swatch(trace), document.createTextNode(trace.name));
      item.addEventListener("click", () => onToggle(item.dataset.group));
      map.legend.appendChild(item);
    }
  }
  legendState(map);
}

export function legendState(map) {
  for (const item of map.legend.querySelectorAll(".vae-legend-item")) {
    const off = map.hidden.has(item.dataset.group);
    item.style.opacity = off ? "0.4" : "1";
    item.setAttribute("aria-pressed", off ? "false" : "true");
  }
}

export function swatch(trace) {
  const canvas = element("canvas", "", "width:22px;height:14px"), ratio = window.devicePixelRatio || 1;
  canvas.width = 22 * ratio;
  canvas.height = 14 * ratio;
  const ctx = canvas.getContext("2d");
  ctx.scale(ratio, ratio);
  const m = modes(trace);
  if (m.includes("lines")) {
    const line = trace.line || {};
    ctx.strokeStyle = line.color || "black";
    ctx.lineWidth = Math.min(line.width || 2, 3);
    ctx.setLineDash(line.dash === "dot" ? [2, 3] : line.dash === "dash" ? [5, 3] : []);
    ctx.beginPath(); ctx.moveTo(1, 7); ctx.lineTo(21, 7); ctx.stroke();
  }
  if (m.includes("markers")) {
    const marker = trace.marker || {};
    shape(ctx, marker.symbol || "circle", 11, 7, 5);
    if ((marker.symbol || "circle") === "x") { ctx.strokeStyle = marker.color || "black"; ctx.lineWidth = 2; ctx.stroke(); }
    else { ctx.fillStyle = marker.color || "black"; ctx.fill(); }
  }
  return canvas;
}
