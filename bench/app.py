"""The explorer as a person meets it, timed in Chromium.

    python -m bench.app [--clicks 30] [--starts 3]

Measures:
- process start to interactive map: `streamlit run app.py` launched, the page opened, the
  10,000 points drawn and the map ready for clicks (its click layer attached);
- click to decoded image, at a person's pace (one click a second) and clicking as fast as
  the page answers (the next click as soon as the previous image shows), on empty space
  and on digits; a click whose image never shows is counted as lost.
Prints the conditions with the table.
"""

from __future__ import annotations

import argparse
import os
import time

from playwright.sync_api import sync_playwright

from bench.common import conditions, summary, table
from tests import browser

PAUSE_S = 1.0


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


def start_and_open(chromium, cache: str) -> tuple[float, object, object]:
    port = browser.free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    server = browser.start_server(port, {"VAE_CACHE_DIR": cache})
    browser.wait_http(url, server, timeout=120)
    page = chromium.new_page(viewport={"width": 1500, "height": 1000})
    page.goto(url)
    browser.wait_for_map(page, timeout_ms=120_000)
    return time.monotonic() - started, server, page


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clicks", type=int, default=30)
    parser.add_argument("--starts", type=int, default=3)
    args = parser.parse_args()
    print(conditions())
    cache = str(browser.ROOT / ".bench-cache" / f"app-{os.getpid()}")
    start_times, paced, fast, lost = [], [], [], {"paced": 0, "fast": 0}
    with sync_playwright() as playwright:
        chromium = browser.launch_chromium(playwright)
        for run in range(args.starts):
            seconds, server, page = start_and_open(chromium, cache)
            start_times.append(seconds)
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


if __name__ == "__main__":
    main()
