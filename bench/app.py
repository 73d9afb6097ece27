"""The explorer as a person meets it, timed in Chromium.

    python -m bench.app [--clicks 20]

Measures: process start to interactive map (10,000 points drawn and clickable), and click
to decoded image visible, on empty space and on data points. Prints the conditions.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request

from playwright.sync_api import sync_playwright

from bench.common import conditions, summary, table
from tests.browser import (CHROMIUM_ARGS, CHROMIUM, DATA_POINT_JS, MAP_POINTS_JS, ROOT,
                           TO_PAGE_JS, free_port)

def start_server(port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "VAE_CACHE_DIR": str(ROOT / ".bench-cache")})


def wait_http(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


PAUSE_S = 1.0
HEADING_JS = "() => [...document.querySelectorAll('h3')].map(h => h.textContent).join('|')"


def click_and_time(page, px: float, py: float, heading_prefix: str = "") -> float:
    """Milliseconds from the click until a new heading and its decoded image are shown.

    A click may land on a digit or on empty space whatever was aimed at; both count.
    """
    time.sleep(PAUSE_S)  # a person's pace: the previous answer has settled
    before = page.evaluate(HEADING_JS)
    start = time.perf_counter()
    page.mouse.click(px, py)
    page.wait_for_function(
        """([before, prefix]) => {
             const headings = [...document.querySelectorAll('h3')].map(h => h.textContent);
             const images = [...document.querySelectorAll("[data-testid='stImage'] img")];
             return headings.join('|') !== before
                    && images.length > 0 && images.every(img => img.complete && img.naturalWidth > 0); }""",
        arg=[before, heading_prefix], timeout=10_000, polling="raf")
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument("--starts", type=int, default=3)
    args = parser.parse_args()
    print(conditions())
    start_times, empty_ms, point_ms = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for run in range(args.starts):
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            t0 = time.monotonic()
            server = start_server(port)
            try:
                wait_http(url, t0 + 120)
                page = browser.new_page(viewport={"width": 1500, "height": 1100})
                page.goto(url)
                page.wait_for_function(f"({MAP_POINTS_JS})() === 10000", timeout=120_000, polling="raf")
                page.wait_for_selector(".js-plotly-plot .nsewdrag")
                start_times.append(time.monotonic() - t0)
                if run == args.starts - 1:
                    time.sleep(1.0)
                    box = page.locator(".js-plotly-plot .nsewdrag").first.bounding_box()
                    for i in range(args.clicks):
                        fx, fy = 0.80 + 0.015 * (i % 10), 0.05 + 0.02 * (i % 4)
                        empty_ms.append(click_and_time(page, box["x"] + box["width"] * fx,
                                                       box["y"] + box["height"] * fy, "Decoded z ="))
                        x, y, _ = page.evaluate(DATA_POINT_JS, [str(i % 10), 7 + i])
                        px, py = page.evaluate(TO_PAGE_JS, [x, y])
                        point_ms.append(click_and_time(page, px, py, "Test #"))
                page.close()
            finally:
                server.terminate()
                server.wait(timeout=10)
        browser.close()
    rows = [("process start -> interactive map (s)", *(f"{v:.2f}" for v in summary(start_times).values()))]
    for name, values in (("click empty space -> image (ms)", empty_ms), ("click data point -> image (ms)", point_ms)):
        rows.append((name, *(f"{v:.0f}" if k != "n" else str(v) for k, v in summary(values).items())))
    print(table(rows, ("measure", "median", "p95", "max", "n")))


if __name__ == "__main__":
    main()
