"""A 16-D model's views, measured in Chromium and in process.

    python -m bench.views [--repeats 5] [--no-background] [--quick] [--against REV] [--views-only]

Measures, on a running app (a warm server, one Chromium page):
- model → PCA plane: the sidebar's model changed from `mnist-vae` to `mnist-vae-16` (and back),
  from the choice to the new map drawn (its label names the model; goal: the plane <= 1 s);
- switching views under the map: "Slice through the point", "Neighbours (t-SNE)", "PCA plane",
  and another pair of components, from the press to the new view drawn (goal <= 0.3 s), and to
  the server's run after it come (the caption under the chooser names the view); with --against
  REV, that revision's app too, a press on each in turn (side by side);
- the neighbours layout in process: openTSNE on the 10,000 16-D means (both cores), and
  placing one upload on it (the first, which builds openTSNE's affinities, and a later one);
- in the background (unless --no-background): a copy of `mnist-vae-16` without its layout, as
  if trained here, opened on the neighbours view: seconds until the layout is on the map (goal
  <= 60 s), and a click's time to its decoded picture while the layout is computed against
  after (the page must stay usable).
Prints the conditions with the tables.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

import vae
from bench.common import conditions, summary, table
from bench.live import old_checkout, start_app, stop
from tests import browser
from vae.analysis import neighbours
from vae.store.catalog import bundled_path

VIEW_JS = "() => document.querySelector('.st-key-latent_map .vae-map')?.dataset.view"
# The new map drawn: its name (or view) is the new one, and its 10,000 points are drawn (while
# its points file is fetched, it draws none: explorer/map/main.js).
POINTS = f"(({browser.map_points_js()})() === 10000)"
LABEL_JS = f"(label) => {{ const m = {browser.plot()}; return !!m && m.live.label === label && {POINTS}; }}"


def view_is(view: str) -> str:
    return f"() => ({VIEW_JS})() === {view!r} && {POINTS}"


def open_page(chromium, url: str):
    page = chromium.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(120_000)
    page.goto(url)
    browser.wait_for_map(page)
    browser.wait_until_idle(page)
    return page


# In the page: when the last press began (the pointerdown's timestamp), and a watch, every
# frame, for a condition: the seconds a person waits, without Playwright's own checks before
# it clicks (its waits for the element to be still and visible: 50-100 ms a click here).
PRESS_JS = """() => {
  window.__pressed = null;
  if (!window.__pressWatch) {
    window.__pressWatch = true;
    document.addEventListener('pointerdown', (e) => { window.__pressed = e.timeStamp; }, true);
  }
}"""
WATCH_JS = """([source, arg]) => new Promise((resolve) => {
  const done = eval(source);
  const tick = () => (done(arg) ? resolve((performance.now() - window.__pressed) / 1000) : requestAnimationFrame(tick));
  tick();
})"""


def timed(page, act, done_js: str, arg=None) -> float:
    """Seconds from the press that `act()` makes (its last pointerdown) to `done_js(arg)` true
    in the page, seen at the next frame."""
    page.evaluate(PRESS_JS)
    act()
    seconds = page.evaluate(WATCH_JS, [done_js, arg])
    browser.wait_until_idle(page)
    return seconds


def model_switches(page, repeats: int) -> list[tuple]:
    def choose(option: str):
        return lambda: (
            page.get_by_role("combobox", name="Model").click(),
            page.get_by_role("option", name=option).click(),
        )

    times = {"mnist-vae → mnist-vae-16 (PCA plane drawn)": [], "mnist-vae-16 → mnist-vae": []}
    for _ in range(repeats):
        times["mnist-vae → mnist-vae-16 (PCA plane drawn)"].append(
            timed(page, choose("mnist-vae-16: VAE"), LABEL_JS, "Latent map of mnist-vae-16, PCA plane")
        )
        times["mnist-vae-16 → mnist-vae"].append(
            timed(page, choose("mnist-vae: VAE"), LABEL_JS, "Latent map of mnist-vae")
        )
    return rows_of(times)


CAPTIONS = {"slice": "The map is a slice", "neighbours": "Neighbours: a t-SNE", "pca": "The map is a plane"}


def caption_is(view: str) -> str:
    """The server's run after the press has come: the caption under the chooser names the view."""
    return (
        f"() => ({view_is(view)})() && [...document.querySelectorAll('[data-testid=stCaptionContainer], [data-testid=stMarkdownContainer]')]"
        f".some((c) => c.textContent.startsWith({CAPTIONS[view]!r}))"
    )


