"""A drawing canvas for one digit, as an inline Streamlit v2 component (works offline).

Strokes stay in the browser until the user presses "Use drawing", so drawing does not
rerun the page; the PNG then arrives once, as a data URL trigger value.
"""

from __future__ import annotations

import base64

import streamlit as st

HTML = """
<div class="pad">
  <canvas width="280" height="280" aria-label="drawing canvas"></canvas>
  <div class="buttons">
    <button class="use" type="button">Use drawing</button>
    <button class="clear" type="button">Clear</button>
    <label>pen <input class="pen" type="range" min="6" max="34" value="18" aria-label="pen width"></label>
  </div>
</div>
"""

CSS = """
.pad { display: flex; flex-direction: column; gap: 0.5rem; align-items: flex-start; }
canvas { border: 2px solid #888; border-radius: 6px; background: white; touch-action: none;
         width: 280px; height: 280px; cursor: crosshair; }
.buttons { display: flex; gap: 0.5rem; align-items: center; flex-wrap: wrap; }
label { font-family: sans-serif; font-size: 0.9rem; display: flex; gap: 0.3rem; align-items: center; }
input.pen { width: 90px; }
button { font-size: 1rem; padding: 0.4rem 1rem; border-radius: 6px; border: 1px solid #888;
         background: white; cursor: pointer; }
button.use { background: #ff4b4b; color: white; border-color: #ff4b4b; }
"""

JS = """
export default function(component) {
  const { setTriggerValue, parentElement } = component;
  const canvas = parentElement.querySelector("canvas");
  if (canvas.dataset.ready) { return; }
  canvas.dataset.ready = "1";
  const context = canvas.getContext("2d");
  const clear = () => { context.fillStyle = "white"; context.fillRect(0, 0, 280, 280); };
  clear();
  context.lineWidth = 18; context.lineCap = "round"; context.lineJoin = "round";
  context.strokeStyle = "black";
  let drawing = false;
  const at = (event) => {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * 280 / box.width, (event.clientY - box.top) * 280 / box.height];
  };
  const pen = parentElement.querySelector("input.pen");
  canvas.addEventListener("pointerdown", (event) => {
    drawing = true; canvas.setPointerCapture(event.pointerId);
    context.lineWidth = Number(pen.value);
    const [x, y] = at(event); context.beginPath(); context.moveTo(x, y);
    context.lineTo(x + 0.1, y + 0.1); context.stroke();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drawing) { return; }
    const [x, y] = at(event); context.lineTo(x, y); context.stroke();
  });
  const stop = () => { drawing = false; };
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointerleave", stop);
  parentElement.querySelector("button.clear").addEventListener("click", clear);
  parentElement.querySelector("button.use").addEventListener("click", () => {
    setTriggerValue("drawing", canvas.toDataURL("image/png"));
  });
}
"""

_canvas = st.components.v2.component("vae_drawing_canvas", html=HTML, css=CSS, js=JS)


def drawing_canvas(key: str, on_drawing) -> None:
    """Show the canvas; after "Use drawing", `on_drawing(png_bytes)` runs as the callback of
    that event (before the rerun it causes, which can then be chosen: explorer/reruns.py)."""

    def drew() -> None:
        data_url = st.session_state[key].get("drawing")
        if data_url and "," in data_url:
            on_drawing(base64.b64decode(data_url.split(",", 1)[1]))

    _canvas(key=key, on_drawing_change=drew)
