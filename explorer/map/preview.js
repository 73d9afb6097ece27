// The live preview: the digit decoded in the page at the point under the pointer (or the
// keyboard's crosshair, the dragged marker, the scrubber's place on the path), beside it.
// It names its point in `data-hover-z="x,y"`, set once its pixels are drawn.

import { paintPixels } from "./decoder.js";
import { element } from "./dom.js";
import { FONT } from "./points.js";

const TITLES = {
  hover: "hover preview",
  touch: "preview: lift to choose",
  drag: "drag: release to choose",
  key: "crosshair preview",
  path: "along the path",
  linked: "the same z, this model",
  teacher: "where the teacher points",
};

export function createPreview(stage) {
  const box = element("div", "vae-preview",
    "position:absolute;display:none;pointer-events:none;z-index:4;background:white;border:2px solid #222;" +
    "border-radius:6px;padding:4px;box-shadow:0 2px 8px rgba(0,0,0,0.25);font:13px/1.3 " + FONT + ";color:#111");
  box.setAttribute("role", "img");
  const canvas = element("canvas", "vae-preview-pixels", "display:block;image-rendering:pixelated;background:black");
  canvas.width = 28;
  canvas.height = 28;
  const caption = element("div", "vae-preview-label", "text-align:center;white-space:nowrap;margin-top:2px");
  box.append(canvas, caption);
  stage.appendChild(box);
  return { box, canvas, caption, picture: new ImageData(28, 28) };
}

export function showPreview(preview, options) {
  // options: {x, y (latent), pixels (784 or 3 × 784 in [0, 1]), px, py (stage pixels of the point),
  //           size (CSS pixels of the picture), kind (TITLES), bounds {width, height}}
  const { x, y, pixels, px, py, size, kind, bounds } = options;
  const coordinates = options.coordinates || "z";  // "plane" on a plane through a d-D space
  paintPixels(preview.picture, pixels);
  preview.canvas.getContext("2d").putImageData(preview.picture, 0, 0);
  preview.canvas.style.width = size + "px";
  preview.canvas.style.height = size + "px";
  const title = TITLES[kind] || TITLES.hover, where = coordinates + " = (" + x.toFixed(2) + ", " + y.toFixed(2) + ")";
  preview.caption.style.fontSize = Math.max(13, Math.round(size / 8.5)) + "px";
  preview.caption.replaceChildren(document.createTextNode(title), document.createElement("br"), document.createTextNode(where));
  preview.box.setAttribute("aria-label", title + ": the digit decoded at " + where);
  preview.box.style.display = "block";
  place(preview.box, px, py, bounds);
  preview.box.dataset.kind = kind;
  preview.box.dataset.hoverZ = x + "," + y;  // last: the pixels above are this point's
}

function place(box, px, py, bounds) {
  // Above and to the right of the point, flipped where it would leave the map; never on it.
  const w = box.offsetWidth, h = box.offsetHeight, gap = 18;
  let left = px + gap, top = py - h - gap;
  if (left + w > bounds.width) { left = px - gap - w; }
  if (top < 0) { top = py + gap; }
  if (top + h > bounds.height) { top = Math.max(0, bounds.height - h); }
  box.style.left = Math.max(0, left) + "px";
  box.style.top = top + "px";
}

export function hidePreview(preview) {
  preview.box.style.display = "none";
  delete preview.box.dataset.hoverZ;
}
