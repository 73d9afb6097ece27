// The map's buttons (zoom, reset, PNG) and the PNG download of the map as the page shows it.

import { element } from "./dom.js";
import { legendEntries, visible } from "./figure.js";
import { MARGIN } from "./geometry.js";
import { swatch } from "./legend.js";
import { paintMarks } from "./marks.js";
import { FONT, paint } from "./points.js";

export function buttons(bar, actions) {
  const make = (title, glyph, action) => {
    const button = element("button", "modebar-btn",
      "width:26px;height:26px;border:1px solid #767676;border-radius:4px;background:rgba(255,255,255,0.9);" +
      "cursor:pointer;font:15px/1 " + FONT + ";color:#333;padding:0");
    button.type = "button";
    button.title = title;
    button.dataset.title = title;
    button.setAttribute("aria-label", title);
    button.textContent = glyph;
    button.addEventListener("click", (event) => { event.stopPropagation(); action(); });
    bar.appendChild(button);
  };
  make("Zoom in", "+", actions.zoomIn);
  make("Zoom out", "−", actions.zoomOut);
  make("Reset view", "⟲", actions.reset);
  make("Download plot as a PNG", "⤓", actions.download);
}

export function download(map, t, scale = 2) {
  // The map as the page shows it, marks and legend included, at twice the resolution.
  const width = map.stage.clientWidth, rows = legendEntries(map.traces);
  const perRow = Math.max(1, Math.floor(width / 90));
  const legendHeight = map.layout.showlegend === false ? 0 : 26 * Math.ceil(rows.length / perRow);
  const canvas = document.createElement("canvas");
  canvas.width = width * scale;
  canvas.height = (map.height + legendHeight) * scale;
  const ctx = canvas.getContext("2d");
  ctx.scale(scale, scale);
  ctx.fillStyle = "white";
  ctx.fillRect(0, 0, width, map.height + legendHeight);
  paint(map, ctx, t, width, map.height, scale);
  paintMarks(map, ctx, t);
  ctx.font = "14px " + FONT;
  ctx.textBaseline = "middle";
  ctx.textAlign = "left";
  rows.forEach((trace, k) => {
    const x = MARGIN.left + (k % perRow) * 90, y = map.height + 13 + 26 * Math.floor(k / perRow);
    ctx.globalAlpha = visible(map.hidden, trace) ? 1 : 0.4;
    ctx.drawImage(swatch(trace), x, y - 7, 22, 14);
    ctx.fillStyle = "#333";
    ctx.fillText(trace.name, x + 26, y);
    ctx.globalAlpha = 1;
  });
  const link = document.createElement("a");
  link.download = "latent-map.png";
  link.href = canvas.toDataURL("image/png");
  link.click();
}
