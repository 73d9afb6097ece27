"""Killed trainings, concurrent requests, damaged caches: nothing half-done ever loads."""

import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import vae
from tests.conftest import ROOT
from vae.store.cache import list_cached_models


def test_a_training_process_killed_half_way_leaves_no_model(tmp_path, idx_folder):
    out = tmp_path / "model"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vae",
            "--data-dir",
            str(idx_folder),
            "--epochs",
            "200",
            "--train-limit",
            "2000",
            "--test-limit",
            "200",
            "--hidden-units",
            "32",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Wait until it is really training (a second epoch has begun), then kill it hard. A
        # child that dies early ends the wait at once instead of spinning until the deadline.
        deadline = time.monotonic() + 120
        seen = ""
        while "epoch 2/" not in seen and time.monotonic() < deadline and process.poll() is None:
            seen += process.stderr.readline()
        assert "epoch 2/" in seen, seen
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert not out.exists()
    for leftover in tmp_path.iterdir():  # a staging folder may remain; it must never load as a model
        with pytest.raises(vae.ModelFileError):
            vae.load_model(leftover)


def test_an_interrupted_save_is_never_visible(tiny_model, tmp_path, monkeypatch):
    import vae.store.files

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed while writing metrics")

    monkeypatch.setattr(vae.store.files.json, "dumps", crash)
    with pytest.raises(KeyboardInterrupt):
        tiny_model.save(tmp_path / "model")
    assert list(tmp_path.iterdir()) == []


def test_two_sessions_asking_for_the_same_model_train_it_once(small_mnist):
    config = vae.TrainConfig(epochs=1, batch_size=100, hidden_units=(16,), seed=7)
    trainings, results, errors = [], [], []

    def session():
        try:
            results.append(vae.train_cached(config, small_mnist, on_progress=trainings.append))
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=session) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors
    assert len(trainings) == 3  # one run of 3 batches, not two
    z = np.array([[0.1, 0.2]])
    np.testing.assert_array_equal(results[0].decode(z), results[1].decode(z))


def test_a_damaged_cache_entry_is_retrained_not_loaded(small_mnist):
    from vae.store.files import WEIGHTS_FILE

    config = vae.TrainConfig(epochs=1, batch_size=100, hidden_units=(16,), seed=8)
    first = vae.train_cached(config, small_mnist)
    weights = first.path / WEIGHTS_FILE
    weights.write_bytes(weights.read_bytes()[:100])
    seen = []
    second = vae.train_cached(config, small_mnist, on_progress=seen.append)
    assert seen and vae.load_model(second.path)


def test_an_unreadable_cache_folder_lists_nothing(tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    (locked / "models" / "mnist-dense-x").mkdir(parents=True)
    monkeypatch.setenv("VAE_CACHE_DIR", str(locked))
    os.chmod(locked / "models", 0)
    try:
        if os.access(locked / "models", os.R_OK):
            # root reads everything; simulate the failure the way a student's laptop shows it
            monkeypatch.setattr(
                type(locked), "iterdir", lambda self: (_ for _ in ()).throw(PermissionError(13, "denied"))
            )
        assert list_cached_models() == []
    finally:
        os.chmod(locked / "models", 0o755)


def test_an_unwritable_cache_is_explained(tmp_path, monkeypatch):
    from vae.store.cache import cache_problem

    monkeypatch.setenv("VAE_CACHE_DIR", str(tmp_path / "cache"))
    assert cache_problem() is None
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    message = cache_problem()
    assert str(tmp_path / "cache") in message and "VAE_CACHE_DIR" in message
