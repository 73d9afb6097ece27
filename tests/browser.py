"""Helpers to run the real app with `streamlit run` and drive it with Debian's Chromium."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(env_overrides: dict[str, str] | None = None, timeout: float = 90.0):
    """Start `streamlit run app.py` on a free loopback port; yields its URL."""
    port = free_port()
    env = {**os.environ, **(env_overrides or {})}
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("streamlit did not start:\n" + (process.stdout.read() if process.stdout else ""))
            time.sleep(0.25)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


MAP_POINTS_JS = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  if (!gd || !gd._fullData) { return -1; }
  return gd._fullData.filter(t => t.customdata && t.type === 'scattergl')
                     .reduce((n, t) => n + t.x.length, 0);
}"""

# Page coordinates of a latent point, and the latent point under page coordinates.
TO_PAGE_JS = """([x, y]) => {
  const gd = document.querySelector('.js-plotly-plot');
  const box = gd.getBoundingClientRect(), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  return [box.left + xa._offset + xa.l2p(x), box.top + ya._offset + ya.l2p(y)];
}"""
TO_LATENT_JS = """([px, py]) => {
  const gd = document.querySelector('.js-plotly-plot');
  const box = gd.getBoundingClientRect(), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  return [xa.p2l(px - box.left - xa._offset), ya.p2l(py - box.top - ya._offset),
          xa.range[1] - xa.range[0], ya.range[1] - ya.range[0]];
}"""
# The rank-th point of a class counted from the class's centre (always inside the view).
DATA_POINT_JS = """([name, rank]) => {
  const gd = document.querySelector('.js-plotly-plot');
  const trace = gd._fullData.find(t => t.name === name && t.customdata);
  const n = trace.x.length;
  const mx = trace.x.reduce((a, b) => a + b, 0) / n, my = trace.y.reduce((a, b) => a + b, 0) / n;
  const order = [...Array(n).keys()].sort((a, b) =>
      ((trace.x[a] - mx) ** 2 + (trace.y[a] - my) ** 2) - ((trace.x[b] - mx) ** 2 + (trace.y[b] - my) ** 2));
  const i = order[rank];
  return [trace.x[i], trace.y[i], trace.customdata[i]];
}"""


def wait_for_map(page, timeout_ms: int = 90_000) -> None:
    page.wait_for_selector(".js-plotly-plot .nsewdrag", timeout=timeout_ms)
    page.wait_for_function(f"({MAP_POINTS_JS})() > 0", timeout=timeout_ms)


def wait_until_idle(page, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit reports no script running (its status widget is gone)."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)
