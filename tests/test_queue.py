"""The line for trainings (vae/workers/queue.py), with real child processes as the trainings."""

import sys
import time

import pytest

from vae.workers.jobs import TrainingJob
from vae.workers.queue import TrainingQueue, default_limit, peak_estimate, training_seconds


def sleeper(seconds: float):
    """A job that runs `seconds` in a child process (a real one, watched as a training is)."""
    return lambda: TrainingJob([sys.executable, "-c", f"import time; time.sleep({seconds})"])


def test_at_most_n_run_and_the_rest_wait_first_come_first_served():
    queue = TrainingQueue(limit=1, available=lambda: 10**12)
    assert queue.request("a", sleeper(1.5), 2.0) == "running"
    assert queue.request("b", sleeper(0.1), 5.0) == "waiting"
    assert queue.request("c", sleeper(0.1), 5.0) == "waiting"
    assert queue.request("b", sleeper(0.1), 5.0) == "waiting"  # pressing Train again keeps one place
    assert queue.position("b") == (1, 2) and queue.position("c") == (2, 2)
    assert queue.request("a", sleeper(1.5), 2.0) == "running"  # the same config watches the running one
    assert 0 < queue.wait_seconds("b") <= 2.0 and queue.wait_seconds("c") > queue.wait_seconds("b")
    queue.running["a"].wait(timeout=30)
    queue.promote()
    assert "b" in queue.running and queue.position("c") == (1, 1)


def test_leaving_the_line_frees_the_place():
    queue = TrainingQueue(limit=1, available=lambda: 10**12)
    queue.request("a", sleeper(1.0), 1.0)
    queue.request("b", sleeper(0.1), 1.0)
    queue.request("c", sleeper(0.1), 1.0)
    queue.leave("b")
    assert queue.position("b") is None and queue.position("c") == (1, 1)
    queue.running["a"].cancel()


def test_a_place_nobody_asks_about_is_freed(monkeypatch):
    import vae.workers.queue

    queue = TrainingQueue(limit=1, available=lambda: 10**12)
    queue.request("a", sleeper(2.0), 1.0)
    queue.request("b", sleeper(0.1), 1.0)
    monkeypatch.setattr(vae.workers.queue, "ABANDON_AFTER_S", 0.2)
    time.sleep(0.3)  # the tab was closed: nobody asked
    queue.promote()
    assert queue.position("b") is None
    queue.running["a"].cancel()


def test_nothing_starts_that_free_memory_would_not_hold():
    free = {"bytes": 10**9}
    queue = TrainingQueue(limit=4, peak_bytes=1_400_000_000, available=lambda: free["bytes"])
    assert queue.request("a", sleeper(0.1), 1.0) == "waiting"
    free["bytes"] = 2 * 10**9
    queue.promote()
    assert "a" in queue.running
    queue.running["a"].wait(timeout=30)


def test_a_training_of_more_pictures_waits_for_its_own_larger_estimate():
    free = {"bytes": 2 * 10**9}
    queue = TrainingQueue(limit=4, peak_bytes=1_700_000_000, available=lambda: free["bytes"])
    colour = peak_estimate(60_000, 3)  # 60,000 colour pictures: bench.memory measured 2.60 GB
    assert 2.6e9 < colour < 3.2e9 and peak_estimate(20_000, 3) == peak_estimate(60_000, 1)
    assert queue.request("colour", sleeper(0.1), 1.0, colour) == "waiting"
    free["bytes"] = 3 * 10**9
    queue.promote()
    assert "colour" in queue.running
    queue.running["colour"].wait(timeout=30)


def test_the_limit_comes_from_vae_max_trainings(monkeypatch):
    monkeypatch.setenv("VAE_MAX_TRAININGS", "3")
    assert default_limit() == 3
    monkeypatch.delenv("VAE_MAX_TRAININGS")
    assert default_limit() >= 1
    monkeypatch.setenv("VAE_MAX_TRAININGS", "0")
    with pytest.raises(ValueError, match="VAE_MAX_TRAININGS"):
        default_limit()
    assert training_seconds(20, 60_000) > training_seconds(20, 1_000)
