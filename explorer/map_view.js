// The latent map, drawn on a 2-D canvas (explorer/map_view.py).
//
// It reads the subset of Plotly's figure format that vae/figures.py writes (scatter traces
// of markers, lines and text; the layout's ranges, legend, images and annotations), so the
// figures stay one description, but it draws them itself: Plotly's bundle and its first
// WebGL frames were most of the app's start. Equal scales on both axes, drag to pan, scroll
// to zoom, a legend that hides a class, hover labels, a PNG download. Each map is an entry
// of window.__vaeMaps by its key; the map layer (map_layer.py) finds it there, reads its
// geometry for clicks, and gives it the marks to draw over the points.

const MAPS = (window.__vaeMaps = window.__vaeMaps || {});
const MARGIN = { left: 56, right: 10, top: 32, bottom: 46 };
const GRID = "#e8e8e8", INK = "#444", FONT = "sans-serif";

export default function (component) {
  const { data, parentElement } = component;
  const [key, base, spec, digest] = data;
  let map = MAPS[key];
  if (!map || map.parent !== parentElement) {
    map = MAPS[key] = create(key, parentElement, map);
  }
  // Every rerun (every click) renders the component again; the same figure is not redrawn.
  if (digest && digest === map.digest && base.token === map.baseToken) { return; }
  map.digest = digest;
  update(map, base, spec);
}

function element(tag, className, css) {
  const node = document.createElement(tag);
  if (className) { node.className = className; }
  if (css) { node.style.cssText = css; }
  return node;
}

function create(key, parent, old) {
  parent.replaceChildren();
  const root = element("div", "vae-map", "position:relative;width:100%;user-select:none;-webkit-user-select:none");
  const stage = element("div", "vae-map-stage", "position:relative;width:100%");
  const canvas = element("canvas", "vae-map-canvas", "position:absolute;left:0;top:0");
  const overlay = element("canvas", "vae-map-marks", "position:absolute;left:0;top:0;pointer-events:none");
  const area = element("div", "vae-map-plot", "position:absolute;cursor:crosshair;touch-action:none");
  const tip = element("div", "vae-map-tip",
    "position:absolute;display:none;pointer-events:none;background:white;border:2px solid;border-radius:4px;" +
    "padding:2px 6px;font:13px/1.35 " + FONT + ";color:#222;white-space:nowrap;z-index:3");
  const bar = element("div", "vae-map-modebar", "position:absolute;top:4px;display:flex;gap:2px;z-index:2");
  const legend = element("div", "vae-map-legend", "font-family:" + FONT + ";color:#333");
  stage.append(canvas, overlay, area, tip, bar);
  root.append(stage, legend);
  parent.appendChild(root);
  const map = {
    key, parent, root, stage, canvas, overlay, area, tip, bar, legend,
    base: null, baseToken: null, traces: [], layout: {}, uirevision: old ? old.uirevision : null,
    view: old ? old.view : null, hidden: old ? old.hidden : new Set(), marks: old ? old.marks : {},
    images: {}, width: 0, height: 0, box: null, drawn: 0,
  };
  root.__vaeMap = api(map);
  buttons(map);
  gestures(map);
  if (old && old.observer) { old.observer.disconnect(); }  // the map this one replaces
  map.observer = new ResizeObserver(() => { if (parent.clientWidth && parent.clientWidth !== map.width) { resize(map); draw(map); } });
  map.observer.observe(parent);
  return map;
}

// ---- data ---------------------------------------------------------------------------------

function decode(value) {
  // Arrays travel as base64 of float32 or int32 ({b64, dtype}); NaN breaks a line.
  if (!value || typeof value !== "object" || !("b64" in value)) { return value; }
  const text = atob(value.b64), bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) { bytes[i] = text.charCodeAt(i); }
  return value.dtype === "i32" ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
}

function decodeTrace(trace) {
  return { ...trace, x: decode(trace.x), y: decode(trace.y), customdata: decode(trace.customdata) };
}

function update(map, base, spec) {
  if (base.token !== map.baseToken) {
    map.base = base.traces.map(decodeTrace);
    map.baseToken = base.token;
  }
  map.traces = map.base.concat(spec.traces.map(decodeTrace));
  const layout = spec.layout;
  map.layout = layout;
  if (layout.uirevision !== map.uirevision || !map.view) {
    map.uirevision = layout.uirevision;
    map.view = { x: layout.xaxis.range.slice(), y: layout.yaxis.range.slice() };
    map.hidden = new Set();
  }
  for (const image of layout.images || []) { loadImage(map, image.source); }
  legendFor(map);
  resize(map);
  draw(map);
}

