"""Digits drawn with a mouse on the app's own canvas in Chromium, saved as the canvas's PNGs.

Each digit is a few strokes (templates below, in a unit box), drawn with a random slant,
size, aspect, place and pen width, and a little tremor, as people draw with a mouse.
Used by bench/handwriting.py.
"""

from __future__ import annotations

import base64
import math
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

from tests import browser


def arc(cx, cy, rx, ry, start, end, steps=14):
    return [
        (cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
        for a in np.linspace(start, end, steps)
    ]


# Strokes of each digit in a unit box (x right, y down), as a person might draw them.
TEMPLATES = {
    0: [arc(0.5, 0.5, 0.32, 0.45, -90, 275, 24)],
    1: [[(0.38, 0.2), (0.55, 0.05), (0.55, 0.95)]],
    2: [arc(0.5, 0.3, 0.3, 0.25, 200, 380) + [(0.75, 0.42), (0.2, 0.95), (0.85, 0.95)]],
    3: [arc(0.48, 0.28, 0.28, 0.23, 210, 450) + arc(0.48, 0.72, 0.32, 0.25, 270, 500)],
    4: [[(0.62, 0.05), (0.15, 0.68), (0.85, 0.68)], [(0.62, 0.3), (0.62, 0.97)]],
    5: [[(0.8, 0.06), (0.28, 0.06), (0.24, 0.45)] + arc(0.48, 0.68, 0.32, 0.28, 235, 500)],
    6: [[(0.68, 0.05)] + arc(0.5, 0.7, 0.3, 0.27, 200, 560)],
    7: [[(0.15, 0.08), (0.85, 0.08), (0.38, 0.96)]],
    8: [arc(0.5, 0.27, 0.25, 0.22, 90, 450) + arc(0.5, 0.72, 0.3, 0.25, -90, 270)],
    9: [arc(0.5, 0.3, 0.28, 0.24, 0, 360) + [(0.78, 0.3), (0.72, 0.97)]],
}


def strokes_on_canvas(digit: int, rng, box: dict) -> list[list[tuple[float, float]]]:
    """The digit's strokes in page coordinates, with a random hand."""
    size = rng.uniform(0.45, 0.85) * box["width"]
    aspect = rng.uniform(0.65, 1.05)
    shear = rng.uniform(-0.3, 0.3)
    left = box["x"] + rng.uniform(0.05, 0.95 - 0.8 * size / box["width"]) * box["width"]
    top = box["y"] + rng.uniform(0.03, 0.97 - size / box["height"]) * box["height"]
    out = []
    for stroke in TEMPLATES[digit]:
        points = []
        for x, y in stroke:
            x, y = x + rng.normal(0, 0.012), y + rng.normal(0, 0.012)  # tremor
            points.append((left + (x * aspect + shear * (1 - y)) * size * 0.8, top + y * size))
        out.append(points)
    return out


def set_pen(page, width: int) -> None:
    page.locator("input.pen").evaluate("(element, value) => { element.value = value; }", str(width))


def draw_all(folder: Path, per_digit: int = 12, seed: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    with (
        browser.streamlit_server({"VAE_CACHE_DIR": str(folder.parent / ".drawings-cache")}) as url,
        sync_playwright() as playwright,
    ):
        chromium = browser.launch_chromium(playwright)
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        browser.wait_for_map(page)
        page.get_by_role("tab", name="Your digit").click()
        canvas = page.locator("canvas[aria-label='drawing canvas']")
        canvas.scroll_into_view_if_needed()
        for digit in range(10):
            for number in range(per_digit):
                page.get_by_role("button", name="Clear").click()
                set_pen(page, int(rng.integers(8, 30)))
                box = canvas.bounding_box()
                for stroke in strokes_on_canvas(digit, rng, box):
                    page.mouse.move(*stroke[0])
                    page.mouse.down()
                    for point in stroke[1:]:
                        page.mouse.move(*point, steps=3)
                    page.mouse.up()
                data_url = canvas.evaluate("(element) => element.toDataURL('image/png')")
                (folder / f"{digit}-{number:02d}.png").write_bytes(base64.b64decode(data_url.split(",", 1)[1]))
        chromium.close()
