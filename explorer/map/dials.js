// Dials (explorer/dials.py): sliders that move a latent point and decode it in the page as they
// move, with the same decoder file as the map (decoder.js). No server round trip: a slider's
// every step is a decode of a millisecond or two.
//
//   "dimensions": one slider per latent dimension, -3..+3 prior standard deviations around the
//                 chosen point's μ, in the order of the traversal grid (most used first)
//   "direction":  one slider that moves the chosen point along the line from one class's mean
//                 to another's: z + t·(to − from), t from 0 to 1.5
//
// The root carries data-z (the point decoded last) for the browser tests.

import { loadDecoder, paintPixels } from "./decoder.js";
import { element } from "./dom.js";

const DIALS = (window.__vaeDials = window.__vaeDials || {});

export default function (component) {
  const { data, parentElement } = component;
  const [key, spec] = data;
  let dials = DIALS[key];
  if (!dials || dials.parent !== parentElement) { dials = DIALS[key] = create(parentElement); }
  const digest = JSON.stringify(spec);
  if (digest === dials.digest) { return; }
  dials.digest = digest;
  dials.spec = spec;
  build(dials);
  loadDecoder(spec.decoder).then((network) => {
    if (dials.spec !== spec) { return; }
    dials.network = network;
    show(dials);
  }).catch((error) => { dials.note.textContent = "The decoder could not be loaded: " + error; });
}

function create(parent) {
  const root = element("div", "vae-dials", "display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap");
  const picture = element("figure", "vae-dials-picture", "margin:0;text-align:center;flex:0 0 auto");
  const canvas = element("canvas", "vae-dials-pixels", "display:block;width:140px;height:140px;image-rendering:pixelated;background:black");
  canvas.width = 28;
  canvas.height = 28;
  canvas.setAttribute("role", "img");
  const caption = element("figcaption", "vae-dials-caption", "font-size:14px;max-width:160px;margin-top:4px");
  picture.append(canvas, caption);
  const sliders = element("div", "vae-dials-sliders", "flex:1 1 260px;min-width:220px");
  const note = element("p", "vae-dials-note", "font-size:14px;margin:4px 0");
  root.append(picture, sliders);
  parent.replaceChildren(root, note);
  return { parent, root, canvas, caption, sliders, note, picture: new ImageData(28, 28), values: [] };
}

function build(dials) {
  // One <input type=range> per row, each labelled for a screen reader and for the eye.
  const spec = dials.spec;
  dials.sliders.replaceChildren();
  dials.values = spec.rows.map(() => 0);
  spec.rows.forEach((row, i) => {
    const id = "vae-dial-" + spec.key + "-" + i;
    const line = element("div", "vae-dial", "display:grid;grid-template-columns:7.5em 1fr 3.5em;gap:8px;align-items:center;margin:2px 0");
    const label = element("label", "", "font-size:14px;" + (row.muted ? "color:#595959" : "font-weight:600"));
    label.htmlFor = id;
    label.textContent = row.label;
    const input = element("input", "", "width:100%;accent-color:#c0392b");
    Object.assign(input, { type: "range", id, min: String(row.min), max: String(row.max), step: String(row.step), value: String(row.start) });
    dials.values[i] = row.start;
    const value = element("output", "", "font-size:14px;font-variant-numeric:tabular-nums");
    value.htmlFor = id;
    const say = () => {
      const v = Number(input.value);
      dials.values[i] = v;
      value.textContent = format(v, row);
      input.setAttribute("aria-valuetext", row.label + ": " + format(v, row));
    };
    say();
    input.addEventListener("input", () => { say(); show(dials); });
    line.append(label, input, value);
    dials.sliders.append(line);
  });
  if (spec.reset) {
    const reset = element("button", "vae-dials-reset", "margin-top:6px;font-size:14px;padding:4px 10px");
    reset.type = "button";
    reset.textContent = spec.reset;
    reset.addEventListener("click", () => { build(dials); show(dials); });
    dials.sliders.append(reset);
  }
  dials.note.textContent = spec.note || "";
}

function format(v, row) { return (v > 0 && row.signed ? "+" : "") + v.toFixed(row.digits === undefined ? 2 : row.digits); }

export function pointOf(spec, values) {
  // The latent point the sliders say: the base point moved by each row's direction × its value.
  const z = spec.base.slice();
  spec.rows.forEach((row, i) => {
    const offset = values[i] - (row.origin || 0);
    for (let j = 0; j < z.length; j++) { z[j] += offset * row.direction[j]; }
  });
  return z;
}

function show(dials) {
  if (!dials.network) { return; }
  const z = pointOf(dials.spec, dials.values);
  paintPixels(dials.picture, dials.network.decodeZ(z));
  dials.canvas.getContext("2d").putImageData(dials.picture, 0, 0);
  const caption = describe(dials.spec, dials.values);
  dials.caption.textContent = caption;
  dials.canvas.setAttribute("aria-label", "decoded: " + caption);
  dials.root.dataset.z = z.map((v) => v.toFixed(6)).join(",");  // last: the pixels above are this point's
}

function describe(spec, values) {
  const moved = spec.rows.map((row, i) => [row, values[i]]).filter(([row, v]) => Math.abs(v - (row.origin || 0)) > 1e-9);
  if (!moved.length) { return spec.title; }
  return spec.title + ", " + moved.map(([row, v]) => row.name + " " + format(v, row)).join(", ");
}