def view_round(page, k: int, times: dict) -> None:
    """One press of each view, and another pair of components, into `times` (seconds)."""

    def press(text: str):
        return lambda: page.get_by_text(text, exact=True).first.click()

    def axis(name: str, option: str):
        return lambda: (page.get_by_label(name).click(), page.get_by_role("option", name=option, exact=True).click())

    for name, text, view in (
        ("→ slice", "Slice through the point", "slice"),
        ("→ neighbours", "Neighbours (t-SNE)", "neighbours"),
        ("→ PCA plane", "PCA plane", "pca"),
    ):
        drawn, server = timed_both(page, press(text), view_is(view), caption_is(view))
        times.setdefault(name, []).append(drawn)
        times.setdefault(name + ": the server's run come (caption)", []).append(server)
    option = "PC3" if k % 2 == 0 else "PC4"  # (the PCA plane came back as PC1, PC2)
    title_js = f"(t) => ({browser.plot()}?.layout.xaxis.title.text || '').startsWith(t) && {POINTS}"
    times.setdefault("another pair of components", []).append(
        timed(page, axis("Horizontal axis", option), title_js, option + " (")
    )


def timed_both(page, act, first_js: str, second_js: str) -> tuple[float, float]:
    """Seconds from the press to `first_js` true, and to `second_js` true (each seen at a frame)."""
    page.evaluate(PRESS_JS)
    act()
    first = page.evaluate(WATCH_JS, [first_js, None])
    second = page.evaluate(WATCH_JS, [second_js, None])
    browser.wait_until_idle(page)
    return first, second


def view_switches(pages: dict, repeats: int, each: bool = False) -> list[tuple]:
    """Each checkout's page (`pages`: name -> page) in turn, `repeats` rounds (`each`: also print
    every press's seconds, in order)."""
    times = {name: {} for name in pages}
    for k in range(repeats):
        for name, page in pages.items():
            view_round(page, k, times[name])
    rows = []
    for name in pages:
        rows += [(f"{name}: {row[0]}", *row[1:]) for row in rows_of(times[name])]
    if each:
        for name, switches in times.items():
            for switch, values in switches.items():
                print(f"{name}: {switch}: " + " ".join(f"{v:.2f}" for v in values))
    return rows


def rows_of(times: dict) -> list[tuple]:
    rows = []
    for name, values in times.items():
        s = summary(values)
        rows.append((name, f"{s['median']:.2f}", f"{min(values):.2f}", f"{max(values):.2f}", len(values)))
    return rows


def layout_in_process(count: int | None = None) -> list[tuple]:
    model = vae.load_model("mnist-vae-16")
    means = np.asarray(model.encodings["mean"])[:count]
    started = time.monotonic()
    points = neighbours.compute(means)
    fit = time.monotonic() - started
    placed = neighbours.NeighbourLayout(points.astype(np.float64), means)
    rng = np.random.default_rng(0)
    started = time.monotonic()
    placed.transform(means[0] + rng.normal(size=16) * 0.1)
    first = time.monotonic() - started
    started = time.monotonic()
    placed.transform(means[1] + rng.normal(size=16) * 0.1)
    later = time.monotonic() - started
    return [
        (f"t-SNE of {len(means):,} 16-D means (openTSNE, 2 threads)", f"{fit:.1f}"),
        ("placing the first upload (with openTSNE's affinities)", f"{first:.1f}"),
        ("placing a later upload", f"{later:.1f}"),
    ]


