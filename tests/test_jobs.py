"""Training in a child process: nothing blocks, nothing is left running, stop keeps the model."""

import os
import signal
import subprocess
import sys
import threading
import time

import psutil
import pytest

import vae
from tests.conftest import ROOT
from vae.workers.jobs import TrainingJob, train_in_child_process

CONFIG = vae.TrainConfig(epochs=1, hidden_units=(16,), train_limit=300)


def test_progress_is_reported_and_the_model_lands_in_the_cache(monkeypatch, idx_folder):
    monkeypatch.setenv("VAE_DATA_DIR", str(idx_folder))
    seen = []
    result = train_in_child_process(CONFIG, seen.append)
    assert seen and seen[-1].fraction == 1.0
    assert vae.load_model(result["path"]).config.train_limit == 300


def test_the_trainers_own_error_message_is_raised(monkeypatch, tmp_path):
    monkeypatch.setenv("VAE_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(ValueError, match="nowhere"):
        train_in_child_process(CONFIG)


def test_a_child_that_floods_stderr_does_not_block(tmp_path):
    # More than a pipe holds (64 KB) on stderr, then the result on stdout.
    flood = (
        "import sys, json\n"
        "sys.stderr.write('warning: noise\\n' * 20000)\n"
        "print(json.dumps({'done': {'path': 'x', 'test_nelbo': 1.0}}), flush=True)\n"
    )
    job = TrainingJob([sys.executable, "-c", flood])
    state = job.wait(timeout=30)
    assert state.status == "done" and state.result["path"] == "x"


def test_an_interrupted_caller_leaves_no_child_running(monkeypatch, idx_folder):
    monkeypatch.setenv("VAE_DATA_DIR", str(idx_folder))
    children = []
    # Other tests' servers and browser (Redis, Streamlit, Chromium) may be children of this
    # process too, and Chromium starts processes of its own at any moment (a CI run counted one
    # as the trainer's): the trainer is a new child of this process, with what it started.
    before = {child.pid for child in psutil.Process().children()}

    def interrupt(progress):
        for child in psutil.Process().children():
            if child.pid not in before:
                children.extend([child, *child.children(recursive=True)])
        raise KeyboardInterrupt("the page was rerun")

    with pytest.raises(KeyboardInterrupt):
        train_in_child_process(vae.TrainConfig(epochs=50, hidden_units=(16,), train_limit=2000), interrupt)
    assert children
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive


def wait_for(job, condition, timeout=120):
    deadline = time.monotonic() + timeout
    while not condition(job.state()):
        assert time.monotonic() < deadline, job.state()
        time.sleep(0.1)
    return job.state()


def test_pause_resume_and_stop_keep_what_was_learned(monkeypatch, idx_folder):
    monkeypatch.setenv("VAE_DATA_DIR", str(idx_folder))
    job = TrainingJob.for_config(vae.TrainConfig(epochs=40, hidden_units=(16,), train_limit=4000, batch_size=50))
    try:
        wait_for(job, lambda s: len(s.snapshots) >= 2)  # one epoch done
        job.pause()
        child = psutil.Process(job.process.pid)
        assert child.status() == psutil.STATUS_STOPPED and job.state().status == "paused"
        # Nothing moves while paused: the child gets no CPU time at all. (Its reports are no
        # measure of that: a line it wrote just before the pause may still be in the pipe.)
        time.sleep(0.2)  # the kernel stops its other threads a moment after the main one
        used = sum(child.cpu_times()[:2])
        time.sleep(1.0)
        assert sum(child.cpu_times()[:2]) == used and child.status() == psutil.STATUS_STOPPED
        count = len(job.state().losses["kl_loss"])
        job.resume()
        wait_for(job, lambda s: len(s.losses["kl_loss"]) > count)  # and trains on once resumed
        job.stop()
        state = job.wait(timeout=120)
    finally:
        job.cancel()
    assert state.status == "stopped"
    model = vae.load_model(state.result["path"])
    assert 1 <= model.metrics["epochs_trained"] < 40 and "stopped-at" in state.result["path"]


def test_cancel_ends_the_child_and_saves_nothing(monkeypatch, idx_folder):
    from vae.store.cache import list_cached_models

    monkeypatch.setenv("VAE_DATA_DIR", str(idx_folder))
    job = TrainingJob.for_config(vae.TrainConfig(epochs=40, hidden_units=(16,), train_limit=4000))
    wait_for(job, lambda s: s.progress is not None)
    job.cancel()
    assert job.state().status == "cancelled" and job.process.poll() is not None
    assert list_cached_models() == []


def test_an_abandoned_job_is_cancelled(monkeypatch, idx_folder):
    monkeypatch.setenv("VAE_DATA_DIR", str(idx_folder))
    job = TrainingJob.for_config(vae.TrainConfig(epochs=40, hidden_units=(16,), train_limit=4000), abandon_after=2)
    deadline = time.monotonic() + 30
    while job.process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)  # nobody asks for its state
    assert job.process.poll() is not None and job.state().status == "cancelled"


PARENT = """
import sys, time
import vae
from vae.workers.jobs import TrainingJob

job = TrainingJob.for_config(vae.TrainConfig(epochs=300, train_limit=2000, hidden_units=(32,)))
while job.state().progress is None:  # really training
    time.sleep(0.1)
print(job.process.pid, flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_a_training_ends_with_the_server_that_started_it(how, idx_folder, tmp_path):
    env = {**os.environ, "VAE_DATA_DIR": str(idx_folder.parent), "VAE_CACHE_DIR": str(tmp_path)}
    server = subprocess.Popen([sys.executable, "-c", PARENT], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        child = psutil.Process(int(server.stdout.readline()))
        server.send_signal(getattr(signal, how))
        server.wait(timeout=10)
        child.wait(timeout=10)  # raises psutil.TimeoutExpired if the training outlives the server by 10 s
    finally:
        server.kill()
    assert not child.is_running()


def test_a_training_outlives_the_page_run_that_started_it(monkeypatch, idx_folder):
    # The kernel kills a child when the thread that started it ends (vae/cli.py asks it to, so
    # that a killed app leaves no training behind). A page's run is such a thread: the
    # training must go on after it, until it is done.
    monkeypatch.setenv("VAE_DATA_DIR", str(idx_folder))
    jobs = []

    def page_run():
        jobs.append(TrainingJob.for_config(vae.TrainConfig(epochs=3, hidden_units=(16,), train_limit=2000)))
        while jobs[0].state().progress is None:  # the child is training, its request made
            time.sleep(0.05)

    run = threading.Thread(target=page_run)
    run.start()
    run.join()
    state = jobs[0].wait(timeout=120)
    assert state.status == "done", (state.status, state.error)


def test_a_live_map_replaces_the_one_before_it_and_each_epochs_map_stays(monkeypatch, idx_folder):
    monkeypatch.setenv("VAE_DATA_DIR", str(idx_folder))
    job = TrainingJob.for_config(vae.TrainConfig(epochs=2, batch_size=16, hidden_units=(16,), train_limit=2000))
    seen = set()
    deadline = time.monotonic() + 180
    while not job.state().finished and time.monotonic() < deadline:
        seen.update(epoch for epoch, _ in job.state().snapshots)
        time.sleep(0.02)
    state = job.state()
    assert state.status == "done", job.error()
    assert [epoch for epoch, _ in state.snapshots] == [0, 1, 2]
    assert 0.8 in seen  # the live map after 100 of the first epoch's 125 steps, shown before the epoch ended
