// The figure's data as map_view.py sends it: the subset of Plotly's format that
// vae/plots/figures.py writes (scatter traces of markers, lines and text; a layout with ranges,
// a legend, images and annotations). Arrays travel as base64 of float32 or int32.

export function decodeArray(value) {
  // {b64, dtype} -> Float32Array or Int32Array; NaN (a break in a line) stays NaN.
  if (!value || typeof value !== "object" || !("b64" in value)) { return value; }
  const text = atob(value.b64), bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) { bytes[i] = text.charCodeAt(i); }
  return value.dtype === "i32" ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
}

export function decodeTrace(trace) {
  return { ...trace, x: decodeArray(trace.x), y: decodeArray(trace.y), customdata: decodeArray(trace.customdata) };
}

export function group(trace) { return trace.legendgroup || trace.name || ""; }

export function modes(trace) { return (trace.mode || "markers").split("+"); }

export function plainDots(trace) {
  // The test set's classes: round dots with no outline, stamped together (points.js).
  const marker = trace.marker || {};
  return (trace.mode || "markers") === "markers" && (marker.symbol || "circle") === "circle" && !(marker.line && marker.line.width);
}

export function legendEntries(traces) {
  // One entry per legend group (a class, the prior's rings, an upload), in drawing order.
  const seen = new Set();
  return traces.filter((trace) => {
    const name = group(trace);
    if (trace.showlegend === false || !trace.name || seen.has(name)) { return false; }
    seen.add(name);
    return true;
  });
}

export function pathTrace(traces) {
  // The drawn path (vae/plots/figures.py path_traces): its interpolated points, or null.
  const path = traces.find((trace) => trace.name === "path" && trace.x && trace.x.length >= 2);
  return path || null;
}

export function hoverText(trace, i) {
  // A trace's hover template filled in for its i-th point, as lines of text.
  return trace.hovertemplate.replace(/<extra>.*?<\/extra>/, "")
    .replace(/%\{customdata\}/g, trace.customdata ? String(trace.customdata[i]) : "")
    .replace(/%\{x(:\.(\d)f)?\}/g, (_, __, d) => trace.x[i].toFixed(d ? Number(d) : 2))
    .replace(/%\{y(:\.(\d)f)?\}/g, (_, __, d) => trace.y[i].toFixed(d ? Number(d) : 2))
    .split("<br>");
}

export function visible(hidden, trace) { return !hidden.has(group(trace)); }
