"""`python -m vae` end to end on real MNIST digits."""

import dataclasses
import importlib
import json
import subprocess
import sys

import pytest

import vae
from tests.conftest import ROOT


def run_cli(*args, module="vae", env=None):
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_command_line_trains_saves_and_summarises(tmp_path, idx_folder):
    out = tmp_path / "model"
    result = run_cli(
        "--data-dir",
        str(idx_folder),
        "--epochs",
        "2",
        "--train-limit",
        "400",
        "--test-limit",
        "500",
        "--hidden-units",
        "64",
        "32",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert "test negative ELBO" in result.stdout and "5-NN accuracy" in result.stdout
    # The training time ends at the last step; what came after is said apart, step by step.
    assert "s after the last step (fit end" in result.stdout and "evaluation" in result.stdout, result.stdout
    model = vae.load_model(out)
    after = model.metrics["after_last_step_seconds"]
    assert set(after) == {"fit_end", "evaluation"} and all(0 <= seconds < 60 for seconds in after.values())
    assert model.metrics["train_images"] == 400 and model.config.hidden_units == (64, 32)
    assert model.snapshots is not None and len(model.snapshots) == 3


def test_a_log_gets_one_line_per_epoch_not_a_redrawn_bar(tmp_path, idx_folder):
    result = run_cli(
        "--data-dir",
        str(idx_folder),
        "--epochs",
        "3",
        "--train-limit",
        "600",
        "--test-limit",
        "200",
        "--hidden-units",
        "16",
        "--out",
        str(tmp_path / "m"),
    )
    assert result.returncode == 0, result.stderr
    epoch_lines = [line for line in result.stderr.splitlines() if line.startswith("epoch ")]
    assert [line.split()[1] for line in epoch_lines] == ["1/3", "2/3", "3/3"]
    assert "\r" not in result.stderr


def test_every_config_field_is_an_option():
    result = run_cli("--help")
    assert result.returncode == 0
    for field in dataclasses.fields(vae.TrainConfig):
        assert "--" + field.name.replace("_", "-") in result.stdout, field.name


def test_the_options_round_trip_a_config():
    from vae.cli import arguments_for, parse_args

    config = vae.TrainConfig(
        arch="conv",
        conv_filters=(4, 8),
        hidden_units=(32,),
        epochs=3,
        beta=0.5,
        activation="gelu",
        decoder_units=(8, 16),
        train_limit=100,
        seed=5,
    )
    assert parse_args(arguments_for(config)).config == config


def test_command_line_reports_a_bad_data_folder(tmp_path):
    result = run_cli("--data-dir", str(tmp_path / "nowhere"), "--epochs", "1")
    assert result.returncode == 2
    assert "error:" in result.stderr and "nowhere" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_option_value_is_explained():
    result = run_cli("--epochs", "0")
    assert result.returncode == 2 and "epochs must be at least 1" in result.stderr
    assert "Traceback" not in result.stderr


def test_json_progress_and_the_cache_for_the_app(tmp_path, idx_folder):
    result = run_cli(
        "--data-dir",
        str(idx_folder),
        "--epochs",
        "1",
        "--train-limit",
        "300",
        "--test-limit",
        "300",
        "--hidden-units",
        "32",
        "--progress-json",
        "--nice",
    )
    assert result.returncode == 0, result.stderr
    messages = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    progress = [m["progress"] for m in messages if "progress" in m]
    assert progress and progress[-1]["fraction"] == 1.0
    snapshots = [m["snapshot"] for m in messages if "snapshot" in m]
    assert [s["epoch"] for s in snapshots] == [0, 1] and len(snapshots[0]["means"]) == 300
    done = messages[-1]["done"]
    model = vae.load_model(done["path"])  # trained into the user cache, where the app looks
    assert abs(model.metrics["test_nelbo"] - done["test_nelbo"]) < 1e-9
    assert str(tmp_path) in done["path"]


def test_the_old_command_still_trains_and_the_function_stays_a_function(tmp_path, idx_folder):
    result = run_cli(
        "--data-dir",
        str(idx_folder),
        "--epochs",
        "1",
        "--train-limit",
        "200",
        "--test-limit",
        "200",
        "--hidden-units",
        "16",
        "--out",
        str(tmp_path / "m"),
        module="vae.train",
    )
    assert result.returncode == 0, result.stderr
    with pytest.raises(ImportError, match="python -m vae"):
        importlib.import_module("vae.train")
    assert callable(vae.train) and vae.train.__module__ == "vae"
