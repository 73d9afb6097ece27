// The live preview's logic: the map's decoder (fetched once it can be clicked), the preview
// of a point beside it, the maps of a group (the compare view) previewing the same z, and
// window.vaeDecoder (the decoder of the model in use, read by the tests and benchmarks).

import { loadDecoder } from "./decoder.js";
import { transform } from "./geometry.js";
import { drawMarks } from "./marks.js";
import { hidePreview, showPreview } from "./preview.js";
import { hideTip } from "./tip.js";

const ALL_MAPS = (window.__vaeMaps = window.__vaeMaps || {});

export function refreshMarks(map) { if (map.box) { drawMarks(map, transform(map.view, map.box)); } }

export function useDecoder(map) {
  // The decoder's file is fetched once the map can be clicked (its layer attached), so that
  // it never delays the map; without a layer (a page of only the map), a moment after drawing.
  const url = map.live.decoder && map.live.decoder.url;
  if (url === map.decoderUrl) { return; }
  map.decoderUrl = url || null;
  map.decoder = null;
  if (!url) { return; }
  const start = () => {
    if (map.decoderUrl !== url || map.decoderStarted === url) { return; }
    map.decoderStarted = url;
    loadDecoder(url).then((network) => {
      if (map.decoderUrl !== url) { return; }
      map.decoder = network;
      if (map.shown) { livePreview(map, map.shown.x, map.shown.y, map.shown.kind, map.shown.z); }
    }).catch((error) => { map.decoderError = String(error); });
  };
  map.startDecoder = start;
  if (map.attached) { requestAnimationFrame(() => setTimeout(start, 0)); } else { setTimeout(start, 2500); }
}

export const NOT_A_PLANE = "The neighbours layout (t-SNE) is not a plane of the latent space: only its dots are latent points.";

export function latentAt(plane, x, y, view) {
  // A point (x, y) of the map's plane (a PCA plane or a slice) is the latent point
  // centre + x·u + y·v (vae/analysis/projections.py); without a plane, the map is the 2-D
  // latent space itself. Between the dots of a t-SNE layout there is no latent point.
  if (view === "neighbours") { throw new Error(NOT_A_PLANE); }
  if (!plane) { return [x, y]; }
  const [u, v] = plane.axes;
  return plane.centre.map((c, j) => c + x * u[j] + y * v[j]);
}

function decodeAt(map, x, y, z) { return map.decoder.decodeZ(z || latentAt(map.live.plane, x, y, map.live.view)); }

export function livePreview(map, x, y, kind, z) {
  // `z`: the latent point itself, where (x, y) is only its projection (a d-D path's point).
  // Decode (x, y) in the page and show it beside its point; linked maps show the same z.
  map.shown = { x, y, kind, z };
  const t = transform(map.view, map.box);
  // On a t-SNE layout nothing is decoded under the pointer: the page says why, under the map.
  if (!map.decoder || map.live.view === "neighbours") { hidePreview(map.preview); return; }
  showPreview(map.preview, {
    x, y, kind, pixels: decodeAt(map, x, y, z), px: t.px(x), py: t.py(y),
    size: map.live.preview || 112, bounds: { width: map.stage.clientWidth, height: map.height },
    coordinates: map.live.plane ? "plane" : "z",
  });
}

export function endPreview(map) {
  map.shown = null;
  hidePreview(map.preview);
  hideTip(map.tip);
  for (const other of linked(map)) { other.probe = null; other.shown = null; hidePreview(other.preview); refreshMarks(other); }
}

export function linked(map) {
  // The other maps of this map's group (the compare view's), still on the page.
  const group = map.live.group;
  if (!group) { return []; }
  return Object.values(ALL_MAPS).filter((other) => other !== map && other.live.group === group && other.root.isConnected);
}

export function previewEverywhere(map, x, y, kind, z) {
  livePreview(map, x, y, kind, z);
  for (const other of linked(map)) {
    other.probe = { x, y };
    refreshMarks(other);
    livePreview(other, x, y, "linked");
  }
}

// ---- window.vaeDecoder: the decoder of the model in use ----------------------------------

function primary() {
  const maps = Object.values(ALL_MAPS).filter((map) => map.root.isConnected);
  return maps.find((map) => map.live.primary) || maps[0] || null;
}

function loaded() {
  const map = primary();
  if (!map || !map.decoder) { throw new Error("The page's decoder has not loaded (window.vaeDecoder.ready is false)."); }
  return map;
}

window.vaeDecoder = window.vaeDecoder || {
  get ready() { const map = primary(); return !!(map && map.decoder); },
  get model() { const map = primary(); return map && map.live.decoder ? map.live.decoder.model : null; },
  get latentDim() { const map = primary(); return map && map.decoder ? map.decoder.latentDim : null; },
  get view() { const map = primary(); return map ? map.live.view || "latent" : null; },
  // The point (x, y) of the view shown: on a plane through a d-D space, the latent point it is.
  decode(x, y) { return Array.from(decodeAt(loaded(), x, y)); },
  latentAt(x, y) { const map = loaded(); return latentAt(map.live.plane, x, y, map.live.view); },
  // Any latent point: an array of the model's d values.
  decodeZ(z) { return Array.from(loaded().decoder.decodeZ(Array.from(z))); },
};