function loadImage(map, source) {
  if (map.images[source]) { return; }
  const image = new Image();
  image.onload = () => draw(map);
  image.src = source;
  map.images[source] = image;
}

function group(trace) { return trace.legendgroup || trace.name || ""; }

function shown(map, trace) { return !map.hidden.has(group(trace)); }

function hiddenNames(map) {
  return map.traces.filter((trace) => !shown(map, trace)).map((trace) => trace.name);
}

// ---- geometry -----------------------------------------------------------------------------

function resize(map) {
  const layout = map.layout, right = layout.legend && layout.legend.orientation === "v";
  const width = map.parent.clientWidth || 600;
  map.root.style.display = right && layout.showlegend !== false ? "flex" : "block";
  map.legend.style.cssText = "font-family:" + FONT + ";color:#333;" + (right
    ? "flex:0 0 auto;padding:40px 0 0 6px;display:flex;flex-direction:column;gap:2px"
    : "display:flex;flex-wrap:wrap;align-items:center;gap:0 6px;padding:2px 0 0 " + MARGIN.left + "px");
  map.legend.style.display = layout.showlegend === false ? "none" : "flex";
  const legendWidth = right && layout.showlegend !== false ? map.legend.offsetWidth : 0;
  const legendHeight = !right && layout.showlegend !== false ? map.legend.offsetHeight : 0;
  map.width = width;
  const stageWidth = width - legendWidth;
  const height = Math.max(200, (layout.height || 520) - legendHeight);
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

function fitted(map) {
  // The view with equal scales: the axis that would be squeezed is widened about its middle.
  const { x, y } = map.view, box = map.box;
  const scale = Math.min(box.width / (x[1] - x[0]), box.height / (y[1] - y[0]));
  const half = (range, pixels) => { const mid = (range[0] + range[1]) / 2, h = pixels / scale / 2; return [mid - h, mid + h]; };
  return { x: half(x, box.width), y: half(y, box.height), scale };
}

function transform(map) {
  const v = fitted(map), box = map.box;
  return {
    ...v,
    px: (x) => box.left + (x - v.x[0]) * v.scale,
    py: (y) => box.top + (v.y[1] - y) * v.scale,
    lx: (px) => v.x[0] + (px - box.left) / v.scale,
    ly: (py) => v.y[1] - (py - box.top) / v.scale,
  };
}

// ---- drawing ------------------------------------------------------------------------------

function draw(map) {
  if (!map.box || !map.traces) { return; }
  const ratio = window.devicePixelRatio || 1;
  const ctx = map.canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  paint(map, ctx, transform(map), map.canvas.width / ratio, map.canvas.height / ratio, ratio);
  drawMarks(map);
  map.drawn += 1;
}

function paint(map, ctx, t, width, height, ratio) {
  const box = map.box, layout = map.layout;
  ctx.clearRect(0, 0, width, height);
  ctx.fillStyle = "white";
  ctx.fillRect(0, 0, width, height);
  const xticks = ticks(t.x[0], t.x[1], box.width / 80), yticks = ticks(t.y[0], t.y[1], box.height / 60);
  ctx.save();
  ctx.beginPath();
  ctx.rect(box.left, box.top, box.width, box.height);
  ctx.clip();
  ctx.strokeStyle = GRID;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const v of xticks) { const p = Math.round(t.px(v)) + 0.5; ctx.moveTo(p, box.top); ctx.lineTo(p, box.top + box.height); }
  for (const v of yticks) { const p = Math.round(t.py(v)) + 0.5; ctx.moveTo(box.left, p); ctx.lineTo(box.left + box.width, p); }
  ctx.stroke();
  for (const image of layout.images || []) {
    const picture = map.images[image.source];
    if (!picture || !picture.complete || !picture.naturalWidth) { continue; }
    ctx.globalAlpha = image.opacity ?? 1;
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(picture, t.px(image.x), t.py(image.y), image.sizex * t.scale, image.sizey * t.scale);
    ctx.globalAlpha = 1;
  }
  // Runs of plain dots (the test set's classes) are stamped into one picture, in order.
  let run = [];
  const flush = () => { if (run.length) { stampDots(map, ctx, run, t, ratio); run = []; } };
  for (const trace of map.traces) {
    if (!shown(map, trace)) { continue; }
    if (plainDots(trace)) { run.push(trace); continue; }
    flush();
    drawTrace(ctx, trace, t);
  }
  flush();
  map.badges = (layout.annotations || []).filter((note) => drawBadge(map, ctx, note, t)).map((note) => note.text.replace(/<\/?b>/g, ""));
  ctx.restore();
  ctx.strokeStyle = "#bbb";
  ctx.strokeRect(box.left + 0.5, box.top + 0.5, box.width - 1, box.height - 1);
  const size = (layout.font && layout.font.size) || 16;
  ctx.fillStyle = INK;
  ctx.font = size - 3 + "px " + FONT;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const v of xticks) { ctx.fillText(label(v), t.px(v), box.top + box.height + 4); }
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const v of yticks) { ctx.fillText(label(v), box.left - 5, t.py(v)); }
  ctx.font = size + "px " + FONT;
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  ctx.fillText(title(layout.xaxis), box.left + box.width / 2, box.top + box.height + MARGIN.bottom - 2);
  ctx.save();
  ctx.translate(14, box.top + box.height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "middle";
  ctx.fillText(title(layout.yaxis), 0, 0);
  ctx.restore();
}

