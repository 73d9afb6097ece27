"""The explorer as a person meets it, timed in Chromium.

    python -m bench.app [--clicks 30] [--starts 3] [--floor]

Measures:
- process start to interactive map: `streamlit run app.py` launched, the page opened, the
  10,000 points drawn and the map ready for clicks (its click layer attached);
- click to decoded image, at a person's pace (one click a second) and clicking as fast as
  the page answers (the next click as soon as the previous image shows), on empty space
  and on digits; a click whose image never shows is counted as lost.
With --floor, what the start cannot go below, side by side with the app (alternating): the
same `streamlit run` and Chromium with a page of one line of text, and with a page of only
the app's own latent-map figure (the bundled VAE's 10,000 points, its prior rings).
Prints the conditions with the table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import streamlit.logger
from playwright.sync_api import sync_playwright

from bench.common import conditions, summary, table
from tests import browser
from vae.plots import figures

PAUSE_S = 1.0
FLOOR_TEXT = """import streamlit as st

st.markdown('<div id="floor">ready</div>', unsafe_allow_html=True)
"""
FLOOR_MAP = f"""import json, sys
sys.path.insert(0, {str(browser.ROOT)!r})
from explorer import map_view

figure = json.load(open("map.json"))
map_view.show("latent_map", "floor", figure["base"], figure["traces"], figure["layout"])
"""
FLOOR_PLOTLY = """import plotly.io
import streamlit as st

figure = plotly.io.from_json(open("plotly.json").read(), skip_invalid=True)
st.plotly_chart(figure, key="latent_map", width="stretch")
"""


def click_and_time(page, px: float, py: float) -> float | None:
    """Milliseconds from the click until a new heading and its decoded image show (None: lost)."""
    before = page.evaluate(browser.HEADINGS_JS)
    start = time.perf_counter()
    page.mouse.click(px, py)
    try:
        page.wait_for_function(browser.NEW_IMAGE_JS, arg=before, timeout=5_000, polling="raf")
    except Exception:
        return None
    return (time.perf_counter() - start) * 1000


def targets(page, clicks: int, row: float = 0.06) -> list[tuple[float, float]]:
    """Alternately empty space (a row near the top of the map) and a digit near its class's
    centre; each call with another `row` gives points that no other call gives."""
    box = browser.plot_box(page)
    points = []
    for i in range(clicks):
        if i % 2:
            x, y, _ = page.evaluate(browser.data_point_js(), [str(i % 10), int(5 + i + 100 * row)])
            points.append(tuple(page.evaluate(browser.to_page_js(), [x, y])))
        else:
            points.append((box["x"] + box["width"] * (0.05 + 0.9 * i / clicks), box["y"] + box["height"] * row))
    return points


def open_page(chromium, cache: str, moments: dict, script: Path = browser.ROOT / "app.py") -> tuple:
    """`streamlit run script`, then the page in Chromium, timed: seconds from the process start
    to each moment (a function that waits on the page), in order; and the server and the page."""
    port = browser.free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    server = browser.start_server(port, {"VAE_CACHE_DIR": cache}, script=script)
    try:
        browser.wait_http(url, server, timeout=120)
        page = chromium.new_page(viewport={"width": 1500, "height": 1000})
        page.goto(url)
        seconds = {}
        for name, wait in moments.items():
            wait(page)
            seconds[name] = time.monotonic() - started
    except BaseException:
        server.terminate()
        raise
    return seconds, server, page


def interactive(page) -> None:
    """The map can be clicked (the sidebar and the panels may still be coming)."""
    browser.wait_for_map(page, timeout_ms=120_000, whole=False)


def whole(page) -> None:
    """The rest of the page has come too (its second step: explorer/first_page.py)."""
    browser.wait_for_map(page, timeout_ms=120_000)


def map_figure() -> dict:
    """The latent map as the app's first page draws it: the bundled VAE, its prior rings."""
    streamlit.logger.set_log_level("error")  # the app's caches, used outside a server, warn
    from explorer import frame, latent_map, style
    from vae.store.catalog import DEFAULT_MODEL

    shown = frame.build(DEFAULT_MODEL)
    return {
        "base": shown.traces,
        "encoded": shown.encoded,
        "traces": figures.prior_traces(),
        "layout": latent_map.layout(shown, {"prior": True}, style.MAP_HEIGHT["normal"]),
    }


def plotly_drawn(page) -> None:
    """The same figure drawn by Plotly (as the app did before 2026-12-02): its points are on."""
    page.wait_for_function(
        """() => { const gd = document.querySelector('.js-plotly-plot');
                   return !!gd && (gd._fullData || []).filter(t => t.customdata).length > 0 && !!gd.querySelector('.nsewdrag'); }""",
        timeout=120_000,
    )


