"""Trainings as RQ jobs (vae/workers/remote.py) on real training workers (`python -m deploy.worker`)
and a real Redis: one job per configuration, the machine's slots shared by its workers, a model
in the shared store, a worker killed with SIGKILL mid-training, and a Redis restarted under a job.

Each worker is a separate process with its own cache; the workers and the "app" (the
RemoteTrainings here, as an app process holds it) share only Redis and the store folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

import vae
from tests.conftest import ROOT, SHARED_MNIST
from tests.test_follow import RedisServer
from vae.workers import remote
from vae.workers.remote import RemoteTrainings

TINY = dict(epochs=2, hidden_units=(16,), train_limit=2000, batch_size=100)


@pytest.fixture
def school(tmp_path, monkeypatch):
    """Redis (with its append-only file), a store folder, and a way to start workers."""
    if not SHARED_MNIST.is_dir():
        pytest.skip("needs ../shared/data/mnist (the training images)")
    (tmp_path / "redis").mkdir()
    redis = RedisServer(tmp_path / "redis", appendonly=True)
    store = tmp_path / "store"
    monkeypatch.setenv("VAE_MODEL_STORE", str(store))
    started: list[subprocess.Popen] = []

    def worker(name: str, slots: int = 1) -> subprocess.Popen:
        env = {
            **os.environ,
            "VAE_QUEUE_URL": redis.url,
            "VAE_MODEL_STORE": str(store),
            "VAE_DATA_DIR": str(SHARED_MNIST.parent),
            "VAE_CACHE_DIR": str(tmp_path / f"cache-{name}"),
            "VAE_SLOT_DIR": str(tmp_path / "slots"),
            "VAE_MAX_TRAININGS": str(slots),
        }
        log = open(tmp_path / f"worker-{name}.log", "w")
        process = subprocess.Popen(
            [sys.executable, "-m", "deploy.worker", "--name", name],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    class School:
        pass

    s = School()
    s.redis, s.store, s.worker, s.logs = redis, store, worker, tmp_path
    s.trainings = RemoteTrainings(redis.url)
    yield s
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    redis.stop()


def trainers(worker: subprocess.Popen) -> list[psutil.Process]:
    """The worker's training children (`python -m vae ... --progress-json`), its horse's children."""
    try:
        children = psutil.Process(worker.pid).children(recursive=True)
    except psutil.Error:
        return []
    found = []
    for child in children:
        try:
            if "--progress-json" in child.cmdline():
                found.append(child)
        except psutil.Error:
            pass
    return found


def wait_until(condition, timeout: float, what: str, every: float = 0.25):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(every)


def wait_for_workers(trainings: RemoteTrainings, count: int) -> None:
    wait_until(lambda: len(__import__("rq").Worker.all(queue=trainings.queue)) >= count, 60, f"{count} workers")


def finished(trainings: RemoteTrainings, key: str, timeout: float = 240):
    def done():
        trainings.position(key)  # as a page asks: it keeps the job wanted
        state = trainings.state(key)
        return state if state.finished else None

    return wait_until(done, timeout, f"job {key} to finish", every=1.0)


def test_an_idle_worker_has_no_child_and_two_presses_are_one_job_trained_into_the_store(school):
    worker = school.worker("w1")
    wait_for_workers(school.trainings, 1)
    time.sleep(2)
    assert psutil.Process(worker.pid).children(recursive=True) == []  # idle: no child at all
    config = vae.TrainConfig(**TINY, seed=1)
    first = school.trainings.request("one", config, 30)
    second = school.trainings.request("one", config, 30)  # another page's press, same configuration
    assert first in ("waiting", "running") and second in ("waiting", "running")
    assert len(school.trainings.queue.get_job_ids()) + len(school.trainings.queue.started_job_registry) <= 1
    # The place in line and the progress come from Redis (any app process could read them).
    wait_until(lambda: school.trainings.state("one").progress is not None, 180, "progress")
    state = finished(school.trainings, "one")
    assert state.status == "done", state.error
    path = Path(state.result["path"])
    assert path.parent == school.store and path.is_dir()
    # The store is what every process lists: here, this process with VAE_MODEL_STORE set.
    assert path.name in vae.available_models("mnist")
    assert vae.load_model(path).config.seed == 1
    assert state.snapshots and len(state.losses["kl_loss"]) >= 2
    # And the worker is idle again with no child.
    wait_until(lambda: psutil.Process(worker.pid).children(recursive=True) == [], 30, "the horse to end")


def test_two_workers_on_one_slot_train_one_at_a_time_and_a_killed_worker_loses_no_job(school):
    """Two workers on a machine with one slot; three jobs. At most one training at a time; the
    worker that trains is killed with SIGKILL mid-training: its job goes back to the queue and
    finishes on the other worker; every job ends done, and no half-written model is listed."""
    workers = [school.worker("a"), school.worker("b")]
    wait_for_workers(school.trainings, 2)
    keys = [f"k{i}" for i in range(3)]
    for i, key in enumerate(keys):
        school.trainings.request(key, vae.TrainConfig(**{**TINY, "epochs": 6 if i == 0 else 2}, seed=10 + i), 40)
    most = 0

    def first_is_training():
        nonlocal most
        counts = [len(trainers(w)) for w in workers]
        most = max(most, sum(counts))
        state = school.trainings.state("k0")
        return [w for w, c in zip(workers, counts, strict=True) if c] if state.progress is not None else None

    busy = wait_until(first_is_training, 180, "the first job's progress")
    assert len(busy) == 1
    busy[0].send_signal(signal.SIGKILL)  # the worker process itself, mid-training
    busy[0].wait(timeout=10)
    wait_until(lambda: trainers(busy[0]) == [] and not psutil.pid_exists(busy[0].pid), 20, "its horse and child to end")

    results = {}
    deadline = time.monotonic() + 420
    while len(results) < 3:
        assert time.monotonic() < deadline, f"not all jobs finished: {results}"
        most = max(most, sum(len(trainers(w)) for w in workers))
        for key in keys:
            if key not in results:
                school.trainings.position(key)
                state = school.trainings.state(key)
                if state.finished:
                    results[key] = state
        # No half-written model is ever listed (partial saves are dot-folders).
        assert all(not p.name.startswith(".") for p in map(Path, vae.available_models("mnist").values()))
        time.sleep(0.5)
    assert most == 1, f"{most} trainings ran at once on one slot"
    assert {k: s.status for k, s in results.items()} == dict.fromkeys(keys, "done"), {
        k: s.error for k, s in results.items()
    }
    assert (
        "went back to the queue"
        in (school.logs / "worker-a.log").read_text() + (school.logs / "worker-b.log").read_text()
    )


def test_a_job_lost_twice_fails_with_a_message(school):
    config = vae.TrainConfig(**{**TINY, "epochs": 40}, seed=3)
    school.trainings.request("twice", config, 60)
    for attempt in range(2):
        worker = school.worker(f"t{attempt}")
        wait_until(lambda w=worker: trainers(w), 180, "a training child")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    watcher = school.worker("watcher")  # an idle worker: it notices the second loss
    state = finished(school.trainings, "twice", timeout=120)
    assert state.status == "failed"
    assert "stopped twice" in state.error
    assert watcher.poll() is None


def test_a_redis_restart_mid_training_keeps_the_job(school):
    school.worker("r1")
    wait_for_workers(school.trainings, 1)
    school.trainings.request("restart", vae.TrainConfig(**{**TINY, "epochs": 8}, seed=4), 60)
    wait_until(lambda: school.trainings.state("restart").progress is not None, 180, "progress")
    time.sleep(1.5)  # the append-only file is written every second
    school.redis.stop()
    time.sleep(3)
    school.redis.start()
    state = finished(school.trainings, "restart")
    assert state.status == "done", state.error
    assert Path(state.result["path"]).is_dir()


def test_the_queue_url_defaults_to_the_board_url(monkeypatch):
    monkeypatch.delenv("VAE_QUEUE_URL", raising=False)
    monkeypatch.setenv("VAE_BOARD_URL", "redis://127.0.0.1:1/0")
    assert remote.queue_url() == "redis://127.0.0.1:1/0"
    monkeypatch.setenv("VAE_QUEUE_URL", "redis://127.0.0.1:2/0")
    assert remote.queue_url() == "redis://127.0.0.1:2/0"
    monkeypatch.delenv("VAE_QUEUE_URL")
    monkeypatch.delenv("VAE_BOARD_URL")
    assert remote.queue_url() is None


def test_a_worker_without_a_queue_says_what_to_set():
    env = {k: v for k, v in os.environ.items() if k not in ("VAE_QUEUE_URL", "VAE_BOARD_URL")}
    done = subprocess.run(
        [sys.executable, "-m", "deploy.worker"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and "VAE_QUEUE_URL" in done.stderr and "Traceback" not in done.stderr
