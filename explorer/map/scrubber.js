// The path's scrubber: a slider under the map that walks the drawn path. A marker moves
// along the path on the map and the preview decodes each place, in the page.

import { element } from "./dom.js";
import { pathTrace } from "./figure.js";
import { placeAlong } from "./geometry.js";
import { FONT } from "./points.js";

export const STEPS = 1000;

export function createScrubber(root, onMove, onLeave) {
  const bar = element("div", "vae-scrubber", "display:none;align-items:center;gap:10px;padding:4px 0 2px " + 56 + "px;font:14px " + FONT + ";color:#222");
  const label = element("label", "", "white-space:nowrap");
  const input = element("input", "vae-scrubber-input", "flex:1 1 auto;accent-color:#d62728;min-width:80px");
  input.type = "range";
  input.min = "0";
  input.max = String(STEPS);
  input.value = "0";
  input.id = "vae-scrubber-" + Math.random().toString(36).slice(2, 8);
  label.htmlFor = input.id;
  label.textContent = "Scrub along the path";
  const where = element("span", "vae-scrubber-where", "min-width:9em;font-variant-numeric:tabular-nums");
  bar.append(label, input, where);
  root.appendChild(bar);
  input.addEventListener("input", () => onMove(Number(input.value) / STEPS));
  input.addEventListener("change", () => onMove(Number(input.value) / STEPS));
  input.addEventListener("focus", () => onMove(Number(input.value) / STEPS));  // where it stands, shown at once
  input.addEventListener("blur", () => onLeave());
  return { bar, input, where };
}

export function syncScrubber(scrubber, traces) {
  // Shown while a path of two or more waypoints is drawn; returns that path (or null).
  const path = pathTrace(traces);
  scrubber.bar.style.display = path ? "flex" : "none";
  return path;
}

export function placeOnPath(path, fraction) {
  // On a plane through a d-D space the path was interpolated in all d dimensions and is drawn
  // as its projection; its trace carries the d-D points ("latent"), and the place on the
  // drawn line is the same fraction of the same segment of them: z projects onto (x, y).
  const { x, y, i, f } = placeAlong(path.x, path.y, fraction);
  if (!path.latent || !path.latent[i]) { return { x, y }; }
  const a = path.latent[i - 1], b = path.latent[i];
  return { x, y, z: a.map((value, j) => value + f * (b[j] - value)) };
}
