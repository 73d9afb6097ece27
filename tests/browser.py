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
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
MAP = "latent_map"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    port: int, env_overrides: dict[str, str] | None = None, log=subprocess.DEVNULL, script: Path = ROOT / "app.py"
) -> subprocess.Popen:
    env = {**os.environ, **(env_overrides or {})}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script.name,
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
    ]
    return subprocess.Popen(command, cwd=script.parent, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)


def wait_http(url: str, process: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("streamlit did not start")
        time.sleep(0.1)


@contextlib.contextmanager
def streamlit_server(env_overrides: dict[str, str] | None = None, log_path: Path | None = None):
    """Start `streamlit run app.py` on a free loopback port; yields its URL."""
    port = free_port()
    log = open(log_path, "w") if log_path else subprocess.DEVNULL
    process = start_server(port, env_overrides, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        if log_path:
            log.close()


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def plot(key: str = MAP) -> str:
    """A JS expression: the map drawn under `key` (explorer/map/main.js), or undefined."""
    return f"(document.querySelector('.st-key-{key} .vae-map') || {{}}).__vaeMap"


def traces_named(name: str, key: str = MAP) -> str:
    """A JS expression: the drawn traces of map `key` named `name` ([] while it is not drawn)."""
    return f"((({plot(key)}) || {{}}).traces || []).filter(t => t.name === {name!r})"


def map_points_js(key: str = MAP) -> str:
    """How many test digits the map `key` draws (-1 while it is not drawn)."""
    return f"""() => {{
      const map = {plot(key)};
      if (!map || !map.drawn) {{ return -1; }}
      return map.traces.filter(t => t.customdata).reduce((n, t) => n + t.x.length, 0);
    }}"""


def to_page_js(key: str = MAP) -> str:
    """Page coordinates of a latent point on map `key`."""
    return f"([x, y]) => {plot(key)}.toPage(x, y)"


def to_latent_js(key: str = MAP) -> str:
    """The latent point under page coordinates on map `key`, and the axes' spans."""
    return f"""([px, py]) => {{
      const map = {plot(key)}, g = map.geometry();
      return [...map.toLatent(px, py), g.x[1] - g.x[0], g.y[1] - g.y[0]];
    }}"""


def data_point_js(key: str = MAP) -> str:
    """The rank-th point of a class counted from the class's centre: [x, y, test index]."""
    return f"""([name, rank]) => {{
      const trace = {plot(key)}.traces.find(t => t.name === name && t.customdata);
      const n = trace.x.length;
      const mx = trace.x.reduce((a, b) => a + b, 0) / n, my = trace.y.reduce((a, b) => a + b, 0) / n;
      const order = [...Array(n).keys()].sort((a, b) =>
          ((trace.x[a] - mx) ** 2 + (trace.y[a] - my) ** 2) - ((trace.x[b] - mx) ** 2 + (trace.y[b] - my) ** 2));
      const i = order[rank];
      return [trace.x[i], trace.y[i], trace.customdata[i]];
    }}"""


def wait_for_mark(page, label: str, key: str = MAP, kind: str | None = None, timeout_ms: int = 90_000) -> None:
    """A mark labelled `label` (of `kind`: "ring", "dot") is drawn over the map `key`."""
    page.wait_for_function(
        f"([label, kind]) => (({plot(key)}) || {{}}).marks?.some(m => m.label === label && (!kind || m.kind === kind))",
        arg=[label, kind],
        timeout=timeout_ms,
    )


def plot_box(page, key: str = MAP) -> dict:
    """The map's plotting area on the page (x, y, width, height)."""
    return page.locator(f".st-key-{key} .vae-map-plot").first.bounding_box()


def wait_for_points(page, key: str = MAP, timeout_ms: int = 90_000) -> None:
    """The map `key` exists and draws test digits (before its click layer is attached)."""
    page.wait_for_function(f"({map_points_js(key)})() > 0", timeout=timeout_ms)


# The explore page's panels: they come in the page's second step (explorer/first_page.py).
WHOLE_PAGE = ".st-key-panel_tab"


def wait_for_map(page, key: str = MAP, timeout_ms: int = 90_000, whole: bool = True) -> None:
    """The map `key` is drawn and can be clicked; on the explore page (`whole`) the rest of
    the page has come too (the sidebar, the panels: the page's second step)."""
    wait_for_points(page, key, timeout_ms)
    # The map layer has attached to the map: clicks on it now reach the server.
    page.wait_for_function(
        f"() => {{ const map = {plot(key)}; return !!map && map.attached === true; }}", timeout=timeout_ms
    )
    if whole and key == MAP:
        page.wait_for_selector(WHOLE_PAGE, state="attached", timeout=timeout_ms)


def wait_until_idle(page, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit reports no script running (its status widget is gone)."""
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)


HEADINGS_JS = "() => [...document.querySelectorAll('h3')].map(h => h.textContent).join('|')"
NEW_IMAGE_JS = """(before) => {
  const headings = [...document.querySelectorAll('h3')].map(h => h.textContent).join('|');
  const images = [...document.querySelectorAll("[data-testid='stImage'] img")];
  return headings !== before && images.length > 0 && images.every(img => img.complete && img.naturalWidth > 0);
}"""


def click_and_wait(page, px: float, py: float, timeout_ms: int = 10_000) -> None:
    """Click the page and wait until a new heading and its decoded image are shown."""
    before = page.evaluate(HEADINGS_JS)
    page.mouse.click(px, py)
    page.wait_for_function(NEW_IMAGE_JS, arg=before, timeout=timeout_ms, polling="raf")


def decoded_z(page) -> tuple[float, float]:
    text = page.locator("h3", has_text="Decoded z =").first.inner_text()
    x, y = text.split("(")[1].rstrip(")").split(",")
    return float(x), float(y)