function title(axis) { return (axis && axis.title && axis.title.text) || ""; }

function ticks(low, high, wanted) {
  // Round steps of 1, 2 or 5 times a power of ten, about `wanted` of them.
  const raw = (high - low) / Math.max(2, wanted), power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) || raw;
  const out = [];
  for (let v = Math.ceil(low / step) * step; v <= high + 1e-9; v += step) { out.push(Math.abs(v) < step / 1e6 ? 0 : v); }
  return out;
}

function label(v) { return String(Number(v.toPrecision(6))).replace("-", "−"); }

function modes(trace) { return (trace.mode || "markers").split("+"); }

function drawTrace(ctx, trace, t) {
  const m = modes(trace), n = trace.x ? trace.x.length : 0;
  if (!n) { return; }
  if (m.includes("lines")) { drawLine(ctx, trace, t, n); }
  if (m.includes("markers")) { drawMarkers(ctx, trace, t, n); }
  if (m.includes("text") && trace.text) { drawTexts(ctx, trace, t, n); }
}

function drawLine(ctx, trace, t, n) {
  const line = trace.line || {}, width = line.width || 2;
  ctx.strokeStyle = line.color || "black";
  ctx.lineWidth = width;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.setLineDash(line.dash === "dot" ? [width, 2.5 * width] : line.dash === "dash" ? [4 * width, 3 * width] : []);
  ctx.beginPath();
  let open = false;
  for (let i = 0; i < n; i++) {
    const x = trace.x[i], y = trace.y[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) { open = false; continue; }
    if (open) { ctx.lineTo(t.px(x), t.py(y)); } else { ctx.moveTo(t.px(x), t.py(y)); open = true; }
  }
  ctx.stroke();
  ctx.setLineDash([]);
}

function plainDots(trace) {
  const marker = trace.marker || {};
  return (trace.mode || "markers") === "markers" && (marker.symbol || "circle") === "circle" && !(marker.line && marker.line.width);
}

const MASKS = new Map();

function dotMask(diameter) {
  // How much of each pixel a dot of this diameter (device pixels) covers, 4x4 samples a pixel.
  if (!MASKS.has(diameter)) {
    const side = Math.ceil(diameter) + 2, mask = new Float32Array(side * side), r2 = (diameter / 2) ** 2;
    for (let j = 0; j < side; j++) {
      for (let i = 0; i < side; i++) {
        let inside = 0;
        for (let v = 0; v < 4; v++) {
          for (let u = 0; u < 4; u++) {
            const dx = i + (u + 0.5) / 4 - side / 2, dy = j + (v + 0.5) / 4 - side / 2;
            if (dx * dx + dy * dy <= r2) { inside += 1; }
          }
        }
        mask[j * side + i] = inside / 16;
      }
    }
    MASKS.set(diameter, { mask, side });
  }
  return MASKS.get(diameter);
}

