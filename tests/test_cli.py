"""`python -m vae.train` end to end on a real subset of MNIST."""

import subprocess
import sys

import vae
from tests.conftest import ROOT, SHARED_MNIST


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "vae.train", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_command_line_trains_saves_and_summarises(tmp_path):
    out = tmp_path / "model"
    result = run_cli("--dataset", "mnist", "--arch", "dense", "--epochs", "1", "--beta", "1",
                     "--data-dir", str(SHARED_MNIST), "--limit", "400", "--test-limit", "500",
                     "--hidden", "64,32", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "test negative ELBO" in result.stdout and "5-NN accuracy" in result.stdout
    assert "epoch 1/1 [" in result.stderr and "100.0%" in result.stderr  # the progress bar
    model = vae.load_model(out)
    assert model.metrics["train_images"] == 400 and model.config.hidden_units == (64, 32)


def test_command_line_reports_a_bad_data_folder(tmp_path):
    result = run_cli("--data-dir", str(tmp_path / "nowhere"), "--epochs", "1")
    assert result.returncode == 2
    assert "error:" in result.stderr and "nowhere" in result.stderr
    assert "Traceback" not in result.stderr


def test_json_progress_and_the_cache_for_the_app(tmp_path):
    import json

    result = run_cli("--data-dir", str(SHARED_MNIST), "--epochs", "1", "--limit", "300",
                     "--test-limit", "300", "--hidden", "32", "--progress-json", "--nice", "5")
    assert result.returncode == 0, result.stderr
    messages = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    progress = [m["progress"] for m in messages if "progress" in m]
    assert progress and progress[-1]["fraction"] == 1.0
    done = messages[-1]["done"]
    model = vae.load_model(done["path"])  # trained into the user cache, where the app looks
    assert abs(model.metrics["test_nelbo"] - done["test_nelbo"]) < 1e-9
    assert str(tmp_path) in done["path"]


def test_training_in_a_child_process_reports_progress_and_errors(monkeypatch, tmp_path):
    import pytest

    from vae.cli import train_in_child_process

    monkeypatch.setenv("VAE_DATA_DIR", str(SHARED_MNIST))
    seen = []
    config = vae.TrainConfig(epochs=1, hidden_units=(16,), train_limit=300)
    result = train_in_child_process(config, seen.append)
    assert seen and seen[-1].fraction == 1.0
    assert vae.load_model(result["path"]).config.train_limit == 300
    monkeypatch.setenv("VAE_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(ValueError, match="nowhere"):
        train_in_child_process(config)
