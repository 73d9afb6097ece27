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
      if (map.shown) { livePreview(map, map.shown.x, map.shown.y, map.shown.kind); }
    }).catch((error) => { map.decoderError = String(error); });
  };
  map.startDecoder = start;
  if (map.attached) { requestAnimationFrame(() => setTimeout(start, 0)); } else { setTimeout(start, 2500); }
}

export function livePreview(map, x, y, kind) {
  // Decode (x, y) in the page and show it beside its point; linked maps show the same z.
  map.shown = { x, y, kind };
  const t = transform(map.view, map.box);
  if (!map.decoder) { hidePreview(map.preview); return; }
  showPreview(map.preview, {
    x, y, kind, pixels: map.decoder.decode(x, y), px: t.px(x), py: t.py(y),
    size: map.live.preview || 112, bounds: { width: map.stage.clientWidth, height: map.height },
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

export function previewEverywhere(map, x, y, kind) {
  livePreview(map, x, y, kind);
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

window.vaeDecoder = window.vaeDecoder || {
  get ready() { const map = primary(); return !!(map && map.decoder); },
  get model() { const map = primary(); return map && map.live.decoder ? map.live.decoder.model : null; },
  decode(x, y) {
    const map = primary();
    if (!map || !map.decoder) { throw new Error("The page's decoder has not loaded (window.vaeDecoder.ready is false)."); }
    return Array.from(map.decoder.decode(x, y));
  },
};