def click_seconds(page, count: int) -> list[float]:
    box = browser.plot_box(page)
    seconds = []
    for k in range(count):
        started = time.monotonic()
        browser.click_and_wait(
            page, box["x"] + box["width"] * (0.2 + 0.07 * k), box["y"] + box["height"] * 0.15, 30_000
        )
        seconds.append(time.monotonic() - started)
    return seconds


def background(chromium, cache: Path) -> list[tuple]:
    name = "mnist-copy-16"
    folder = cache / "models" / name
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(bundled_path("mnist-vae-16"), folder, ignore=shutil.ignore_patterns("neighbours*"))
    server, url = start_app(browser.ROOT, str(cache))
    try:
        started = time.monotonic()
        page = open_page(chromium, f"{url}/?model={name}&view=neighbours")
        page.get_by_text("Computing the neighbours layout").wait_for()
        during = click_seconds(page, 6)
        page.wait_for_function(f"() => ({VIEW_JS})() === 'neighbours'", timeout=300_000, polling=500)
        shown = time.monotonic() - started
        browser.wait_until_idle(page)
        page.get_by_text("PCA plane", exact=True).first.click()
        page.wait_for_function(f"() => ({VIEW_JS})() === 'pca'")
        browser.wait_until_idle(page)
        after = click_seconds(page, 6)
        page.context.close()
    finally:
        stop(server)
        shutil.rmtree(folder, ignore_errors=True)
    return [
        ("page open → the layout on the map (s)", f"{shown:.1f}", ""),
        (
            "a click → its decoded picture, while the layout is computed (s)",
            f"{summary(during)['median']:.2f}",
            f"{max(during):.2f}",
        ),
        ("the same, after (s)", f"{summary(after)['median']:.2f}", f"{max(after):.2f}"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-background", action="store_true", help="skip the layout computed in the background")
    parser.add_argument("--quick", action="store_true", help="once each, a layout of 1,000 means, no background")
    parser.add_argument(
        "--against", default="", help="a git revision whose views are timed too, in turn (side by side)"
    )
    parser.add_argument(
        "--views-only", action="store_true", help="only the switches in Chromium (no layout, no background)"
    )
    parser.add_argument("--each", action="store_true", help="also print every press's seconds, in order")
    args = parser.parse_args()
    if args.quick:
        args.repeats, args.no_background = 1, True
    if args.views_only:
        args.no_background = True
    print(conditions())
    cache = Path(tempfile.mkdtemp(prefix="bench-views-"))
    roots = {"this checkout": browser.ROOT}
    if args.against:
        roots[args.against] = old_checkout(args.against)
    try:
        with sync_playwright() as playwright:
            chromium = browser.launch_chromium(playwright)
            servers = {}
            try:
                for name, root in roots.items():
                    servers[name] = start_app(root, str(cache))
                models = []
                for name, (_, url) in servers.items():
                    page = open_page(chromium, url)
                    models += [(f"{name}: {row[0]}", *row[1:]) for row in model_switches(page, args.repeats)]
                    page.context.close()
                pages = {
                    name: open_page(chromium, f"{url}/?model=mnist-vae-16&digit=42")
                    for name, (_, url) in servers.items()
                }
                views = view_switches(pages, args.repeats, args.each)
                for page in pages.values():
                    page.context.close()
            finally:
                for server, _ in servers.values():
                    stop(server)
            back = [] if args.no_background else background(chromium, cache)
            chromium.close()
        in_process = [] if args.views_only else layout_in_process(1000 if args.quick else None)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        for root in roots.values():
            if root != browser.ROOT:
                shutil.rmtree(root, ignore_errors=True)
    print("\nChoosing the model in the sidebar, to the new map drawn (s):")
    print(table(models, ("switch", "median", "min", "max", "n")))
    print("\nChoosing the view under a 16-D map, to the new view drawn (s):")
    print(table(views, ("switch", "median", "min", "max", "n")))
    if in_process:
        print("\nThe neighbours layout, in process:")
        print(table(in_process, ("step", "seconds")))
    if back:
        print("\nA model trained here (a copy of mnist-vae-16 without its layout), on the neighbours view:")
        print(table(back, ("measure", "median", "max")))


if __name__ == "__main__":
    main()
