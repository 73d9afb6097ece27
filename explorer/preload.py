"""Have the browser load Plotly while the server still prepares the first page.

Streamlit's front end fetches and compiles its Plotly chunk (4.7 MB) only when the first chart
arrives, and the latent map is the last element a run sends. On a fresh page that put the
chunk's half second after the whole script run. This inline component is the first element
the page sends: it imports the same module (the browser's module map keeps one copy), so the
chunk is ready when the map arrives. Nothing is drawn; without the chunk file (another
Streamlit build), it does nothing.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

_JS_DIR = Path(st.__file__).parent / "static" / "static" / "js"
CHUNK = next(iter(sorted(p.name for p in _JS_DIR.glob("PlotlyChart.*.js"))), None)

JS = """
export default function(component) {
  const chunk = (component.data || [])[0];
  if (!chunk || window.__vaePlotly) { return; }
  // Streamlit's own entry script: the chunk lies beside it, and the same URL means one module.
  const entry = document.querySelector('script[type="module"][src*="/static/js/"]');
  if (entry) { window.__vaePlotly = import(new URL(chunk, entry.src).href).catch(() => null); }
}
"""

_component = st.components.v2.component("vae_plotly_preload", html="<span></span>", js=JS)


def plotly() -> None:
    """Start loading Plotly in this page (once per page; a list, so no pandas is imported)."""
    if CHUNK:
        _component(key="plotly_preload", data=[CHUNK], height=0)