def map_drawn(page) -> None:
    browser.wait_for_points(page, timeout_ms=120_000)


def timed_start(chromium, script: Path, cache: str, moments: dict) -> dict[str, float]:
    """Seconds from `streamlit run` to each moment; the page and the server are closed after."""
    seconds, server, page = open_page(chromium, cache, moments, script)
    page.close()
    server.terminate()
    server.wait(timeout=10)
    return seconds


def floor(chromium, cache: str, starts: int) -> list[tuple]:
    """The app's start beside a page of text and a page of only its map, alternating."""
    folder = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    try:
        (folder / ".streamlit").mkdir()
        shutil.copy(browser.ROOT / ".streamlit" / "config.toml", folder / ".streamlit" / "config.toml")
        (folder / "text.py").write_text(FLOOR_TEXT)
        (folder / "map.py").write_text(FLOOR_MAP)
        figure = map_figure()
        overlays = [{k: v.tolist() if hasattr(v, "tolist") else v for k, v in t.items()} for t in figure["traces"]]
        payload = {"base": figure["encoded"], "traces": overlays, "layout": figure["layout"]}
        (folder / "map.json").write_text(json.dumps(payload))
        (folder / "plotly_map.py").write_text(FLOOR_PLOTLY)  # not plotly.py: that would hide the package
        plotly_figure = figures.plotly_figure(figure["base"] + figure["traces"], figure["layout"])
        (folder / "plotly.json").write_text(plotly_figure.to_json())
        kinds = {
            "a page of one line of text: shown": (
                folder / "text.py",
                {"shown": lambda p: p.wait_for_selector("#floor")},
            ),
            "a page of only the map (canvas, as the app): drawn": (folder / "map.py", {"drawn": map_drawn}),
            "a page of only the same map drawn by Plotly: drawn": (folder / "plotly_map.py", {"drawn": plotly_drawn}),
            "the app: map drawn / interactive / whole page": (
                browser.ROOT / "app.py",
                {"drawn": map_drawn, "interactive": interactive, "whole": whole},
            ),
        }
        times = {name: [] for name in kinds}
        for _ in range(starts):
            for name, (script, moments) in kinds.items():
                times[name].append(timed_start(chromium, script, cache, moments))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rows = []
    for name, runs in times.items():
        medians = {moment: summary([run[moment] for run in runs])["median"] for moment in runs[0]}
        rows.append((f"{name} (s)", " / ".join(f"{v:.2f}" for v in medians.values()), len(runs)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clicks", type=int, default=30)
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--floor", action="store_true", help="also time a page of text and a page of only the map")
    args = parser.parse_args()
    print(conditions())
    cache = str(browser.ROOT / ".bench-cache" / f"app-{os.getpid()}")
    start_times, paced, fast, lost = [], [], [], {"paced": 0, "fast": 0}
    with sync_playwright() as playwright:
        chromium = browser.launch_chromium(playwright)
        for run in range(args.starts):
            seconds, server, page = open_page(chromium, cache, {"interactive": interactive, "whole": whole})
            start_times.append(seconds["interactive"])
            try:
                if run == args.starts - 1:
                    time.sleep(1.0)
                    for px, py in targets(page, args.clicks):
                        time.sleep(PAUSE_S)  # a person's pace: the previous answer has settled
                        result = click_and_time(page, px, py)
                        paced.append(result) if result is not None else lost.update(paced=lost["paced"] + 1)
                    for px, py in targets(page, args.clicks, row=0.12):
                        result = click_and_time(page, px, py)  # as soon as the previous image shows
                        fast.append(result) if result is not None else lost.update(fast=lost["fast"] + 1)
            finally:
                page.close()
                server.terminate()
                server.wait(timeout=10)
        floor_rows = floor(chromium, cache, args.starts) if args.floor else []
        chromium.close()
    rows = [
        (
            "process start -> interactive map (s)",
            *(f"{v:.2f}" for k, v in summary(start_times).items() if k != "n"),
            len(start_times),
            "",
        )
    ]
    for name, values, key in (
        ("click -> image, one per second (ms)", paced, "paced"),
        ("click -> image, clicking fast (ms)", fast, "fast"),
    ):
        stats = summary(values) if values else {"median": 0, "p95": 0, "max": 0}
        rows.append(
            (name, f"{stats['median']:.0f}", f"{stats['p95']:.0f}", f"{stats['max']:.0f}", len(values), lost[key])
        )
    print(table(rows, ("measure", "median", "p95", "max", "n", "lost")))
    if floor_rows:
        print("\nThe start's floor, side by side (process start -> the moment named, medians):")
        print(table(floor_rows, ("page", "median", "n")))


if __name__ == "__main__":
    main()
