"""Live under the pointer: the decoder in the page, measured in Chromium.

    python -m bench.live [--moves 300] [--starts 5] [--against REV] [--floor]

Measures, on the running app (the bundled VAE):
- exactness: for every bundled model, the page's decoder (window.vaeDecoder) against the
  NumPy decoder on 200 random points of [-4, 4]^2, the largest difference of a pixel;
- speed: the pointer moved over the map `--moves` times (Playwright's mouse, real input
  events); for each, from the event's timestamp to the preview naming that point
  (data-hover-z set, its pixels drawn) and to the next frame after it;
- server work: messages the page sent on its websocket while the pointer hovered;
- the decoder's file: its size, and the seconds from the map being clickable to the decoder
  ready.
With --against REV (a git revision), the start, side by side and alternating with that
revision's app, `--starts` times each: process start to a clickable map, page open on a
running server (a new browser context, the first page whole and still open) to a clickable
map, and to the whole page (the sidebar and the panels, which a new page gets in a second
step: explorer/first_page.py).
With --open-model NAME, this checkout's pages open on that model (?model=NAME).
With --floor, a page of one line of text served the same way with the project's .streamlit/
joins the alternation, and every row has its ratio to it.
Prints the conditions with the tables.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

import vae
from bench.common import conditions, summary, table
from tests import browser
from vae.store.catalog import BUNDLED

# In the page: each pointer event's timestamp, and when the preview named a point after it.
PROBE = """() => {
  const probe = window.__liveProbe = { events: [], named: [], painted: [] };
  window.addEventListener('pointermove', (e) => probe.events.push(e.timeStamp), true);
  const preview = document.querySelector('.st-key-latent_map .vae-preview');
  new MutationObserver(() => {
    const now = performance.now(), z = preview.dataset.hoverZ;
    if (z === undefined) { return; }
    probe.named.push([now, z]);
    requestAnimationFrame(() => probe.painted.push(performance.now()));
  }).observe(preview, { attributes: true, attributeFilter: ['data-hover-z'] });
}"""


def start_app(root: Path, cache: str) -> tuple[subprocess.Popen, str]:
    port = browser.free_port()
    server = browser.start_server(port, {"VAE_CACHE_DIR": cache}, script=root / "app.py")
    url = f"http://127.0.0.1:{port}"
    browser.wait_http(url, server, timeout=120)
    return server, url


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=10)


def clickable(page) -> None:
    """The map is drawn and can be clicked (the rest of the page may still be coming)."""
    browser.wait_for_map(page, timeout_ms=120_000, whole=False)


def whole_page(page) -> None:
    """The map can be clicked, and the rest of the page has come (explorer/first_page.py)."""
    browser.wait_for_map(page, timeout_ms=120_000)


def open_page(chromium, url: str, frames: list | None = None, ready=clickable, then=None):
    """A new browser context opens `url`: the page and the seconds until `ready` (and, with
    `then`, the seconds until that too: (page, seconds, then_seconds))."""
    context = chromium.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    if frames is not None:
        page.on("websocket", lambda socket: socket.on("framesent", lambda payload: frames.append(payload)))
    started = time.monotonic()
    page.goto(url)
    ready(page)
    seconds = time.monotonic() - started
    if then is None:
        return page, seconds
    then(page)
    return page, seconds, time.monotonic() - started


def floor_app() -> Path:
    """Streamlit's floor: a page of one line of text, served with the project's .streamlit/."""
    from bench.app import FLOOR_TEXT

    folder = Path(tempfile.mkdtemp(prefix="bench-live-floor-"))
    (folder / ".streamlit").mkdir()
    shutil.copy(browser.ROOT / ".streamlit" / "config.toml", folder / ".streamlit" / "config.toml")
    (folder / "app.py").write_text(FLOOR_TEXT)
    return folder


def exactness(chromium, url: str) -> list[tuple]:
    rows = []
    for name in BUNDLED:
        model = vae.load_model(name)
        # 200 random latent points of the model's own size (2, or 16), decoded by `decodeZ`.
        points = np.random.default_rng(0).uniform(-4, 4, size=(200, model.config.latent_dim))
        page, _ = open_page(chromium, f"{url}/?model={name}")
        page.wait_for_function("() => window.vaeDecoder.ready", timeout=60_000)
        started = time.perf_counter()
        decoded = np.array(page.evaluate("(zs) => zs.map((z) => window.vaeDecoder.decodeZ(z))", points.tolist()))
        per_point = (time.perf_counter() - started) * 1000 / len(points)
        expected = model.decode(points.astype(np.float32)).reshape(len(points), 784)
        difference = float(np.abs(decoded - expected).max())
        rows.append((name, f"{difference * 255:.5f}", "yes" if difference <= 1 / 255 else "NO", f"{per_point:.2f}"))
        page.context.close()
    return rows


def speed(chromium, url: str, moves: int, model: str = "") -> tuple[list[tuple], int, float, int]:
    frames: list = []
    page, _ = open_page(chromium, url + (f"/?model={model}" if model else ""), frames)
    clickable = time.monotonic()
    page.wait_for_function("() => window.vaeDecoder.ready", timeout=60_000)
    ready_s = time.monotonic() - clickable
    size = page.evaluate(
        "() => performance.getEntriesByType('resource').filter(e => e.name.includes('/decoders/'))"
        ".map(e => e.encodedBodySize || e.transferSize)[0] || 0"
    )
    browser.wait_until_idle(page)
    page.evaluate(PROBE)
    box = browser.plot_box(page)
    page.mouse.move(box["x"] + 3, box["y"] + 3)
    page.wait_for_timeout(300)
    page.evaluate(
        "() => { const p = window.__liveProbe; p.events.length = 0; p.named.length = 0; p.painted.length = 0; }"
    )
    sent = len(frames)
    rng = np.random.default_rng(1)
    for _ in range(moves):  # a wandering hand: small steps, now and then a jump
        fx, fy = rng.uniform(0.05, 0.95, size=2)
        page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
    page.wait_for_timeout(500)
    quiet = len(frames) - sent
    probe = page.evaluate("() => window.__liveProbe")
    page.context.close()
    events, named, painted = probe["events"], probe["named"], probe["painted"]
    # Each move is one pointer event and one naming; pair them in order.
    pairs = min(len(events), len(named))
    to_named = [named[i][0] - events[i] for i in range(pairs)]
    to_painted = [painted[i] - events[i] for i in range(min(pairs, len(painted)))]
    rows = []
    for name, values in (("pointer event -> preview names the point (ms)", to_named),
                         ("pointer event -> next frame after it (ms)", to_painted)):  # fmt: skip
        stats = summary(values)
        rows.append((name, f"{stats['median']:.2f}", f"{stats['p95']:.2f}", f"{stats['max']:.2f}", stats["n"]))
    if len(events) != len(named):
        rows.append((f"moves {moves}, events {len(events)}, namings {len(named)} (unpaired)", "", "", "", ""))
    return rows, quiet, ready_s, size


def old_checkout(revision: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="bench-live-old-"))
    archive = subprocess.run(["git", "archive", revision], cwd=browser.ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


FLOOR = "a one-line Streamlit page (the floor)"


def starts(chromium, revision: str, count: int, cache: str, floor: bool = False, model: str = "") -> list[tuple]:
    """Process start and page open, this checkout against `revision` (and Streamlit's floor),
    alternating; each row with its ratio to this checkout and to the floor. `model`: the app's
    pages open on it (?model=NAME)."""

    def text_shown(page):
        page.wait_for_selector("#floor", timeout=120_000)

    apps = {"this checkout": (browser.ROOT, clickable, whole_page)}
    if revision:
        apps[f"{revision}"] = (old_checkout(revision), clickable, whole_page)
    if floor:
        apps[FLOOR] = (floor_app(), text_shown, text_shown)
    measures = ("process start -> ready", "page open -> ready", "page open -> whole page")
    times = {name: {measure: [] for measure in measures} for name in apps}
    try:
        for _ in range(count):
            for name, (root, ready, whole) in apps.items():
                started = time.monotonic()
                server, url = start_app(root, cache)
                if model and name != FLOOR:
                    url += f"/?model={model}"
                try:
                    first, _ = open_page(chromium, url, ready=ready)
                    times[name]["process start -> ready"].append(time.monotonic() - started)
                    # The teacher's page comes whole and stays open, as in a class, while a
                    # student opens one on the running server: that open measures a running
                    # server, not the end of the first page (its second step, or its closing).
                    whole(first)
                    page, seconds, whole_seconds = open_page(chromium, url, ready=ready, then=whole)
                    times[name]["page open -> ready"].append(seconds)
                    times[name]["page open -> whole page"].append(whole_seconds)
                    page.context.close()
                    first.context.close()
                finally:
                    stop(server)
    finally:
        for root, *_ in apps.values():
            if root != browser.ROOT:
                shutil.rmtree(root, ignore_errors=True)
    rows = []
    for measure in measures:
        new = summary(times["this checkout"][measure])["median"]
        bottom = summary(times[FLOOR][measure])["median"] if floor else None
        for name in apps:
            median = summary(times[name][measure])["median"]
            to_floor = f"{median / bottom:.2f}" if bottom else ""
            rows.append((f"{measure}: {name} (s)", f"{median:.2f}", f"{median / new:.2f}", to_floor, count))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--moves", type=int, default=300)
    parser.add_argument(
        "--models", default="mnist-vae", help="models to hover over, one after another (e.g. mnist-vae,mnist-vae-16)"
    )
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--against", default="", help="a git revision to time the start against")
    parser.add_argument("--floor", action="store_true", help="time the start against a one-line Streamlit page too")
    parser.add_argument("--open-model", default="", help="time the start with the app's pages on this model")
    args = parser.parse_args()
    print(conditions())
    cache = str(browser.ROOT / ".bench-cache" / "live")
    with sync_playwright() as playwright:
        chromium = browser.launch_chromium(playwright)
        server, url = start_app(browser.ROOT, cache)
        try:
            exact = exactness(chromium, url)
            hovering = {model: speed(chromium, url, args.moves, model) for model in args.models.split(",")}
        finally:
            stop(server)
        start_rows = (
            starts(chromium, args.against, args.starts, cache, args.floor, args.open_model)
            if args.against or args.floor
            else []
        )
        chromium.close()
    print("\nThe page's decoder against NumPy, 200 random points each:")
    print(table(exact, ("model", "largest difference (of 255)", "within 1/255", "ms a point in the page")))
    for model, (speeds, quiet, ready_s, size) in hovering.items():
        print(f"\nHovering over {model}'s map, {args.moves} moves of the pointer:")
        print(table(speeds, ("measure", "median", "p95", "max", "n")))
        print(f"messages sent to the server while hovering: {quiet}")
        print(f"decoder file: {size / 1e6:.2f} MB; ready {ready_s:.2f} s after the map was clickable")
    if start_rows:
        print("\nThe start, side by side, alternating (medians; ratios to this checkout and to the floor):")
        print("'ready': the map can be clicked (the floor: its line of text is shown); 'whole page': the")
        print("sidebar and the panels have come too (explorer/first_page.py)")
        print(table(start_rows, ("measure", "median", "/ this", "/ floor", "n")))


if __name__ == "__main__":
    main()