function rgb(color) {
  // "#rrggbb" or any CSS colour, as [r, g, b] in 0..1 (the browser parses what is not hex).
  let hex = /^#[0-9a-f]{6}$/i.test(color) ? color : null;
  if (!hex) {
    const probe = document.createElement("canvas").getContext("2d");
    probe.fillStyle = color;
    hex = /^#[0-9a-f]{6}$/i.test(probe.fillStyle) ? probe.fillStyle : "#000000";
  }
  return [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16) / 255);
}

function stampDots(map, ctx, traces, t, ratio) {
  // Ten thousand dots blended in a typed array and drawn as one picture: a canvas call per dot
  // took 90 ms of the first page here, this takes a few.
  const box = map.box, width = Math.round(box.width * ratio), height = Math.round(box.height * ratio);
  const sum = new Float32Array(width * height * 4);  // premultiplied red, green, blue; alpha
  for (const trace of traces) {
    const marker = trace.marker || {}, [r, g, b] = rgb(marker.color || "black"), opacity = marker.opacity ?? 1;
    const { mask, side } = dotMask((marker.size || 6) * ratio), n = trace.x.length;
    for (let p = 0; p < n; p++) {
      const x = trace.x[p], y = trace.y[p];
      if (!Number.isFinite(x) || !Number.isFinite(y)) { continue; }
      const left = Math.round((t.px(x) - box.left) * ratio - side / 2), top = Math.round((t.py(y) - box.top) * ratio - side / 2);
      if (left >= width || top >= height || left + side <= 0 || top + side <= 0) { continue; }
      for (let j = Math.max(0, -top); j < side && top + j < height; j++) {
        const row = (top + j) * width;
        for (let i = Math.max(0, -left); i < side && left + i < width; i++) {
          const a = mask[j * side + i] * opacity;
          if (a <= 0) { continue; }
          const k = (row + left + i) * 4, keep = 1 - a;
          sum[k] = r * a + sum[k] * keep;
          sum[k + 1] = g * a + sum[k + 1] * keep;
          sum[k + 2] = b * a + sum[k + 2] * keep;
          sum[k + 3] = a + sum[k + 3] * keep;
        }
      }
    }
  }
  const picture = new ImageData(width, height), out = picture.data;
  for (let k = 0; k < sum.length; k += 4) {
    const a = sum[k + 3];
    if (a > 0) {
      out[k] = (sum[k] / a) * 255;
      out[k + 1] = (sum[k + 1] / a) * 255;
      out[k + 2] = (sum[k + 2] / a) * 255;
      out[k + 3] = a * 255;
    }
  }
  const layer = map.dotsCanvas || (map.dotsCanvas = document.createElement("canvas"));
  layer.width = width;
  layer.height = height;
  layer.getContext("2d").putImageData(picture, 0, 0);
  ctx.drawImage(layer, box.left, box.top, box.width, box.height);
}

function drawMarkers(ctx, trace, t, n) {
  const marker = trace.marker || {}, size = marker.size || 6, color = marker.color || "black";
  const symbol = marker.symbol || "circle", outline = marker.line || null;
  ctx.globalAlpha = marker.opacity ?? 1;
  for (let i = 0; i < n; i++) {
    const x = trace.x[i], y = trace.y[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) { continue; }
    shape(ctx, symbol, t.px(x), t.py(y), size / 2);
    if (symbol === "x") {
      ctx.strokeStyle = outline ? outline.color : "white";
      ctx.lineWidth = size / 4 + 2 * ((outline && outline.width) || 0);
      ctx.stroke();
      ctx.strokeStyle = color;
      ctx.lineWidth = size / 4;
      ctx.stroke();
      continue;
    }
    ctx.fillStyle = color;
    ctx.fill();
    if (outline && outline.width) {
      ctx.strokeStyle = outline.color || "white";
      ctx.lineWidth = outline.width;
      ctx.stroke();
    }
  }
  ctx.globalAlpha = 1;
}

function shape(ctx, symbol, x, y, r) {
  ctx.beginPath();
  if (symbol === "star") {
    for (let k = 0; k < 10; k++) {
      const a = -Math.PI / 2 + (k * Math.PI) / 5, radius = k % 2 ? r * 0.42 : r;
      ctx.lineTo(x + radius * Math.cos(a), y + radius * Math.sin(a));
    }
    ctx.closePath();
  } else if (symbol === "diamond") {
    ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r); ctx.lineTo(x - r, y); ctx.closePath();
  } else if (symbol === "x") {
    const d = r * 0.75;
    ctx.moveTo(x - d, y - d); ctx.lineTo(x + d, y + d); ctx.moveTo(x + d, y - d); ctx.lineTo(x - d, y + d);
  } else {
    ctx.arc(x, y, r, 0, 2 * Math.PI);
  }
}

