// The latent map (explorer/map_view.py): the entry that wires the map's modules together.
//
//   geometry.js  the view: latent units <-> pixels, zoom and pan (pure functions)
//   figure.js    the figure as sent: traces, groups, the path, hover texts
//   points.js    drawing the figure: grid, the test set's points, traces, class names, axes
//   marks.js     the marks over it: the chosen point, board digits, crosshair, probes
//   legend.js    the legend's buttons          tip.js      the hover label
//   input.js     pointer, touch, wheel, keys   modebar.js  zoom, reset and PNG buttons
//   decoder.js   the decoder in the page       preview.js  the live preview beside a point
//   live.js      decoding as the hand moves    scrubber.js the slider along the path
//   page.js      the page around it laid out   dom.js  element()   teacher.js  the teacher's hand, following
//   views.js     the points files, kept; the views a d-D map's chooser offers, drawn at its press
//
// Each map is an entry of window.__vaeMaps by its key; the map layer (map_layer.py) finds
// it there, reads its geometry for clicks, gives it the marks to draw, and listens for the
// points the map chooses itself (a dragged marker let go, a finger lifted, Enter).

import { element } from "./dom.js";
import { decodeTrace, visible } from "./figure.js";
import { MARGIN, clampedTo, fitted, pannedView, transform, zoomedView } from "./geometry.js";
import { listen } from "./input.js";
import { buildLegend, legendState } from "./legend.js";
import { drawMarks, grabbable } from "./marks.js";
import { buttons, download } from "./modebar.js";
import { whenSettled } from "./page.js";
import { paint } from "./points.js";
import { endPreview, livePreview, previewEverywhere, refreshMarks, useDecoder } from "./live.js";
import { createPreview, hidePreview } from "./preview.js";
import { createScrubber, placeOnPath, syncScrubber } from "./scrubber.js";
import { followApi } from "./teacher.js";
import { createTip, hideTip, nearestPoint, showTip } from "./tip.js";
import { lookAhead, readyAhead, useBase, watchChooser } from "./views.js";

const MAPS = (window.__vaeMaps = window.__vaeMaps || {});

export default function (component) {
  const { data, parentElement } = component;
  const [key, base, spec, digest, tell, ahead] = data;
  let map = MAPS[key];
  const fresh = !map || map.parent !== parentElement;
  if (fresh) { map = MAPS[key] = create(key, parentElement, map); }
  // The page's first step (explorer/first_page.py): say when the points are drawn, so the
  // server sends the rest; after 4 s in any case.
  map.tell = tell ? () => component.setTriggerValue("drawn", true) : null;
  if (tell && !map.tellTimer) { map.tellTimer = setTimeout(() => told(map), 4000); }
  lookAhead(map, ahead);  // the views its chooser offers (views.js)
  // Every rerun (every click) renders the component again; the same figure is not redrawn.
  if (digest && digest === map.digest && base.token === map.baseToken) { return; }
  map.digest = digest;
  if (base.token !== map.baseToken) { map.notice.textContent = ""; }
  useBase(map, base, () => update(map, map.spec), (reason) => {
    map.notice.textContent = "The map's points could not be loaded (" + reason + "): reload the page.";
    told(map);
  });
  update(map, spec);
  if (fresh) { window.dispatchEvent(new Event("vae-map")); }  // its click layer attaches now (map_layer.py)
}

