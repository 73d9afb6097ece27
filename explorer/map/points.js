// Drawing the figure on the map's lower canvas: grid, pictures, the test set's points, the
// other traces (path, uploads, prior rings, samples), class names and axes. It reads the map
// (its traces, layout, view and hidden classes), never an event.

import { MARGIN, ticks, tickLabel } from "./geometry.js";
import { modes, plainDots, visible } from "./figure.js";

export const FONT = "sans-serif";
const GRID = "#e8e8e8", INK = "#444";

export function paint(map, ctx, t, width, height, ratio) {
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
    if (!visible(map.hidden, trace)) { continue; }
    if (plainDots(trace)) { run.push(trace); continue; }
    flush();
    drawTrace(ctx, trace, t);
  }
  flush();
  map.badges = (layout.annotations || []).filter((note) => drawBadge(map, ctx, note, t)).map((note) => note.text.replace(/<\/?b>/g, ""));
  ctx.restore();
  axes(ctx, box, layout, t, xticks, yticks);
}

function axes(ctx, box, layout, t, xticks, yticks) {
  ctx.strokeStyle = "#bbb";
  ctx.strokeRect(box.left + 0.5, box.top + 0.5, box.width - 1, box.height - 1);
  const size = (layout.font && layout.font.size) || 16;
  ctx.fillStyle = INK;
  ctx.font = size - 3 + "px " + FONT;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const v of xticks) { ctx.fillText(tickLabel(v), t.px(v), box.top + box.height + 4); }
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const v of yticks) { ctx.fillText(tickLabel(v), box.left - 5, t.py(v)); }
  ctx.font = size + "px " + FONT;
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  ctx.fillText(axisTitle(layout.xaxis), box.left + box.width / 2, box.top + box.height + MARGIN.bottom - 2);
  ctx.save();
  ctx.translate(14, box.top + box.height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "middle";
  ctx.fillText(axisTitle(layout.yaxis), 0, 0);
  ctx.restore();
}

function axisTitle(axis) { return (axis && axis.title && axis.title.text) || ""; }

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

const MASKS = new Map();
// Each test digit's dot has a rim darker than its fill, at 3:1 or more against the white
// background (WCAG 1.4.11): the palette's light colours (orange, khaki, grey, cyan) keep
// their hue, and so stay apart for colour-blind students, while every dot is still seen.
const RIM_CONTRAST = 3.2;

function coverage(side, radius) {
  // How much of each pixel a circle of this radius (device pixels) covers, 4x4 samples a pixel.
  const mask = new Float32Array(side * side), r2 = radius * radius;
  for (let j = 0; j < side; j++) {
    for (let i = 0; i < side; i++) {
      let covered = 0;
      for (let v = 0; v < 4; v++) {
        for (let u = 0; u < 4; u++) {
          const dx = i + (u + 0.5) / 4 - side / 2, dy = j + (v + 0.5) / 4 - side / 2;
          if (dx * dx + dy * dy <= r2) { covered += 1; }
        }
      }
      mask[j * side + i] = covered / 16;
    }
  }
  return mask;
}

function dotMask(diameter, rim) {
  // The dot's coverage, and its inside's (all but the rim), in device pixels.
  const name = diameter + "/" + rim;
  if (!MASKS.has(name)) {
    const side = Math.ceil(diameter) + 2;
    MASKS.set(name, { mask: coverage(side, diameter / 2), inner: coverage(side, Math.max(0, diameter / 2 - rim)), side });
  }
  return MASKS.get(name);
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

export function luminance([r, g, b]) {
  // WCAG 2.1's relative luminance of an sRGB colour in 0..1.
  const linear = (c) => (c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4));
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

export function rimColour(colour, contrast = RIM_CONTRAST) {
  // The colour darkened (same hue) until it reaches `contrast` against white.
  let [r, g, b] = colour, k = 1;
  while ((1.05 / (luminance([r * k, g * k, b * k]) + 0.05)) < contrast && k > 0) { k -= 0.02; }
  return [r * k, g * k, b * k];
}

function stampDots(map, ctx, traces, t, ratio) {
  // Ten thousand dots blended straight into one picture and drawn at once: a canvas call per
  // dot took 90 ms of the first page here. Each pixel of a dot is laid over what is there as
  // the canvas would (source-over, 8 bits a channel: within 2/255 of blending in floats).
  // Blending in floats took a second buffer of 16 bytes a pixel (5 MB at 1500 px wide, 25 MB
  // on a phone's 3x screen) and a pass over the whole picture to convert it: a new page's
  // first stamp took 40 ms at 1x and 115 ms at 3x here, against 37 and 90 ms (medians of six
  // page opens, alternating); every redraw (a zoom, a pan) gains as much. The loop runs once
  // per page before the map shows, so it is written for V8's first tier: no calls, no arrays.
  const box = map.box, width = Math.round(box.width * ratio), height = Math.round(box.height * ratio);
  const picture = new ImageData(width, height), out = picture.data;  // RGBA, not premultiplied
  for (const trace of traces) {
    const marker = trace.marker || {}, fill = rgb(marker.color || "black"), rim = rimColour(fill), opacity = marker.opacity ?? 1;
    const diameter = (marker.size || 6) * ratio;
    const { mask, inner, side } = dotMask(diameter, Math.max(ratio * 0.75, diameter * 0.2));
    // Each pixel of the dot: how much rim, then how much fill, is laid over what is there.
    const edge = new Float32Array(side * side), core = new Float32Array(side * side);
    for (let m = 0; m < side * side; m++) {
      if (mask[m] > 0) { edge[m] = mask[m] - inner[m]; core[m] = inner[m] * opacity; }
    }
    const rr = rim[0] * 255, rg = rim[1] * 255, rb = rim[2] * 255, fr = fill[0] * 255, fg = fill[1] * 255, fb = fill[2] * 255;
    const xs = trace.x, ys = trace.y, n = xs.length;
    for (let p = 0; p < n; p++) {
      const x = xs[p], y = ys[p];
      if (!Number.isFinite(x) || !Number.isFinite(y)) { continue; }
      const left = Math.round((t.px(x) - box.left) * ratio - side / 2), top = Math.round((t.py(y) - box.top) * ratio - side / 2);
      if (left >= width || top >= height || left + side <= 0 || top + side <= 0) { continue; }
      for (let j = Math.max(0, -top); j < side && top + j < height; j++) {
        const row = (top + j) * width + left;
        for (let i = Math.max(0, -left); i < side && left + i < width; i++) {
          const m = j * side + i, e = edge[m], c = core[m], k = (row + i) * 4;
          // Source-over, with below = what is there's alpha * (1 - a): alpha = a + below,
          // colour = (src * a + dst * below) / alpha.
          if (e > 0) {
            const below = (out[k + 3] / 255) * (1 - e), alpha = e + below;
            out[k] = (rr * e + out[k] * below) / alpha;
            out[k + 1] = (rg * e + out[k + 1] * below) / alpha;
            out[k + 2] = (rb * e + out[k + 2] * below) / alpha;
            out[k + 3] = alpha * 255;
          }
          if (c > 0) {
            const below = (out[k + 3] / 255) * (1 - c), alpha = c + below;
            out[k] = (fr * c + out[k] * below) / alpha;
            out[k + 1] = (fg * c + out[k + 1] * below) / alpha;
            out[k + 2] = (fb * c + out[k + 2] * below) / alpha;
            out[k + 3] = alpha * 255;
          }
        }
      }
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

export function shape(ctx, symbol, x, y, r) {
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