function drawTexts(ctx, trace, t, n) {
  const font = trace.textfont || {}, size = font.size || 14, offset = ((trace.marker && trace.marker.size) || 8) / 2 + 3;
  ctx.font = "bold " + size + "px " + FONT;
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  ctx.lineWidth = 4;
  ctx.lineJoin = "round";
  for (let i = 0; i < n; i++) {
    const text = trace.text[i];
    if (!text || !Number.isFinite(trace.x[i])) { continue; }
    const x = t.px(trace.x[i]), y = t.py(trace.y[i]) - offset;
    ctx.strokeStyle = "white";
    ctx.strokeText(text, x, y);
    ctx.fillStyle = font.color || "black";
    ctx.fillText(text, x, y);
  }
}

function drawBadge(map, ctx, note, t) {
  // A class's name on a white badge at its cluster; hidden with its class.
  if (typeof note.name === "string" && note.name.startsWith("class ") && map.hidden.has(note.name.slice(6))) { return false; }
  const font = note.font || {}, size = font.size || 16, text = String(note.text || "").replace(/<\/?b>/g, "");
  ctx.font = (/<b>/.test(note.text || "") ? "bold " : "") + size + "px " + FONT;
  const pad = (note.borderpad || 1) + 1;
  const w = (note.width || ctx.measureText(text).width) + 2 * pad, h = (note.height || size * 1.15) + 2 * pad;
  const x = t.px(note.x), y = t.py(note.y);
  ctx.fillStyle = note.bgcolor || "rgba(255,255,255,0.8)";
  ctx.fillRect(x - w / 2, y - h / 2, w, h);
  if (note.borderwidth) {
    ctx.strokeStyle = note.bordercolor || "black";
    ctx.lineWidth = note.borderwidth;
    ctx.strokeRect(x - w / 2, y - h / 2, w, h);
  }
  ctx.fillStyle = font.color || "black";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillText(text, x, y + 1);
  return true;
}

function drawMarks(map) {
  // The marks the map layers gave (the chosen point, the board's digits), on their own canvas:
  // a click redraws them, never the ten thousand points.
  const ratio = window.devicePixelRatio || 1, ctx = map.overlay.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, map.overlay.width / ratio, map.overlay.height / ratio);
  paintMarks(map, ctx, transform(map));
}

function paintMarks(map, ctx, t) {
  const box = map.box, drawn = [];
  for (const marks of Object.values(map.marks)) {
    for (const mark of marks) {
      const px = t.px(mark.x), py = t.py(mark.y);
      if (!(px >= box.left && px <= box.left + box.width && py >= box.top && py <= box.top + box.height)) { continue; }
      drawn.push({ kind: mark.kind || "ring", label: mark.label || "", x: mark.x, y: mark.y });
      const colour = mark.color || "black", radius = mark.size || 11;
      if (mark.kind === "dot") {
        ring(ctx, px, py, radius, colour, "white", 2, true);
      } else {
        ring(ctx, px, py, radius + 2, null, "white", 6, false);
        ring(ctx, px, py, radius, null, colour, 3, false);
        ring(ctx, px, py, 2.5, colour, null, 0, true);
      }
      if (mark.label) {
        ctx.font = "bold " + (mark.font || 15) + "px " + FONT;
        ctx.textAlign = "left";
        ctx.textBaseline = "alphabetic";
        ctx.lineWidth = 4;
        ctx.lineJoin = "round";
        ctx.strokeStyle = "white";
        ctx.strokeText(mark.label, px + radius + 4, py - radius + 2);
        ctx.fillStyle = colour;
        ctx.fillText(mark.label, px + radius + 4, py - radius + 2);
      }
    }
  }
  map.marksDrawn = drawn;
}

function ring(ctx, x, y, r, fill, stroke, width, filled) {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  if (filled && fill) { ctx.fillStyle = fill; ctx.fill(); }
  if (stroke && width) { ctx.strokeStyle = stroke; ctx.lineWidth = width; ctx.stroke(); }
}

// ---- legend -------------------------------------------------------------------------------

