"""The line of trainings that every session shares: this process's own (`Jobs`, with a warm
trainer waiting for the next press of Train), or a school's queue in Redis that training workers
take from (vae/workers/remote.py). `jobs()` is the one a page talks to; both have the same methods.
"""

from __future__ import annotations

import os
import threading
import time

import streamlit as st

import vae
from vae.data.sources import training_data_available
from vae.workers import remote, warm
from vae.workers.queue import ABANDON_AFTER_S, TrainingQueue, peak_estimate
from vae.workers.remote import RemoteTrainings


class Jobs(TrainingQueue):
    """Training jobs by configuration, and the line for them (vae/workers/queue.py): a second request
    for a running config watches it; the configs are kept to describe each job. The same methods
    as vae.workers.remote.RemoteTrainings, the line in Redis."""

    def __init__(self):
        super().__init__(reserved=warm.POOL.rss)
        self.configs: dict[str, vae.TrainConfig] = {}
        self.students: dict[str, str] = {}  # student (explorer/student.py) -> their training's key

    def request(self, key: str, config: vae.TrainConfig, seconds: float) -> str:  # type: ignore[override]
        from vae.workers.jobs import TrainingJob

        with self.lock:
            self.configs[key] = config
            # A training nobody has looked at for ABANDON_AFTER_S (a closed tab) is cancelled, as a
            # place in line is freed. A folder of one's own holds at most 20,000 pictures: in colour, as much as MNIST's 60,000 in grey.
            peak = peak_estimate(config.train_limit or 60_000, config.channels)
            return super().request(
                key, lambda: TrainingJob.for_config(config, abandon_after=ABANDON_AFTER_S), seconds, peak
            )

    def config(self, key: str) -> vae.TrainConfig | None:
        return self.configs.get(key)

    def remember(self, student: str, key: str) -> None:
        """This student's training, for their other tabs and their page after a reload."""
        self.students[student] = key

    def mine(self, student: str) -> str | None:
        return self.students.get(student)

    def forget(self, student: str, key: str) -> None:
        if self.students.get(student) == key:
            del self.students[student]

    def job(self, key: str):
        return self.running.get(key)


WARM_AFTER_S = 30.0  # after the server's first whole page: the pages opened with it come first


def warm_trainer() -> None:
    """Keep a warm trainer waiting for MNIST (vae/workers/warm.py) once a page is whole, where
    its training images are on this computer: a press of Train then starts at once. Started
    VAE_WARM_AFTER_S (default 30 s) after the server's first whole page, never before: its
    start (TensorFlow's import, the images) made the pages opened meanwhile 1.47× the one-line
    page instead of 1.21× (bench.live, side by side). VAE_WARM_TRAINER=0 turns it off."""
    if os.environ.get("VAE_WARM_TRAINER", "1") == "0" or remote.queue_url() or not training_data_available("mnist"):
        return  # (with a queue, the training workers train: deploy/worker.py)
    first = _first_whole_page()
    delay = float(os.environ.get("VAE_WARM_AFTER_S", WARM_AFTER_S))
    if time.monotonic() - first >= delay:
        warm.POOL.ensure("mnist", None)
    elif not _warm_timer().is_alive():
        timer = threading.Timer(delay - (time.monotonic() - first), warm.POOL.ensure, ("mnist", None))
        timer.daemon = True
        _WARM_TIMER[0] = timer
        timer.start()


_WARM_TIMER = [threading.Thread()]  # the timer that starts the first warm trainer (not started: none yet)


def _warm_timer() -> threading.Thread:
    return _WARM_TIMER[0]


@st.cache_resource(show_spinner=False)
def _first_whole_page() -> float:
    return time.monotonic()


@st.cache_resource(show_spinner=False)
def jobs() -> Jobs | RemoteTrainings:
    """This process's own line of trainings, or, with a queue URL (VAE_QUEUE_URL, else
    VAE_BOARD_URL), the Redis queue that training workers take from (vae/workers/remote.py,
    deploy/worker.py): this process then trains nothing itself."""
    url = remote.queue_url()
    return RemoteTrainings(url) if url else Jobs()
