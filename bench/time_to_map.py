"""Time to a map in class: the sidebar's training, pressed in Chromium as a teacher does.

    python -m bench.time_to_map [--recipe class|best|both] [--after 20] [--epochs N] [--images N]

For each recipe of the form (vae/model/config.py's RECIPES: "class", the form's default, and
"best"), starts `streamlit run app.py` with the MNIST training images, opens the page, waits
`--after` seconds (the teacher introduces the map; meanwhile the warm trainer gets ready,
vae/workers/warm.py), opens "Train a new model", chooses the recipe and presses Train (or
`--epochs`, `--images` for a smoke run). Then it watches the page as the teacher's eyes would,
every 0.1 s:

- when each live map ("the map forming: after N epochs") is first shown, and its 5-NN: each of
  its 2,000 drawn test digits' 5 nearest others on the map vote, itself left out (read from the
  chart in the page);
- when the progress bar fills (the last epoch's last step);
- when the finished model is on the map ("Now showing ..." and its map clickable).

Prints the seconds from pressing Train to the first live map, to the first whose 5-NN reaches
0.7, to the full bar and to the finished model on the map, with the model's test NELBO and
5-NN; draws both recipes' 5-NN against those seconds on one picture,
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


# The live map's points as drawn in the page: its traces' coordinates, each trace a class.
POINTS_JS = (
    "() => { const gd = document.querySelector('.st-key-training-map .js-plotly-plot');"
    " if (!gd || !gd._fullData) { return null; }"
    " return gd._fullData.filter((t) => t.x && t.x.length).map((t) => [t.name, Array.from(t.x), Array.from(t.y)]); }"
)
RECIPE_NAMES = {"class": "For class: a map in about a minute", "best": "Best quality: about four minutes"}


def press_train(page, epochs: int | None, images: str | None, recipe: str = "class") -> None:
    page.get_by_text("Train a new model").click()
    page.get_by_text(RECIPE_NAMES[recipe], exact=True).click()
    page.wait_for_timeout(500)  # the recipe sets the form's epochs (a rerun)
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


def map_knn(traces) -> float | None:
    """5-NN of a live map as drawn: its points, labelled by their trace (class)."""
    if not traces:
        return None
    points = np.concatenate([np.column_stack([x, y]) for _, x, y in traces]).astype(np.float64)
    labels = np.concatenate([np.full(len(x), i) for i, (_, x, _) in enumerate(traces)])
    return leave_one_out_knn(points, labels)


def watch(page, pressed: float, timeout: float) -> dict:
    """Seconds since `pressed` of each live map's first showing (and its 5-NN), the full bar,
    the model on the map."""
    shown: dict[float, tuple[float, float | None]] = {}  # epoch -> (seconds, 5-NN)
    bar_full = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = time.monotonic() - pressed
        title = page.evaluate(TITLE_JS)
        match = re.search(r"after ([\d.]+) epoch", title or "")
        if match and float(match.group(1)) not in shown:
            shown[float(match.group(1))] = (now, map_knn(page.evaluate(POINTS_JS)))
        if bar_full is None and (page.evaluate(BAR_JS) or 0) >= 100:
            bar_full = now
        if page.get_by_text(re.compile(r"Now showing")).count():
            browser.wait_for_map(page)
            return {"shown": shown, "bar_full": bar_full, "on_map": time.monotonic() - pressed}
        page.wait_for_timeout(100)
    raise TimeoutError(f"the trained model was not on the map within {timeout:.0f} s")


def picture(runs: dict, path: Path) -> None:
    """Both recipes' live maps' 5-NN against the seconds since pressing Train, on one picture."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = {"class": "#c0201f", "best": "#1f77b4"}
    fig, ax = plt.subplots(figsize=(7.5, 4.2), dpi=120)
    for recipe, run in runs.items():
        curve = run["curve"] or [(0.0, 0.0)]
        seconds, knn = zip(*curve, strict=True)
        colour = colours.get(recipe, "#444")
        ax.plot(seconds, knn, "o-", color=colour, markersize=3, label=f"{recipe}: the live map's 5-NN")
        ax.axvline(
            run["on_map"], color=colour, linestyle="--", label=f"{recipe}: model on the map ({run['on_map']:.0f} s)"
        )
    ax.axhline(GOAL, color="#888", linestyle=":", label=f"5-NN {GOAL}")
    ax.set_xlabel("seconds since pressing Train")
    ax.set_ylabel("5-NN of the live map (2,000 test digits)")
    ax.set_ylim(0, 1)
    ax.set_title("Time to a map in class: the form's two recipes")
    ax.legend(loc="lower right", fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def run_recipe(chromium, args, recipe: str) -> dict:
    """One recipe in a fresh server: its moments, its curve and its finished model's metrics."""
    from vae.store.files import SNAPSHOTS_FILE

    with tempfile.TemporaryDirectory() as cache:
        env = {"VAE_CACHE_DIR": cache, "VAE_DATA_DIR": str(Path(args.data_dir).parent)}
        with browser.streamlit_server(env) as url:
            page = chromium.new_context(viewport={"width": 1500, "height": 1000}).new_page()
            page.set_default_timeout(120_000)
            page.goto(url)
            browser.wait_for_map(page)
            browser.wait_until_idle(page)
            page.wait_for_timeout(args.after * 1000)
            pressed = time.monotonic()
            press_train(page, args.epochs, args.images, recipe)
            moments = watch(page, pressed, args.timeout)
            page.context.close()
        trained = [path.parent for path in Path(cache).rglob(SNAPSHOTS_FILE)]
        if len(trained) != 1:
            raise SystemExit(f"expected one trained model in the cache, found {len(trained)}")
        metrics = json.loads((trained[0] / "metrics.json").read_text())
        config = json.loads((trained[0] / "config.json").read_text())
    curve = sorted(value for value in moments["shown"].values() if value[1] is not None)
    return {**moments, "curve": curve, "metrics": metrics, "config": config, "model": trained[0].name}


def report(recipe: str, run: dict) -> None:
    config, metrics = run["config"], run["metrics"]
    print(
        f"\n{recipe}: {config['epochs']} epochs, batch {config['batch_size']}, learning rate {config['learning_rate']:g}"
        f" (model {run['model']})"
    )
    rows = [
        (f"{epoch:g}", f"{seconds:.1f}", "" if knn is None else f"{knn:.3f}")
        for epoch, (seconds, knn) in sorted(run["shown"].items())
    ]
    print(table(rows, ("after epoch", "shown at s", "5-NN of the live map")))
    first = run["curve"][0][0] if run["curve"] else None
    reached = next((seconds for seconds, value in run["curve"] if value >= GOAL), None)
    print("seconds from pressing Train:")
    print("  to the first live map: " + (f"{first:.1f}" if first is not None else "never"))
    print(f"  to a live map with 5-NN >= {GOAL}: " + (f"{reached:.1f}" if reached is not None else "never"))
    print("  to the full bar: " + (f"{run['bar_full']:.1f}" if run["bar_full"] is not None else "not seen"))
    print(f"  to the finished model on the map: {run['on_map']:.1f}")
    after = metrics.get("after_last_step_seconds", {})
    if after:
        print(
            "    in the training process after its last step: "
            + ", ".join(f"{name.replace('_', ' ')} {seconds:.1f} s" for name, seconds in after.items())
        )
    print(
        f"finished model: test NELBO {metrics.get('test_nelbo', float('nan')):.2f}, 5-NN {metrics.get('knn5_accuracy', float('nan')):.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=str(DATA_DIR), help="a folder with MNIST's IDX files")
    parser.add_argument("--recipe", choices=("class", "best", "both"), default="both")
    parser.add_argument(
        "--after",
        type=float,
        default=45.0,
        help="seconds the page is open before Train is pressed (the warm trainer "
        "starts 30 s after the server's first page and is ready about 8 s later)",
    )
    parser.add_argument("--epochs", type=int, default=None, help="instead of the recipe's (a smoke run)")
    parser.add_argument("--images", choices=TRAIN_SIZES, default=None, help="instead of the form's 60,000")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    print(conditions())
    print(f"Train pressed {args.after:g} s after the page opened")
    from playwright.sync_api import sync_playwright

    recipes = ("class", "best") if args.recipe == "both" else (args.recipe,)
    with sync_playwright() as playwright:
        chromium = browser.launch_chromium(playwright)
        runs = {recipe: run_recipe(chromium, args, recipe) for recipe in recipes}
        chromium.close()
    for recipe, run in runs.items():
        report(recipe, run)
    RESULTS.mkdir(exist_ok=True)
    smoke = args.epochs is not None or args.images is not None
    path = RESULTS / ("time-to-map-smoke.png" if smoke else "time-to-map.png")
    picture(runs, path)
    print(f"\ntime-to-quality picture: {path}")


if __name__ == "__main__":
    main()