function legendFor(map) {
  const layout = map.layout, entries = legendEntries(map);
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
      item.addEventListener("click", () => {
        const g = item.dataset.group;
        if (map.hidden.has(g)) { map.hidden.delete(g); } else { map.hidden.add(g); }
        legendState(map);
        draw(map);
      });
      map.legend.appendChild(item);
    }
  }
  legendState(map);
}

function legendState(map) {
  for (const item of map.legend.querySelectorAll(".vae-legend-item")) {
    const off = map.hidden.has(item.dataset.group);
    item.style.opacity = off ? "0.4" : "1";
    item.setAttribute("aria-pressed", off ? "false" : "true");
  }
}

function swatch(trace) {
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

// ---- gestures: pan, zoom, hover -----------------------------------------------------------

function gestures(map) {
  const area = map.area;
  let down = null, frame = 0;
  const redraw = () => { if (!frame) { frame = requestAnimationFrame(() => { frame = 0; draw(map); }); } };
  // The pointer is captured while it is down: a drag that leaves the map still pans it, and
  // no listener outside the map outlives it.
  area.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) { return; }
    area.setPointerCapture(event.pointerId);
    down = { x: event.clientX, y: event.clientY, view: { x: map.view.x.slice(), y: map.view.y.slice() }, panning: false };
  });
  area.addEventListener("pointermove", (event) => {
    if (!down) { hover(map, event); return; }
    const dx = event.clientX - down.x, dy = event.clientY - down.y;
    // Within the distance that still counts as a click (map_layer.py), nothing moves.
    if (!down.panning && Math.hypot(dx, dy) <= 6) { hover(map, event); return; }
    down.panning = true;
    hideTip(map);
    const scale = fitted(map).scale;
    map.view = { x: down.view.x.map((v) => v - dx / scale), y: down.view.y.map((v) => v + dy / scale) };
    redraw();
  });
  const release = () => { down = null; };
  area.addEventListener("pointerup", release);
  area.addEventListener("pointercancel", release);
  area.addEventListener("pointerleave", () => hideTip(map));
  area.addEventListener("wheel", (event) => {
    event.preventDefault();
    const rect = area.getBoundingClientRect();
    zoom(map, Math.exp(event.deltaY * 0.0015), (event.clientX - rect.left) / rect.width, (event.clientY - rect.top) / rect.height);
    hideTip(map);
    redraw();
  }, { passive: false });
}

function zoom(map, factor, fx, fy) {
  // Scale the view by `factor` about the point at fractions (fx, fy) of the plot area.
  const v = fitted(map), cx = v.x[0] + fx * (v.x[1] - v.x[0]), cy = v.y[1] - fy * (v.y[1] - v.y[0]);
  map.view = { x: v.x.map((x) => cx + (x - cx) * factor), y: v.y.map((y) => cy + (y - cy) * factor) };
}

function hover(map, event) {
  const t = transform(map), rect = map.area.getBoundingClientRect();
  const px = event.clientX - rect.left + map.box.left, py = event.clientY - rect.top + map.box.top;
  const reach = map.layout.hoverdistance || 12;
  let best = null, bestDistance = reach * reach;
  for (const trace of map.traces) {
    if (!trace.hovertemplate || trace.hoverinfo === "skip" || !shown(map, trace) || !trace.x) { continue; }
    for (let i = 0; i < trace.x.length; i++) {
      const dx = t.px(trace.x[i]) - px, dy = t.py(trace.y[i]) - py, d = dx * dx + dy * dy;
      if (d < bestDistance) { bestDistance = d; best = [trace, i]; }
    }
  }
  if (!best) { hideTip(map); return; }
  const [trace, i] = best, tip = map.tip;
  const text = trace.hovertemplate.replace(/<extra>.*?<\/extra>/, "")
    .replace(/%\{customdata\}/g, trace.customdata ? String(trace.customdata[i]) : "")
    .replace(/%\{x(:\.(\d)f)?\}/g, (_, __, d) => trace.x[i].toFixed(d ? Number(d) : 2))
    .replace(/%\{y(:\.(\d)f)?\}/g, (_, __, d) => trace.y[i].toFixed(d ? Number(d) : 2));
  tip.replaceChildren();
  text.split("<br>").forEach((line, k) => { if (k) { tip.appendChild(document.createElement("br")); } tip.appendChild(document.createTextNode(line)); });
  tip.style.borderColor = (trace.marker && trace.marker.color) || "#333";
  tip.style.display = "block";
  const x = t.px(trace.x[i]), y = t.py(trace.y[i]);
  const left = x + 12 + tip.offsetWidth > map.box.left + map.box.width ? x - 12 - tip.offsetWidth : x + 12;
  tip.style.left = left + "px";
  tip.style.top = Math.max(0, y - tip.offsetHeight / 2) + "px";
}

