"""Time to a map in class: the sidebar's default training, pressed in Chromium as a teacher does.

    python -m bench.time_to_map [--data-dir ../shared/data/mnist] [--epochs N] [--images N]

Starts `streamlit run app.py` with the MNIST training images, opens the page, opens "Train a
new model" and presses Train with the form's defaults (or `--epochs`, `--images` for a
smoke run). Then it watches the page as the teacher's eyes would, every 0.1 s:

- when each live map ("the map forming: after N epochs") is first shown;
- when the progress bar fills (the last epoch's last step);
- when the finished model is on the map ("Now showing ..." and its map clickable).

The 5-NN of each live map is computed afterwards from the snapshots the training saved with
the model (the 2,000 test digits the live map draws; each one's 5 nearest others vote,
itself left out), and placed at the moment that map was shown. Prints the seconds from
pressing Train to the first live map whose 5-NN reaches 0.7, to the full bar and to the
finished model on the map; draws 5-NN against those seconds in
bench/results/time-to-map.png.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import conditions, table
from tests import browser

RESULTS = Path(__file__).resolve().parent / "results"
DATA_DIR = browser.ROOT.parent / "shared" / "data" / "mnist"
GOAL = 0.7  # the live map's 5-NN that counts as "the clusters are there"
TRAIN_SIZES = ("1000", "5000", "20000", "60000")  # the form's "Training images" steps

TITLE_JS = (
    "() => { const gd = document.querySelector('.st-key-training-map .js-plotly-plot');"
    " return gd && gd.layout && gd.layout.title ? gd.layout.title.text : null; }"
)
BAR_JS = (
    '() => { const bar = document.querySelector(\'[data-testid="stProgress"] [role="progressbar"]\');'
    " return bar ? Number(bar.getAttribute('aria-valuenow')) : null; }"
)


def leave_one_out_knn(means: np.ndarray, labels: np.ndarray, k: int = 5) -> float:
    """Fraction of points whose k nearest other points (itself left out) vote for its label."""
    from scipy.spatial import cKDTree

    from vae.analysis.metrics import majority

    _, nearest = cKDTree(means).query(means, k=k + 1)
    return float(np.mean(majority(labels[nearest[:, 1:]]) == labels))


def press_train(page, epochs: int | None, images: str | None) -> None:
    page.get_by_text("Train a new model").click()
    if epochs is not None:
        slider = page.get_by_role("slider", name="Epochs")
        slider.focus()
        page.keyboard.press("Home")
        for _ in range(epochs - 1):
            page.keyboard.press("ArrowRight")
    if images is not None:
        page.get_by_role("slider", name="Training images").focus()
        page.keyboard.press("Home")
        for _ in range(TRAIN_SIZES.index(images)):
            page.keyboard.press("ArrowRight")
    page.get_by_role("button", name="Train", exact=True).click()


def watch(page, pressed: float, timeout: float) -> dict:
    """Seconds since `pressed` of each live map's first showing, the full bar, the model on the map."""
    shown: dict[float, float] = {}  # epoch -> seconds
    bar_full = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = time.monotonic() - pressed
        title = page.evaluate(TITLE_JS)
        match = re.search(r"after ([\d.]+) epoch", title or "")
        if match and float(match.group(1)) not in shown:
            shown[float(match.group(1))] = now
        if bar_full is None and (page.evaluate(BAR_JS) or 0) >= 100:
            bar_full = now
        if page.get_by_text(re.compile(r"Now showing")).count():
            browser.wait_for_map(page)
            return {"shown": shown, "bar_full": bar_full, "on_map": time.monotonic() - pressed}
        page.wait_for_timeout(100)
    raise TimeoutError(f"the trained model was not on the map within {timeout:.0f} s")


