"""Memory and time of hostile and ordinary uploads: per picture, four at once, and on a server.

    python -m bench.uploads [--against REV] [--server]

Part 1, the preparation alone (`vae.prepare_image`), each case in a fresh Python process, its
peak resident memory (VmHWM, reset after the imports) less its resident memory before: a 49 MP RGBA PNG that is almost all
transparent (0.2 MB on disk: the issue's hostile file), a 12 MP and a 48 MP phone photo (JPEG),
one at a time and four at once (threads, as four students' sessions in one server). With
`--against REV`, the same cases on that revision's code (a git worktree), alternating.

Part 2 (`--server`), the real thing: `streamlit run app.py`, four Chromium pages upload the
hostile PNG at the same moment while a fifth student opens the page; the server's memory
growth (its peak from /proc, reset before the uploads) and the fifth page's time to its map.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import conditions, memory_mb, table
from tests.browser import ROOT

# Run in a fresh interpreter inside the checkout measured: prepares `count` copies of a
# picture at once and prints the peak's growth over the start, and the seconds.
WORKER = """
import json, sys, threading, time
from vae import prepare_image  # the public name: the same in every revision
def memory():
    values = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return int(values["VmRSS"].split()[0]) / 1024, int(values["VmHWM"].split()[0]) / 1024
data = open(sys.argv[1], "rb").read()
count = int(sys.argv[2])
open("/proc/self/clear_refs", "w").write("5")  # the peak starts again from here (Linux)
before, _ = memory()
start = time.perf_counter()
errors = []
def one():
    try:
        prepare_image(data)
    except ValueError as error:
        errors.append(str(error))
threads = [threading.Thread(target=one) for _ in range(count)]
[t.start() for t in threads]
[t.join() for t in threads]
seconds = time.perf_counter() - start
print(json.dumps({"mb": memory()[1] - before, "seconds": seconds, "errors": errors}))
"""


def hostile_png(path: Path) -> None:
    """The issue's file: 7000 x 7000 RGBA, almost all transparent, one stroke (49 MP)."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGBA", (7000, 7000), (0, 0, 0, 0))
    ImageDraw.Draw(picture).line([(3500, 2500), (3500, 4500)], fill=(0, 0, 0, 255), width=60)
    picture.save(path, optimize=True)


def phone_jpeg(path: Path, width: int, height: int) -> None:
    """A photo of a digit on paper: uneven light and grain, JPEG quality 90."""
    import numpy as np
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(0)
    paper = Image.new("L", (width, height), 235)
    ImageDraw.Draw(paper).ellipse(
        [width * 0.4, height * 0.3, width * 0.6, height * 0.7], outline=40, width=max(4, width // 150)
    )
    light = np.linspace(0.8, 1.0, width)[None, :] * np.linspace(1.0, 0.9, height)[:, None]
    grey = np.asarray(paper, np.float32) * light + rng.normal(0, 4, (height, width)).astype(np.float32)
    Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8)).convert("RGB").save(path, "JPEG", quality=90)