function create(key, parent, old) {
  parent.replaceChildren();
  const root = element("div", "vae-map", "position:relative;width:100%;user-select:none;-webkit-user-select:none");
  const stage = element("div", "vae-map-stage", "position:relative;width:100%");
  const canvas = element("canvas", "vae-map-canvas", "position:absolute;left:0;top:0");
  const overlay = element("canvas", "vae-map-marks", "position:absolute;left:0;top:0;pointer-events:none");
  // The plot itself is one tab stop: a two-dimensional widget with keys of its own.
  const area = element("div", "vae-map-plot", "position:absolute;cursor:crosshair;touch-action:none;outline-offset:2px");
  area.tabIndex = 0;
  area.setAttribute("role", "application");
  area.setAttribute("aria-roledescription", "latent map");
  const bar = element("div", "vae-map-modebar", "position:absolute;top:4px;display:flex;gap:2px;z-index:2");
  const legend = element("div", "vae-map-legend", "font-family:sans-serif;color:#333");
  stage.append(canvas, overlay, area, bar);
  // Said politely by screen readers: each decode, each change of the path (map_layer.py).
  const status = element("div", "vae-map-status",
    "position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const help = element("div", "vae-map-help", status.style.cssText);
  help.id = "vae-map-help-" + key;
  area.setAttribute("aria-describedby", help.id);
  const notice = element("div", "vae-map-notice", "color:#c0201f;font-family:sans-serif");
  notice.setAttribute("role", "alert");
  root.append(stage, status, help, notice);
  parent.appendChild(root);
  const map = {
    key, parent, root, stage, canvas, overlay, area, bar, legend, status, help,
    tip: createTip(stage), preview: createPreview(stage), scrubber: null,
    base: old ? old.base : [], baseToken: old ? old.baseToken : null, loading: null, spec: null, notice, traces: [], layout: {}, live: {}, uirevision: old ? old.uirevision : null,
    view: old ? old.view : null, hidden: old ? old.hidden : new Set(), marks: old ? old.marks : {},
    listeners: old ? old.listeners : {}, images: {}, width: 0, height: 0, box: null, drawn: 0,
    decoder: null, decoderUrl: null, attached: false, dragging: null, cursor: null, probe: null, scrub: null, path: null, shown: null, teacher: null,
  };
  map.scrubber = createScrubber(root, (fraction) => scrubTo(map, fraction), () => { map.scrub = null; refreshMarks(map); hidePreview(map.preview); });
  root.append(legend);
  root.__vaeMap = api(map);
  buttons(bar, {
    zoomIn: () => { map.view = zoomedView(map.view, map.box, 1 / 1.5, 0.5, 0.5); draw(map); },
    zoomOut: () => { map.view = zoomedView(map.view, map.box, 1.5, 0.5, 0.5); draw(map); },
    reset: () => resetView(map),
    download: () => download(map, transformOf(map)),
  });
  listen(area, stage, handlers(map));
  if (old && old.observer) { old.observer.disconnect(); }  // the map this one replaces
  if (old && old.unwatch) { old.unwatch(); }
  // A press on the view chooser draws the view it names at once, when its points are here.
  watchChooser(map, (view) => { Object.assign(map.marks, view.marks || {}); update(map, view.spec); });
  map.observer = new ResizeObserver(() => { if (parent.clientWidth && parent.clientWidth !== map.width) { resize(map); draw(map); } });
  map.observer.observe(parent);
  // Out of sight (and out of reach of clicks) until the page around it is laid out (page.js).
  map.settled = false;
  root.style.visibility = "hidden";
  whenSettled(() => {
    map.settled = true;
    root.style.visibility = "";
    if (map.spec) { resize(map); draw(map); }
  });
  return map;
}

function update(map, spec) {
  map.spec = spec;
  map.traces = map.base.concat(spec.traces.map(decodeTrace));
  const layout = spec.layout;
  map.layout = layout;
  map.live = spec.live || {};
  if (layout.uirevision !== map.uirevision || !map.view) {
    map.uirevision = layout.uirevision;
    map.view = { x: layout.xaxis.range.slice(), y: layout.yaxis.range.slice() };
    map.hidden = new Set();
  }
  map.root.dataset.view = map.live.view || "latent";  // "latent" (a 2-D model), "pca", "slice" or "neighbours"
  map.area.setAttribute("aria-label", map.live.label || "Latent map");
  map.help.textContent = map.live.description || "";
  for (const image of layout.images || []) { loadImage(map, image.source); }
  buildLegend(map, (name) => toggleClass(map, name));
  map.path = syncScrubber(map.scrubber, map.traces);
  if (!map.path) { map.scrub = null; }
  resize(map);
  draw(map);
  useDecoder(map);
}

function loadImage(map, source) {
  if (map.images[source]) { return; }
  const image = new Image();
  image.onload = () => draw(map);
  image.src = source;
  map.images[source] = image;
}

function toggleClass(map, name) {
  if (map.hidden.has(name)) { map.hidden.delete(name); } else { map.hidden.add(name); }
  legendState(map);
  draw(map);
}

function resetView(map) {
  map.view = { x: map.layout.xaxis.range.slice(), y: map.layout.yaxis.range.slice() };
  draw(map);
}

// ---- size and drawing ---------------------------------------------------------------------

function resize(map) {
  const layout = map.layout, right = layout.legend && layout.legend.orientation === "v", legendShown = layout.showlegend !== false;
  // Styles first, then every size read at once: one layout of the page, not two.
  map.root.style.display = right && legendShown ? "grid" : "block";
  map.root.style.gridTemplateColumns = right && legendShown ? "1fr auto" : "";
  map.legend.style.cssText = "font-family:sans-serif;color:#333;" + (right
    ? "grid-row:1 / span 2;grid-column:2;padding:40px 0 0 6px;display:flex;flex-direction:column;gap:2px"
    : "display:flex;flex-wrap:wrap;align-items:center;gap:0 6px;padding:2px 0 0 " + MARGIN.left + "px");
  map.legend.style.display = legendShown ? "flex" : "none";
  const width = map.parent.clientWidth || 600;
  const legendWidth = right && legendShown ? map.legend.offsetWidth : 0;
  const legendHeight = !right && legendShown ? map.legend.offsetHeight : 0;
  const scrubHeight = map.path ? map.scrubber.bar.offsetHeight : 0;
  map.width = width;
  const stageWidth = width - legendWidth, height = Math.max(200, (layout.height || 520) - legendHeight - scrubHeight);
  map.stage.style.width = stageWidth + "px";
  map.stage.style.height = height + "px";
  map.height = height;
  const ratio = window.devicePixelRatio || 1;
  for (const canvas of [map.canvas, map.overlay]) {
    // Only when it changes: setting a canvas's size clears it.
    if (canvas.width !== Math.round(stageWidth * ratio)) { canvas.width = Math.round(stageWidth * ratio); }
    if (canvas.height !== Math.round(height * ratio)) { canvas.height = Math.round(height * ratio); }
    canvas.style.width = stageWidth + "px";
    canvas.style.height = height + "px";
  }
  map.box = {
    left: MARGIN.left, top: MARGIN.top,
    width: Math.max(50, stageWidth - MARGIN.left - MARGIN.right), height: Math.max(50, height - MARGIN.top - MARGIN.bottom),
  };
  Object.assign(map.area.style, { left: map.box.left + "px", top: map.box.top + "px", width: map.box.width + "px", height: map.box.height + "px" });
  map.bar.style.right = MARGIN.right + "px";
  map.bar.style.top = "3px";
}

function transformOf(map) { return transform(map.view, map.box); }

function draw(map) {
  if (!map.settled || !map.box || !map.traces) { return; }
  const ratio = window.devicePixelRatio || 1, ctx = map.canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  const t = transformOf(map);
  paint(map, ctx, t, map.canvas.width / ratio, map.canvas.height / ratio, ratio);
  drawMarks(map, t);
  map.drawn += 1;
  if (map.baseToken) { told(map); }
  if (map.shown) { livePreview(map, map.shown.x, map.shown.y, map.shown.kind); }
}

function told(map) {
  // Once: the points are drawn (or could not be loaded), or 4 s passed.
  const tell = map.tell;
  map.tell = null;
  if (tell) { tell(); }
}

function redrawSoon(map) {
  if (!map.frame) { map.frame = requestAnimationFrame(() => { map.frame = 0; draw(map); }); }
}

function emit(map, choice) {
  // A point the map chose itself, for the map layers to send: {x, y, exact, kind}.
  for (const listener of Object.values(map.listeners)) { listener(choice); }
}

function scrubTo(map, fraction) {
  if (!map.path) { return; }
  map.scrub = placeOnPath(map.path, fraction);
  map.scrubber.where.textContent = (map.live.plane ? "plane" : "z") + " = (" + map.scrub.x.toFixed(2) + ", " + map.scrub.y.toFixed(2) + ")";
  refreshMarks(map);
  previewEverywhere(map, map.scrub.x, map.scrub.y, "path", map.scrub.z);
}

// ---- what the input does ----------------------------------------------------------------

function inPlot(map, px, py) {
  const b = map.box;
  return px >= b.left && px <= b.left + b.width && py >= b.top && py <= b.top + b.height;
}

function handlers(map) {
  const latentAt = (px, py) => { const t = transformOf(map); return [t.lx(px), t.ly(py)]; };
  return {
    hover(px, py) {
      const t = transformOf(map);
      showTip(map.tip, map, t, nearestPoint(map, t, px, py));
      if (!inPlot(map, px, py)) { endPreview(map); return; }
      previewEverywhere(map, t.lx(px), t.ly(py), "hover");
    },
    leave() { endPreview(map); },
    grab(px, py) {
      // A t-SNE layout's chosen ring is not dragged: between its dots there is nothing to decode.
      const found = map.live.view !== "neighbours" && grabbable(map, transformOf(map), px, py);
      if (!found) { return false; }
      map.dragging = { x: found.mark.x, y: found.mark.y, source: found.source };
      return true;
    },
    dragMark(px, py) {
      const [x, y] = clampedTo(map.view, map.box, ...latentAt(px, py));
      map.dragging = { ...map.dragging, x, y };
      hideTip(map.tip);
      refreshMarks(map);
      previewEverywhere(map, x, y, "drag");
    },
    dropMark(px, py) {
      const [x, y] = clampedTo(map.view, map.box, ...latentAt(px, py)), source = map.dragging.source;
      // Drawn where it was let go until the server's marks arrive.
      map.marks[source] = (map.marks[source] || []).map((mark) => (mark.kind === "dot" ? mark : { ...mark, x, y }));
      map.dragging = null;
      endPreview(map);
      refreshMarks(map);
      emit(map, { x, y, exact: true, kind: "drag" });
    },
    slide(px, py) {
      if (!inPlot(map, px, py)) { endPreview(map); return; }
      const [x, y] = latentAt(px, py);
      previewEverywhere(map, x, y, "touch");
    },
    lift(px, py) {
      endPreview(map);
      if (inPlot(map, px, py)) { const [x, y] = latentAt(px, py); emit(map, { x, y, exact: true, kind: "touch" }); }
    },
    pan(dx, dy) {
      map.view = pannedView(map.view, dx, dy, fitted(map.view, map.box).scale);
      hideTip(map.tip);
      redrawSoon(map);
    },
    zoomAt(factor, px, py) {
      map.view = zoomedView(map.view, map.box, factor, (px - map.box.left) / map.box.width, (py - map.box.top) / map.box.height);
      endPreview(map);
      redrawSoon(map);
    },
    key(name, shift) {
      if (!(map.cursor && map.cursor.shown)) { showCursor(map); }  // focused by a click: the first key shows it
      keyboard(map, name, shift);
    },
    focus() { showCursor(map); },
    blur() {
      if (map.cursor) { map.cursor.shown = false; }
      refreshMarks(map);
      endPreview(map);
    },
  };
}

// The keyboard's crosshair: where it was, else on the chosen point, else in the middle.
function showCursor(map) {
  const chosen = Object.values(map.marks).flat().find((mark) => mark.kind !== "dot");
  const start = map.cursor || (chosen ? { x: chosen.x, y: chosen.y } : null);
  const v = fitted(map.view, map.box);
  const [x, y] = clampedTo(map.view, map.box, start ? start.x : (v.x[0] + v.x[1]) / 2, start ? start.y : (v.y[0] + v.y[1]) / 2);
  map.cursor = { x, y, shown: true };
  refreshMarks(map);
  previewEverywhere(map, x, y, "key");
}

function keyboard(map, name, shift) {
  const v = fitted(map.view, map.box), step = ((v.x[1] - v.x[0]) / 40) * (shift ? 5 : 1);
  const cursor = map.cursor || { x: (v.x[0] + v.x[1]) / 2, y: (v.y[0] + v.y[1]) / 2, shown: true };
  const moves = { left: [-step, 0], right: [step, 0], up: [0, step], down: [0, -step] };
  if (moves[name]) {
    const [x, y] = clampedTo(map.view, map.box, cursor.x + moves[name][0], cursor.y + moves[name][1]);
    map.cursor = { x, y, shown: true };
  } else if (name === "choose") {
    emit(map, { x: cursor.x, y: cursor.y, exact: false, kind: "key" });
  } else if (name === "zoomIn" || name === "zoomOut") {
    const fx = (cursor.x - v.x[0]) / (v.x[1] - v.x[0]), fy = (v.y[1] - cursor.y) / (v.y[1] - v.y[0]);
    map.view = zoomedView(map.view, map.box, name === "zoomIn" ? 1 / 1.5 : 1.5, fx, fy);
  } else if (name === "reset") {
    map.view = { x: map.layout.xaxis.range.slice(), y: map.layout.yaxis.range.slice() };
  } else if (name === "leave") {
    map.area.blur();
    return;
  }
  const [x, y] = clampedTo(map.view, map.box, map.cursor ? map.cursor.x : cursor.x, map.cursor ? map.cursor.y : cursor.y);
  map.cursor = { x, y, shown: true };
  draw(map);
  previewEverywhere(map, x, y, "key");
}

// ---- what the map layer, the page and the tests read ------------------------------------------

function api(map) {
  return {
    get drawn() { return map.drawn; },
    get traces() { return map.traces.map((trace) => ({ ...trace, visible: visible(map.hidden, trace) })); },
    get marks() { return (map.marksDrawn || []).slice(); },  // the marks drawn, at the last draw
    get badges() { return (map.badges || []).slice(); },  // the class names drawn, at the last draw
    get attached() { return map.attached; },
    set attached(value) {
      // The map layer has attached: the map can be clicked, so the decoder may load now.
      map.attached = value;
      if (value && map.startDecoder) { requestAnimationFrame(() => setTimeout(map.startDecoder, 0)); }
    },
    get decoder() { return map.decoder; },
    get live() { return map.live; },
    get layout() { return map.layout; },  // as sent: the axes' ranges and titles
    get ahead() { return readyAhead(map); },  // the views drawn at the chooser's press (views.js)
    geometry() {
      // The plot area on the page (page coordinates) and the latent ranges it shows.
      const rect = map.area.getBoundingClientRect(), v = fitted(map.view, map.box);
      return { left: rect.left + window.scrollX, top: rect.top + window.scrollY, width: rect.width, height: rect.height,
               x: v.x.slice(), y: v.y.slice(), scale: v.scale, view: map.live.name || null, hidden: [...map.traces.filter((t) => !visible(map.hidden, t)).map((t) => t.name)] };
    },
    toPage(x, y) {
      const rect = map.area.getBoundingClientRect(), t = transformOf(map);
      return [rect.left + t.px(x) - map.box.left, rect.top + t.py(y) - map.box.top];
    },
    toLatent(px, py) {
      const rect = map.area.getBoundingClientRect(), t = transformOf(map);
      return [t.lx(px - rect.left + map.box.left), t.ly(py - rect.top + map.box.top)];
    },
    setMarks(source, marks) { map.marks[source] = marks || []; refreshMarks(map); },
    announce(text) { map.status.textContent = text; },
    get announced() { return map.status.textContent; },
    listen(source, listener) { map.listeners[source] = listener; },
    ...followApi(map, () => draw(map), (fraction) => scrubTo(map, fraction)),  // the teacher's hand
  };
}