function hideTip(map) { map.tip.style.display = "none"; }

// ---- the mode bar: zoom, reset, PNG -------------------------------------------------------

function buttons(map) {
  const make = (title, glyph, action) => {
    const button = element("button", "modebar-btn",
      "width:26px;height:26px;border:1px solid #ccc;border-radius:4px;background:rgba(255,255,255,0.9);" +
      "cursor:pointer;font:15px/1 " + FONT + ";color:#444;padding:0");
    button.type = "button";
    button.title = title;
    button.dataset.title = title;
    button.setAttribute("aria-label", title);
    button.textContent = glyph;
    button.addEventListener("click", (event) => { event.stopPropagation(); action(); });
    map.bar.appendChild(button);
  };
  make("Zoom in", "+", () => { zoom(map, 1 / 1.5, 0.5, 0.5); draw(map); });
  make("Zoom out", "−", () => { zoom(map, 1.5, 0.5, 0.5); draw(map); });
  make("Reset view", "⟲", () => { map.view = { x: map.layout.xaxis.range.slice(), y: map.layout.yaxis.range.slice() }; draw(map); });
  make("Download plot as a PNG", "⤓", () => download(map));
}

function download(map, scale = 2) {
  // The map as the page shows it, marks and legend included, at twice the resolution.
  const width = map.stage.clientWidth, legendRows = legendEntries(map);
  const legendHeight = map.layout.showlegend === false ? 0 : 26 * Math.ceil(legendRows.length / Math.max(1, Math.floor(width / 90)));
  const canvas = document.createElement("canvas");
  canvas.width = width * scale;
  canvas.height = (map.height + legendHeight) * scale;
  const ctx = canvas.getContext("2d");
  ctx.scale(scale, scale);
  ctx.fillStyle = "white";
  ctx.fillRect(0, 0, width, map.height + legendHeight);
  const t = transform(map);
  paint(map, ctx, t, width, map.height, scale);
  paintMarks(map, ctx, t);
  const perRow = Math.max(1, Math.floor(width / 90));
  ctx.font = "14px " + FONT;
  ctx.textBaseline = "middle";
  ctx.textAlign = "left";
  legendRows.forEach((trace, k) => {
    const x = MARGIN.left + (k % perRow) * 90, y = map.height + 13 + 26 * Math.floor(k / perRow);
    ctx.globalAlpha = shown(map, trace) ? 1 : 0.4;
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

function legendEntries(map) {
  // One entry per legend group (a class, the prior's rings, an upload), in drawing order.
  const seen = new Set();
  return map.traces.filter((trace) => {
    const name = group(trace);
    if (trace.showlegend === false || !trace.name || seen.has(name)) { return false; }
    seen.add(name);
    return true;
  });
}

// ---- what the map layer and the tests read ------------------------------------------------

function api(map) {
  return {
    get drawn() { return map.drawn; },
    get traces() { return map.traces.map((trace) => ({ ...trace, visible: shown(map, trace) })); },
    get marks() { return (map.marksDrawn || []).slice(); },  // the marks drawn, at the last draw
    get badges() { return (map.badges || []).slice(); },  // the class names drawn, at the last draw
    geometry() {
      // The plot area on the page (page coordinates) and the latent ranges it shows.
      const rect = map.area.getBoundingClientRect(), v = fitted(map);
      return { left: rect.left + window.scrollX, top: rect.top + window.scrollY, width: rect.width, height: rect.height,
               x: v.x.slice(), y: v.y.slice(), scale: v.scale, hidden: hiddenNames(map) };
    },
    toPage(x, y) {
      const rect = map.area.getBoundingClientRect(), t = transform(map);
      return [rect.left + t.px(x) - map.box.left, rect.top + t.py(y) - map.box.top];
    },
    toLatent(px, py) {
      const rect = map.area.getBoundingClientRect(), t = transform(map);
      return [t.lx(px - rect.left + map.box.left), t.ly(py - rect.top + map.box.top)];
    },
    setMarks(source, marks) { map.marks[source] = marks || []; drawMarks(map); },
  };
}
