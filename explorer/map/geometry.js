// The map's geometry: pure functions of plain values (no page, no events), as d3-zoom keeps
// its transform apart from its behaviour. A view is {x: [low, high], y: [low, high]} in
// latent units; a box is the plotting area in CSS pixels {left, top, width, height}.

export const MARGIN = { left: 56, right: 10, top: 32, bottom: 46 };

export function fitted(view, box) {
  // The view with equal scales: the axis that would be squeezed is widened about its middle.
  const { x, y } = view;
  const scale = Math.min(box.width / (x[1] - x[0]), box.height / (y[1] - y[0]));
  const half = (range, pixels) => { const mid = (range[0] + range[1]) / 2, h = pixels / scale / 2; return [mid - h, mid + h]; };
  return { x: half(x, box.width), y: half(y, box.height), scale };
}

export function transform(view, box) {
  // Latent units <-> pixels of the stage (the plotting area starts at box.left, box.top).
  const v = fitted(view, box);
  return {
    ...v,
    px: (x) => box.left + (x - v.x[0]) * v.scale,
    py: (y) => box.top + (v.y[1] - y) * v.scale,
    lx: (px) => v.x[0] + (px - box.left) / v.scale,
    ly: (py) => v.y[1] - (py - box.top) / v.scale,
  };
}

export function zoomedView(view, box, factor, fx, fy) {
  // The view scaled by `factor` about the point at fractions (fx, fy) of the plotting area.
  const v = fitted(view, box), cx = v.x[0] + fx * (v.x[1] - v.x[0]), cy = v.y[1] - fy * (v.y[1] - v.y[0]);
  return { x: v.x.map((x) => cx + (x - cx) * factor), y: v.y.map((y) => cy + (y - cy) * factor) };
}

export function pannedView(view, dx, dy, scale) {
  // The view moved with a drag of (dx, dy) pixels: the content follows the hand.
  return { x: view.x.map((v) => v - dx / scale), y: view.y.map((v) => v + dy / scale) };
}

export function inside(view, box, x, y) {
  const v = fitted(view, box);
  return x >= v.x[0] && x <= v.x[1] && y >= v.y[0] && y <= v.y[1];
}

export function clampedTo(view, box, x, y) {
  // (x, y) moved into the view, so a crosshair never leaves what is shown.
  const v = fitted(view, box), clamp = (a, [low, high]) => Math.min(high, Math.max(low, a));
  return [clamp(x, v.x), clamp(y, v.y)];
}

export function ticks(low, high, wanted) {
  // Round steps of 1, 2 or 5 times a power of ten, about `wanted` of them.
  const raw = (high - low) / Math.max(2, wanted), power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) || raw;
  const out = [];
  for (let v = Math.ceil(low / step) * step; v <= high + 1e-9; v += step) { out.push(Math.abs(v) < step / 1e6 ? 0 : v); }
  return out;
}

export function tickLabel(v) { return String(Number(v.toPrecision(6))).replace("-", "−"); }

export function polylineLength(xs, ys) {
  // Cumulative lengths along the points (NaN breaks are skipped): [0, ..., total].
  const lengths = [0];
  for (let i = 1; i < xs.length; i++) {
    const step = Math.hypot(xs[i] - xs[i - 1], ys[i] - ys[i - 1]);
    lengths.push(lengths[i - 1] + (Number.isFinite(step) ? step : 0));
  }
  return lengths;
}

export function pointAlong(xs, ys, fraction) {
  // The point at `fraction` (0..1) of the way along a polyline, by length.
  const { x, y } = placeAlong(xs, ys, fraction);
  return [x, y];
}

export function placeAlong(xs, ys, fraction) {
  // The same, with where it lies: {x, y, i, f}, on the segment from vertex i - 1 to vertex i,
  // a fraction f of the way.
  const lengths = polylineLength(xs, ys), total = lengths[lengths.length - 1];
  if (!(total > 0)) { return { x: xs[0], y: ys[0], i: 1, f: 0 }; }
  const goal = Math.min(1, Math.max(0, fraction)) * total;
  let i = 1;
  while (i < lengths.length - 1 && lengths[i] < goal) { i += 1; }
  const span = lengths[i] - lengths[i - 1], f = span > 0 ? (goal - lengths[i - 1]) / span : 0;
  return { x: xs[i - 1] + f * (xs[i] - xs[i - 1]), y: ys[i - 1] + f * (ys[i] - ys[i - 1]), i, f };
}

export function formatZ(x, y, digits = 2) { return "(" + x.toFixed(digits) + ", " + y.toFixed(digits) + ")"; }
