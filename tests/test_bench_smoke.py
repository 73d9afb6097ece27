"""Every benchmark command still runs (tiny settings); their figures are not asserted here."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, require_chromium


def run(*args):
    result = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "machine:" in result.stdout  # every benchmark prints its conditions
    return result.stdout


def test_bench_inference():
    assert "decode one clicked point" in run("bench.inference", "--repeats", "2")


def test_bench_train_quick(idx_folder):
    out = run("bench.train", "--quick", "--data-dir", str(idx_folder))
    assert "reference: tutorial dense" in out and "training time ratio" in out and "picture" in out


def test_bench_fit_end_quick():
    out = run("bench.fit_end", "--quick", "--parallel", "2")
    assert "the end of fit after its last step" in out and "without autotuning (now)" in out


def test_bench_recipes_quick(idx_folder):
    assert "test NELBO" in run("bench.recipes", "--quick", "--candidates", "baseline", "--data-dir", str(idx_folder))


def test_bench_class_recipe_quick(idx_folder):
    out = run("bench.class_recipe", "--quick", "--set", "beta=0.5", "--data-dir", str(idx_folder))
    assert "s to a live map with 5-NN >= 0.7" in out and "beta=0.5,epochs=1" in out


def test_bench_uploads_quick():
    out = run("bench.uploads", "--quick", "--repeats", "1")
    assert "49 MP RGBA PNG" in out and "peak growth MB" in out


def test_bench_handwriting(idx_folder):
    out = run("bench.handwriting", "--per-kind", "3", "--data-dir", str(idx_folder))
    assert "canvas drawings" in out and "faint pencil" in out


def test_bench_app():
    require_chromium()
    out = run("bench.app", "--clicks", "2", "--starts", "1", "--floor")
    assert "process start -> interactive map" in out and "clicking fast" in out
    assert "a page of only the map (canvas, as the app)" in out and "drawn by Plotly" in out


def test_bench_load(idx_folder):
    out = run("bench.load", "--sessions", "2", "--seconds", "6")
    assert "digits sent" in out and "one board entry" in out
    assert "errors: 0" in out  # the simulated students still find what they use on the page
    assert "fetched the decoder file once" in out


def test_bench_load_through_nginx():
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        pytest.skip("needs Debian's nginx (apt-get install -y nginx)")
    out = run("bench.load", "--sessions", "3", "--seconds", "6", "--processes", "2", "--proxy", "nginx")
    assert "through the proxy" in out and "p95" in out and "errors: 0" in out
    assert "nothing lost, nothing doubled" in out


def test_bench_live():
    require_chromium()
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    if head.returncode:
        pytest.skip("needs the project's git history (the start is timed against a revision)")
    out = run(
        "bench.live",
        "--moves",
        "20",
        "--starts",
        "1",
        "--against",
        "HEAD",
        "--floor",
        "--models",
        "mnist-vae,mnist-vae-16",
    )
    assert "within 1/255" in out and "pointer event -> preview names the point" in out
    assert "Hovering over mnist-vae-16's map" in out and not re.search(r"\sNO\s", out.split("Hovering")[0])
    assert "messages sent to the server while hovering: 0" in out
    assert "page open -> ready" in out and "one-line Streamlit page" in out


def test_bench_views_quick():
    require_chromium()
    out = run("bench.views", "--quick")
    assert "mnist-vae → mnist-vae-16 (PCA plane drawn)" in out and "→ neighbours" in out
    assert "t-SNE of 1,000 16-D means" in out


def test_bench_folders():
    out = run("bench.folders", "--count", "150")
    assert "28×28 grey drawings" in out and "96×96 colour sprites" in out and "progress calls" in out


def test_bench_disentanglement_quick():
    out = run("bench.disentanglement", "--quick", "--betas", "1,4", "--latent-dim", "4")
    assert "MIG" in out and "rotation" in out and out.count("β = ") >= 2


def test_bench_memory():
    out = run("bench.memory", "--count", "2000")
    assert "the line's estimate" in out and "colour" in out


def test_bench_class_drawings():
    require_chromium()
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server (apt-get install -y redis-server)")
    out = run("bench.class_drawings", "--count", "60")
    assert "press → its map drawn" in out and "images-class-board-" in out
