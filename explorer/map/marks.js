// The marks over the points, on a canvas of their own: a change of marks never redraws the
// ten thousand points. Marks come from the map layers (map_layer.py: the chosen point, the
// board's digits) and from the map itself: the keyboard's crosshair, the point a linked map
// is hovering, the scrubber's place on the path, the teacher's pointer on a following page.

import { FONT } from "./points.js";

export function drawMarks(map, t) {
  const ratio = window.devicePixelRatio || 1, ctx = map.overlay.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, map.overlay.width / ratio, map.overlay.height / ratio);
  paintMarks(map, ctx, t);
}

function within(box, px, py) {
  return px >= box.left && px <= box.left + box.width && py >= box.top && py <= box.top + box.height;
}

export function paintMarks(map, ctx, t) {
  const box = map.box, drawn = [], labels = [];
  ctx.save();
  ctx.beginPath();
  ctx.rect(box.left, box.top, box.width, box.height);
  ctx.clip();
  for (const marks of Object.values(map.marks)) {
    for (const given of marks) {
      // The chosen point follows the hand while it is dragged.
      const mark = given.kind !== "dot" && map.dragging ? { ...given, x: map.dragging.x, y: map.dragging.y } : given;
      const px = t.px(mark.x), py = t.py(mark.y);
      if (!within(box, px, py)) { continue; }
      // labelBox: where its label went, in the map's own pixels (null: none drawn).
      const entry = { kind: mark.kind || "ring", label: mark.label || "", x: mark.x, y: mark.y, labelBox: null };
      drawn.push(entry);
      const colour = mark.color || "black", radius = mark.size || 11;
      if (mark.kind === "dot") {
        ring(ctx, px, py, radius, colour, "white", 2, true);
      } else {
        ring(ctx, px, py, radius + 2, null, "white", 6, false);
        ring(ctx, px, py, radius, null, colour, 3, false);
        ring(ctx, px, py, 2.5, colour, null, 0, true);
      }
      if (mark.label) { labels.push({ entry, px: px + radius + 4, py: py - radius + 2, colour, size: mark.font || 15 }); }
    }
  }
  placeLabels(ctx, labels);
  if (map.scrub) {
    const px = t.px(map.scrub.x), py = t.py(map.scrub.y);
    ring(ctx, px, py, 9, "#d62728", "white", 3, true);
    drawn.push({ kind: "scrub", label: "", x: map.scrub.x, y: map.scrub.y });
  }
  if (map.probe) {
    crosshair(ctx, t.px(map.probe.x), t.py(map.probe.y), 12, "#d62728");
    drawn.push({ kind: "probe", label: "", x: map.probe.x, y: map.probe.y });
  }
  if (map.teacher) {  // where the teacher points (teacher.js): a blue crosshair, named
    const px = t.px(map.teacher.x), py = t.py(map.teacher.y);
    crosshair(ctx, px, py, 16, "#1f4e9c");
    labelAt(ctx, "Teacher", px + 10, py - 10, "#1f4e9c", 14);
    drawn.push({ kind: "teacher", label: "Teacher", x: map.teacher.x, y: map.teacher.y });
  }
  if (map.cursor && map.cursor.shown) {
    crosshair(ctx, t.px(map.cursor.x), t.py(map.cursor.y), 18, "#111");
    drawn.push({ kind: "crosshair", label: "", x: map.cursor.x, y: map.cursor.y });
  }
  ctx.restore();
  map.marksDrawn = drawn;
}

const LABEL_LINES = 4;  // where a label may go: beside its mark, or one of the lines below

function placeLabels(ctx, labels) {
  // Names beside their marks, none over another: a class sends many alike digits, whose dots
  // meet. The newest (the last given) is placed first; one that finds no free line of the
  // few below its mark is left out (its dot stays; the board's gallery names it).
  const placed = [];
  for (const label of labels.slice().reverse()) {
    ctx.font = "bold " + label.size + "px " + FONT;
    const width = ctx.measureText(label.entry.label).width, height = label.size + 2;
    for (let line = 0; line < LABEL_LINES; line++) {
      const place = { x: label.px, y: label.py - label.size + line * height, width, height };
      if (placed.some((other) => overlap(place, other))) { continue; }
      placed.push(place);
      label.entry.labelBox = place;
      labelAt(ctx, label.entry.label, label.px, label.py + line * height, label.colour, label.size);
      break;
    }
  }
}

function overlap(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function labelAt(ctx, text, x, y, colour, size) {
  ctx.font = "bold " + size + "px " + FONT;
  ctx.textAlign = "left";
  ctx.textBaseline = "alphabetic";
  ctx.lineWidth = 4;
  ctx.lineJoin = "round";
  ctx.strokeStyle = "white";
  ctx.strokeText(text, x, y);
  ctx.fillStyle = colour;
  ctx.fillText(text, x, y);
}

function crosshair(ctx, x, y, reach, colour) {
  // Two lines with a gap at the centre, on a white halo: visible on any cluster's colour.
  const gap = 4;
  const lines = () => {
    ctx.beginPath();
    ctx.moveTo(x - reach, y); ctx.lineTo(x - gap, y); ctx.moveTo(x + gap, y); ctx.lineTo(x + reach, y);
    ctx.moveTo(x, y - reach); ctx.lineTo(x, y - gap); ctx.moveTo(x, y + gap); ctx.lineTo(x, y + reach);
  };
  ctx.lineCap = "round";
  lines();
  ctx.strokeStyle = "white";
  ctx.lineWidth = 5;
  ctx.stroke();
  lines();
  ctx.strokeStyle = colour;
  ctx.lineWidth = 2;
  ctx.stroke();
}

export function ring(ctx, x, y, r, fill, stroke, width, filled) {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  if (filled && fill) { ctx.fillStyle = fill; ctx.fill(); }
  if (stroke && width) { ctx.strokeStyle = stroke; ctx.lineWidth = width; ctx.stroke(); }
}

export function grabbable(map, t, px, py) {
  // The chosen point's mark (a ring) under the stage pixel (px, py) and its layer: {mark, source}, or null.
  for (const [source, marks] of Object.entries(map.marks)) {
    for (const mark of marks) {
      if (mark.kind === "dot") { continue; }
      if (Math.hypot(t.px(mark.x) - px, t.py(mark.y) - py) <= (mark.size || 11) + 5) { return { mark, source }; }
    }
  }
  return null;
}
