"""The warm trainer (vae/workers/warm.py): a training process that has imported TensorFlow and
read the images before Train is pressed, takes the job; another warms up behind it; a killed
one is replaced, and no training is lost."""

import os
import signal
import time

import pytest

import vae
from vae.model.config import form_config
from vae.workers import warm
from vae.workers.jobs import TrainingJob
from vae.workers.queue import TrainingQueue

CONFIG = vae.TrainConfig(epochs=1, hidden_units=(16,), train_limit=300)


@pytest.fixture
def pool(monkeypatch, idx_folder):
    monkeypatch.setenv("VAE_DATA_DIR", str(idx_folder))
    yield warm.POOL
    warm.POOL.close()


def ready(trainer: warm.WarmTrainer) -> warm.WarmTrainer:
    assert trainer.ready.wait(timeout=120), "the warm trainer did not get ready"
    return trainer


def finished(job: TrainingJob, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while not job.state().finished and time.monotonic() < deadline:
        time.sleep(0.1)
    return job.state()


def test_a_warm_trainer_takes_the_job_and_another_warms_up_behind_it(pool):
    first = ready(pool.ensure("mnist", None))
    assert pool.rss() > 100_000_000  # TensorFlow and the images, held for the next training
    job = TrainingJob.for_config(CONFIG)
    assert job.warm and job.process.pid == first.process.pid
    state = finished(job)
    assert state.status == "done", job.error()
    assert vae.load_model(state.result["path"]).config.train_limit == 300
    behind = ready(pool.waiting[("mnist", None)])
    assert behind.process.pid != first.process.pid and behind.alive()


def test_the_forms_default_training_starts_on_the_step_its_warm_trainer_traced_ahead(pool, idx_folder):
    trainer = ready(pool.ensure("mnist", None))
    assert trainer.prepares  # said in its "warm" line; the step is traced before it reads a job
    data = vae.load_dataset("mnist", data_dir=idx_folder)
    job = TrainingJob.for_config(form_config("class", len(data.x_train), dataset="mnist"))
    assert job.warm
    state = finished(job, timeout=240)
    assert state.status == "done", job.error()
    assert vae.load_model(state.result["path"]).metrics["step_traced_ahead"]
    # Another config in the next warm trainer: trained as before, its own step traced.
    ready(pool.waiting[("mnist", None)])
    other = TrainingJob.for_config(CONFIG)
    assert other.warm and finished(other).status == "done", other.error()
    assert not vae.load_model(other.state().result["path"]).metrics["step_traced_ahead"]


def test_a_killed_warm_trainer_is_replaced_and_no_training_is_lost(pool):
    first = ready(pool.ensure("mnist", None))
    os.kill(first.process.pid, signal.SIGKILL)
    first.process.wait(timeout=10)
    job = TrainingJob.for_config(CONFIG)
    assert not job.warm  # a fresh `python -m vae`, as without a warm trainer
    assert finished(job).status == "done", job.error()
    replacement = pool.waiting[("mnist", None)]
    assert replacement.process.pid != first.process.pid and ready(replacement).alive()


def test_a_trainer_still_warming_up_is_kept_for_the_next_press(pool):
    trainer = pool.ensure("mnist", None)
    assert not trainer.ready.is_set()  # importing TensorFlow takes seconds
    assert pool.take("mnist", None, ["--epochs", "1"]) is None  # the press starts a fresh trainer instead
    assert pool.waiting[("mnist", None)] is trainer and ready(trainer).alive()


def test_a_warm_trainer_let_go_without_a_job_ends_cleanly(pool):
    trainer = ready(pool.ensure("mnist", None))
    trainer.process.stdin.close()
    assert trainer.process.wait(timeout=30) == 0


def test_the_line_counts_a_waiting_trainers_memory_as_the_next_trainings():
    held = TrainingQueue(
        limit=1, peak_bytes=1_700_000_000, available=lambda: 1_000_000_000, reserved=lambda: 800_000_000
    )
    assert held.fits()
    assert not TrainingQueue(limit=1, peak_bytes=1_700_000_000, available=lambda: 1_000_000_000).fits()