def measure(checkout: Path, picture: Path, count: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", WORKER, str(picture), str(count)],
        cwd=checkout,
        env={**os.environ, "PYTHONPATH": str(checkout)},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def preparation(args, folder: Path) -> None:
    pictures = {
        "49 MP RGBA PNG, almost empty (0.2 MB)": folder / "hostile.png",
        "12 MP phone photo (JPEG)": folder / "photo12.jpg",
        "48 MP phone photo (JPEG)": folder / "photo48.jpg",
    }
    hostile_png(pictures["49 MP RGBA PNG, almost empty (0.2 MB)"])
    if args.quick:
        pictures = dict(list(pictures.items())[:1])
    else:
        phone_jpeg(pictures["12 MP phone photo (JPEG)"], 4000, 3000)
        phone_jpeg(pictures["48 MP phone photo (JPEG)"], 8000, 6000)
    checkouts = {"this checkout": ROOT}
    if args.against:
        worktree = folder / "against"
        subprocess.run(["git", "worktree", "add", "--detach", str(worktree), args.against], cwd=ROOT, check=True)
        checkouts[args.against] = worktree
    rows = []
    try:
        for label, picture in pictures.items():
            for count in (1, 4):
                results = {name: [] for name in checkouts}
                for _ in range(args.repeats):  # alternating, so a slow minute costs both alike
                    for name, checkout in checkouts.items():
                        results[name].append(measure(checkout, picture, count))
                for name, runs in results.items():
                    worst = max(runs, key=lambda r: r["mb"])
                    refused = f" ({len(worst['errors'])} refused)" if worst["errors"] else ""
                    seconds = sorted(r["seconds"] for r in runs)[len(runs) // 2]
                    rows.append((label, count, name, f"{worst['mb']:.0f}", f"{seconds:.2f}{refused}"))
    finally:
        if args.against:
            subprocess.run(["git", "worktree", "remove", "--force", str(folder / "against")], cwd=ROOT, check=False)
    print(f"\nPreparing uploads (vae.prepare_image), a fresh process per case, {args.repeats} runs each")
    print(table(rows, ("picture", "at once", "code", "peak growth MB (max)", "seconds (median)")))


def server(folder: Path) -> None:
    from playwright.sync_api import sync_playwright

    from tests import browser

    picture = folder / "hostile.png"
    if not picture.exists():
        hostile_png(picture)
    port = browser.free_port()
    process = browser.start_server(port, {"VAE_CACHE_DIR": str(folder / "cache")})
    url = f"http://127.0.0.1:{port}"
    try:
        browser.wait_http(url, process)
        with sync_playwright() as playwright:
            chromium = browser.launch_chromium(playwright)
            pages = []
            for _ in range(4):
                page = chromium.new_context(viewport={"width": 1400, "height": 950}).new_page()
                page.set_default_timeout(180_000)
                page.goto(url)
                browser.wait_for_map(page)
                page.get_by_role("tab", name="Your digit").click()
                pages.append(page)
            time.sleep(1.0)
            before = memory_mb(process.pid)[0]
            with open(f"/proc/{process.pid}/clear_refs", "w") as refs:
                refs.write("5")  # the peak starts again from now (Linux; needs root)
            for page in pages:
                page.locator("input[type=file]").set_input_files(str(picture))
            fifth = chromium.new_context(viewport={"width": 1400, "height": 950}).new_page()
            fifth.set_default_timeout(180_000)
            start = time.perf_counter()
            fifth.goto(url)
            browser.wait_for_map(fifth)
            map_seconds = time.perf_counter() - start
            for page in pages:
                page.get_by_text("is on the map as a star").first.wait_for()
            placed_seconds = time.perf_counter() - start
            peak = memory_mb(process.pid)[1]
            chromium.close()
        print("\nThe server: four students upload the 49 MP PNG at once, a fifth opens the page")
        print(
            table(
                [
                    ("server memory before (MB)", f"{before:.0f}"),
                    ("its growth at the peak (MB)", f"{peak - before:.0f}"),
                    ("the fifth page's map drawn (s)", f"{map_seconds:.1f}"),
                    ("all four placed on their maps (s)", f"{placed_seconds:.1f}"),
                ],
                ("measure", "value"),
            )
        )
    finally:
        process.terminate()
        process.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", help="a git revision measured side by side (part 1)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each case, per checkout")
    parser.add_argument("--server", action="store_true", help="also part 2: the app in Chromium")
    parser.add_argument("--no-preparation", action="store_true", help="skip part 1")
    parser.add_argument("--quick", action="store_true", help="part 1 with the hostile PNG only (the smoke test)")
    args = parser.parse_args()
    print(conditions())
    with tempfile.TemporaryDirectory(prefix="vae-uploads-") as name:
        folder = Path(name)
        if not args.no_preparation:
            preparation(args, folder)
        if args.server:
            server(folder)


if __name__ == "__main__":
    main()
