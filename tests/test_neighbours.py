"""The neighbours layout (vae/analysis/neighbours.py): openTSNE, seeded and saved beside the
model, new points placed by its transform; computed by a child process (vae/workers/layouts.py)."""

import json
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from vae.analysis import neighbours
from vae.store.catalog import bundled_path
from vae.workers.layouts import LayoutJob


@pytest.fixture(scope="module")
def clusters():
    """600 8-D means in three tight clusters far apart, and their cluster numbers."""
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 8)) * 10
    labels = np.repeat(np.arange(3), 200)
    return centres[labels] + rng.normal(size=(600, 8)) * 0.3, labels, centres


@pytest.fixture(scope="module")
def layout(clusters):
    means, _, _ = clusters
    fractions = []
    points = neighbours.compute(means, fractions.append)
    return points, fractions


def test_the_layout_keeps_neighbours_together_and_reports_its_progress(clusters, layout):
    means, labels, _ = clusters
    points, fractions = layout
    assert points.shape == (600, 2) and points.dtype == np.float32
    # Each point's 10 nearest on the page are of its own cluster.
    distances = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    nearest = np.argsort(distances, axis=1)[:, 1:11]
    assert (labels[nearest] == labels[:, None]).mean() > 0.99
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) >= 10


def test_the_same_means_give_the_same_picture(clusters, layout):
    means, _, _ = clusters
    assert np.array_equal(neighbours.compute(means), layout[0])


def test_a_saved_layout_is_used_only_with_the_means_it_was_made_from(tmp_path, clusters, layout):
    means, _, _ = clusters
    path = neighbours.save_layout(tmp_path / neighbours.LAYOUT_FILE, layout[0], means)
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    loaded = neighbours.load_layout(path, means)
    assert np.array_equal(loaded.points, layout[0])
    assert neighbours.load_layout(path, means + 1e-3) is None  # other means
    assert neighbours.load_layout(tmp_path / "absent.npz", means) is None
    np.save(tmp_path / "pickled.npy", np.array([object()], dtype=object), allow_pickle=True)
    (tmp_path / "pickled.npy").rename(tmp_path / "pickled.npz")
    assert neighbours.load_layout(tmp_path / "pickled.npz", means) is None  # nothing unpickled


def test_new_points_land_among_their_neighbours_and_old_ones_at_their_own_place(clusters, layout):
    means, labels, centres = clusters
    placed = neighbours.NeighbourLayout(layout[0].astype(np.float64), means)
    assert np.array_equal(placed.transform(means[:5]), layout[0][:5])
    new = centres + np.random.default_rng(1).normal(size=(3, 8)) * 0.3
    where = placed.transform(new)
    for cluster in range(3):
        own = layout[0][labels == cluster]
        others = layout[0][labels != cluster]
        assert np.hypot(*(own - where[cluster]).T).min() < np.hypot(*(others - where[cluster]).T).min()
    assert np.array_equal(placed.transform(new[0]), where[0])  # placed once, the same after
    with pytest.raises(neighbours.NotAPlane, match="not a plane of the latent space"):
        placed.inverse_transform([0.0, 0.0])


def test_the_bundled_16d_models_ship_their_layout():
    for name in ("mnist-vae-16", "mnist-beta-vae-16"):
        folder = bundled_path(name)
        means = neighbours.stored_means(folder)
        assert neighbours.load_layout(folder / neighbours.LAYOUT_FILE, means) is not None, name


@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    """The bundled 16-D model with only 600 stored test encodings: a layout in seconds."""
    folder = tmp_path_factory.mktemp("small") / "mnist-vae-16"
    shutil.copytree(bundled_path("mnist-vae-16"), folder)
    (folder / neighbours.LAYOUT_FILE).unlink()
    with np.load(folder / "test_encodings.npz") as stored:
        kept = {key: stored[key][:600] if stored[key].ndim else stored[key] for key in stored.files}
    np.savez(folder / "test_encodings.npz", **kept)
    return folder


def test_the_command_writes_the_layout_with_its_progress(small_model):
    result = subprocess.run(
        [sys.executable, "-m", "vae.workers.layouts", str(small_model), "--progress-json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    messages = [json.loads(line) for line in result.stdout.splitlines()]
    assert messages[0] == {"progress": 0.0} and "done" in messages[-1]
    assert neighbours.load_layout(small_model / neighbours.LAYOUT_FILE, neighbours.stored_means(small_model))


def test_a_folder_that_is_no_model_is_refused_with_a_message(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "vae.workers.layouts", str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2 and result.stderr.startswith("error:") and "Traceback" not in result.stderr


def test_the_background_job_reports_progress_then_done_or_why_it_failed(small_model, tmp_path):
    (small_model / neighbours.LAYOUT_FILE).unlink(missing_ok=True)
    job = LayoutJob(str(small_model))
    seen = []
    deadline = time.monotonic() + 240
    while job.state()[0] == "running" and time.monotonic() < deadline:
        seen.append(job.state()[1])
        time.sleep(0.2)
    assert job.state() == ("done", 1.0, None)
    assert seen == sorted(seen)
    assert job.process.wait(timeout=60) == 0  # and the child ends
    failed = LayoutJob(str(tmp_path))
    failed.process.wait(timeout=120)
    time.sleep(0.5)
    status, _, error = failed.state()
    assert status == "failed" and error
