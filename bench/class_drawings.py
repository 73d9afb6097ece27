"""A class's drawings to a model on the map: from the teacher's press of "Train on our drawings"
to the new model's map drawn in the teacher's page, in Chromium.

    python -m bench.class_drawings                 # 300 drawings, a school's set-up
    python -m bench.class_drawings --count 150

The set-up is a school's (deploy/README.md): Redis for the board and the training line, one
training worker (`python -m deploy.worker`), the app. The board gets `--count` real MNIST
test digits (the bundled test set: drawings of digits, as students' would be, each labelled
by its digit as a student would say it) straight into Redis, then the teacher presses the
button. The clock stops when the map of the new model is drawn and can be clicked.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.common import conditions, table
from tests import browser
from tests.test_follow import RedisServer
from vae.classroom.board import make_entry, open_store
from vae.data.sources import bundled_test_set

ROOT = Path(__file__).resolve().parents[1]
TEACHER_CODE = "bench-7731"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.class_drawings", description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args(argv)
    print(conditions())
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "redis").mkdir()
        redis = RedisServer(folder / "redis")
        env = {"VAE_BOARD_URL": redis.url, "VAE_MODEL_STORE": str(folder / "store"), "VAE_TEACHER_CODE": TEACHER_CODE}
        worker = subprocess.Popen(
            [sys.executable, "-m", "deploy.worker", "--name", "bench"],
            cwd=ROOT,
            env={**os.environ, **env, "VAE_CACHE_DIR": str(folder / "worker"), "VAE_SLOT_DIR": str(folder / "slots")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            digits = bundled_test_set()
            board = open_store(redis.url)
            for index in range(args.count):
                image, label = digits.x_test[index], str(int(digits.y_test[index]))
                board.add(
                    "", make_entry(image, f"s{index % 30}", "mnist-vae", (0.0, 0.0), f"student-{index % 30}", label)
                )
            with (
                browser.streamlit_server({**env, "VAE_CACHE_DIR": str(folder / "app")}) as url,
                sync_playwright() as playwright,
            ):
                chromium = browser.launch_chromium(playwright)
                page = chromium.new_context(viewport={"width": 1500, "height": 1000}).new_page()
                page.set_default_timeout(180_000)
                page.goto(url + "/?view=board")
                browser.wait_for_map(page, "board_map")
                browser.wait_until_idle(page)
                page.get_by_text("Teacher", exact=True).click()
                page.get_by_role("textbox", name="Teacher code").fill(TEACHER_CODE)
                page.get_by_role("textbox", name="Teacher code").press("Enter")
                page.get_by_text(f"the {args.count} on this board").wait_for()
                browser.wait_until_idle(page)
                time.sleep(2)  # the worker idle, the page still
                pressed = time.perf_counter()
                page.get_by_role("button", name="Train on our drawings").click()
                page.get_by_text(re.compile(r"Now showing \*?\*?images-class-board-")).first.wait_for()
                shown = time.perf_counter() - pressed
                browser.wait_for_map(page)
                drawn = time.perf_counter() - pressed
                card = page.locator("text=test NELBO").first.inner_text()
                chromium.close()
        finally:
            worker.kill()
            worker.wait(timeout=10)
            redis.stop()
    print(
        table(
            [(f"{args.count}", f"{shown:.1f} s", f"{drawn:.1f} s", "yes" if drawn <= 60 else "NO")],
            ("drawings", "press → 'Now showing'", "press → its map drawn", "≤ 60 s"),
        )
    )
    print(re.sub(r"\s+", " ", card)[:300])


if __name__ == "__main__":
    main()