def picture(curve: list[tuple[float, float]], bar_full: float | None, on_map: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=120)
    seconds, knn = zip(*curve, strict=True)
    ax.plot(seconds, knn, "o-", color="#1f77b4", label="the live map's 5-NN (shown in the page)")
    ax.axhline(GOAL, color="#888", linestyle=":", label=f"5-NN {GOAL}")
    if bar_full is not None:
        ax.axvline(bar_full, color="#2ca02c", linestyle="--", label=f"bar full ({bar_full:.1f} s)")
    ax.axvline(on_map, color="#c0201f", label=f"model on the map ({on_map:.1f} s)")
    ax.set_xlabel("seconds since pressing Train")
    ax.set_ylabel("5-NN accuracy of the map (2,000 test digits)")
    ax.set_ylim(0, 1)
    ax.set_title("Time to a map in class: the sidebar's default training")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=str(DATA_DIR), help="a folder with MNIST's IDX files")
    parser.add_argument("--epochs", type=int, default=None, help="instead of the form's default (a smoke run)")
    parser.add_argument("--images", choices=TRAIN_SIZES, default=None, help="instead of the form's 60,000")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    print(conditions())
    from playwright.sync_api import sync_playwright

    from vae.data.sources import bundled_test_set
    from vae.store.files import SNAPSHOTS_FILE
    from vae.store.snapshots import Snapshots

    labels = bundled_test_set().y_test
    with tempfile.TemporaryDirectory() as cache, sync_playwright() as playwright:
        env = {"VAE_CACHE_DIR": cache, "VAE_DATA_DIR": str(Path(args.data_dir).parent)}
        chromium = browser.launch_chromium(playwright)
        with browser.streamlit_server(env) as url:
            page = chromium.new_context(viewport={"width": 1500, "height": 1000}).new_page()
            page.set_default_timeout(120_000)
            page.goto(url)
            browser.wait_for_map(page)
            browser.wait_until_idle(page)
            pressed = time.monotonic()
            press_train(page, args.epochs, args.images)
            moments = watch(page, pressed, args.timeout)
            page.context.close()
        chromium.close()
        trained = [path.parent for path in Path(cache).rglob(SNAPSHOTS_FILE)]
        if len(trained) != 1:
            raise SystemExit(f"expected one trained model in the cache, found {len(trained)}")
        snapshots = Snapshots.load(trained[0] / SNAPSHOTS_FILE)
        metrics = json.loads((trained[0] / "metrics.json").read_text())
    knn = {
        float(e): leave_one_out_knn(m.astype(np.float32), labels[snapshots.indices])
        for e, m in zip(snapshots.epochs, snapshots.means, strict=True)
    }
    curve = sorted((seconds, knn[epoch]) for epoch, seconds in moments["shown"].items() if epoch in knn)
    rows = [
        (f"{epoch:g}", f"{moments['shown'][epoch]:.1f}", f"{knn[epoch]:.3f}")
        for epoch in sorted(moments["shown"])
        if epoch in knn
    ]
    print(f"\nmodel: {trained[0].name}, {len(snapshots)} snapshots; epochs a live map showed: {len(rows)}")
    print(table(rows, ("after epoch", "shown at s", "5-NN of the live map")))
    reached = next((seconds for seconds, value in curve if value >= GOAL), None)
    print("\nseconds from pressing Train:")
    print(f"  to a live map with 5-NN >= {GOAL}: " + (f"{reached:.1f}" if reached is not None else "never"))
    print("  to the full bar: " + (f"{moments['bar_full']:.1f}" if moments["bar_full"] is not None else "not seen"))
    print(f"  to the finished model on the map: {moments['on_map']:.1f}")
    if moments["bar_full"] is not None:
        print(f"  from the full bar to the model on the map: {moments['on_map'] - moments['bar_full']:.1f}")
    after = metrics.get("after_last_step_seconds", {})
    if after:
        print(
            "    of which in the training process after its last step: "
            + ", ".join(f"{name.replace('_', ' ')} {seconds:.1f} s" for name, seconds in after.items())
            + "; the rest is saving, the page's poll (every second), the switch to the model and its map"
        )
    print(
        f"finished model: test NELBO {metrics.get('test_nelbo', float('nan')):.2f}, 5-NN {metrics.get('knn5_accuracy', float('nan')):.3f}"
    )
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / ("time-to-map.png" if args.epochs is None and args.images is None else "time-to-map-smoke.png")
    picture(curve or [(0.0, 0.0)], moments["bar_full"], moments["on_map"], path)
    print(f"time-to-quality picture: {path}")


if __name__ == "__main__":
    main()
