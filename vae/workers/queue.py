"""The line for trainings: at most N at once, and never more than free memory allows.

A class of thirty pressing "Train" would start thirty trainings of about 1.3 GB each and
bring the kernel's out-of-memory killer to the server. Here the rest wait in line, first
come first served; two requests for one configuration are one place (and one training).
Every method returns at once; `promote()` starts whoever may start now, and the app calls
it whenever a page asks how its training is doing.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Callable

import psutil

# Peak resident memory of one training of the default recipe on 60,000 images, evaluation
# included: 1.70 GB (`/usr/bin/time -v python -m vae --data-dir ../shared/data/mnist --epochs 2`,
# Intel Xeon, 2026-12-02; the outside check saw 1.3 GB a training on AMD). Each job measures
# its own peak (vae/workers/jobs.py), and the line uses the largest it has seen when that is larger.
PEAK_BYTES = 1_700_000_000
# What a training holds beside its network and TensorFlow: its pictures as float32, about
# three times over (the array read, the tf.constant of the input, the batches and the
# evaluation's encodings). PEAK_BYTES is the grey MNIST case; a colour dataset adds its third
# channel's share (bench.memory measures both against `peak_estimate`).
IMAGE_COPIES = 3
SECONDS_PER_EPOCH = 4.5  # a 60,000-image epoch of the default recipe on a 2-core machine
ABANDON_AFTER_S = 90.0  # a place nobody has asked about for this long (a closed tab) is freed


def default_limit() -> int:
    """VAE_MAX_TRAININGS, else one training per two cores (at least one)."""
    text = os.environ.get("VAE_MAX_TRAININGS", "").strip()
    if text:
        if not text.isdigit() or int(text) < 1:
            raise ValueError(f"VAE_MAX_TRAININGS must be a whole number of at least 1, not {text!r}.")
        return int(text)
    return max(1, (os.cpu_count() or 2) // 2)


@dataclasses.dataclass
class Waiting:
    key: str
    start: Callable[[], object]  # makes the job (vae.workers.jobs.TrainingJob) when its turn comes
    seconds: float  # its estimated training time
    asked_at: float  # when a page last asked about it
    peak: int = 0  # its estimated peak memory (peak_estimate), when above the line's own


class TrainingQueue:
    """Running jobs by key and the line of waiting ones; safe to call from many sessions."""

    def __init__(self, limit: int | None = None, peak_bytes: int = PEAK_BYTES, available=None, reserved=None):
        """`reserved()`: memory already held for the next training (a warm trainer waiting,
        vae/workers/warm.py, whose process becomes it), counted as free for that training."""
        self.limit = default_limit() if limit is None else limit
        self.peak_bytes = peak_bytes
        self._available = available or (lambda: psutil.virtual_memory().available)
        self._reserved = reserved or (lambda: 0)
        self.lock = threading.RLock()
        self.running: dict[str, object] = {}  # key -> job
        self.started_at: dict[str, float] = {}
        self.seconds: dict[str, float] = {}  # key -> estimated training seconds
        self.line: list[Waiting] = []

    def _active(self) -> list[str]:
        return [key for key, job in self.running.items() if not job.state().finished]

    def fits(self, peak: int = 0) -> bool:
        """Whether one more training may start: under the limit, and its peak memory free."""
        need = max(self.peak_bytes, peak)
        return len(self._active()) < self.limit and self._available() + self._reserved() >= need

    def request(self, key: str, start: Callable[[], object], seconds: float, peak: int = 0) -> str:
        """Ask for a training: "running" (started now, or already running: watch it) or "waiting"."""
        with self.lock:
            job = self.running.get(key)
            if job is not None and not job.state().finished:
                return "running"
            place = self._place(key)
            if place is None:
                self.line.append(Waiting(key, start, seconds, time.monotonic(), peak))
            else:
                place.asked_at = time.monotonic()
            self.promote()
            return "running" if key in self.running and not self.running[key].state().finished else "waiting"

    def _place(self, key: str) -> Waiting | None:
        return next((w for w in self.line if w.key == key), None)

    def promote(self) -> None:
        """Start the first in line while there is room; free the places nobody asks about."""
        with self.lock:
            now = time.monotonic()
            self.line = [w for w in self.line if now - w.asked_at <= ABANDON_AFTER_S]
            for key in [k for k, job in self.running.items() if job.state().finished]:
                self._learn_peak(self.running[key])
            while self.line and self.fits(self.line[0].peak):
                waiting = self.line.pop(0)
                self.running[waiting.key] = waiting.start()
                self.started_at[waiting.key] = now
                self.seconds[waiting.key] = waiting.seconds

    def _learn_peak(self, job) -> None:
        peak = getattr(job, "peak_bytes", 0) or 0
        self.peak_bytes = max(self.peak_bytes, int(peak))

    def leave(self, key: str) -> None:
        with self.lock:
            self.line = [w for w in self.line if w.key != key]

    def position(self, key: str) -> tuple[int, int] | None:
        """(place, of how many) of a waiting key, 1-based; None when it is not in line."""
        with self.lock:
            place = self._place(key)
            if place is None:
                return None
            place.asked_at = time.monotonic()
            return self.line.index(place) + 1, len(self.line)

    def wait_seconds(self, key: str) -> float:
        """About how long until `key` starts: the running ones' remaining time, and those ahead."""
        with self.lock:
            now = time.monotonic()
            remaining = sorted(
                max(0.0, self.seconds.get(k, 0.0) - (now - self.started_at.get(k, now))) for k in self._active()
            )
            ahead = [w.seconds for w in self.line[: [w.key for w in self.line].index(key)]] if self._place(key) else []
            # Trainings leave the slots in order: each one ahead takes the slot freed first.
            slots = remaining + [0.0] * max(0, self.limit - len(remaining))
            for seconds in ahead:
                slots.sort()
                slots[0] += seconds
            return min(slots) if slots else 0.0


def peak_estimate(images: int = 60_000, channels: int = 1) -> int:
    """The memory one training of `images` pictures of `channels` needs at its peak."""
    extra = (images * channels - 60_000) * 28 * 28 * 4 * IMAGE_COPIES
    return max(PEAK_BYTES // 2, PEAK_BYTES + extra)


def training_seconds(epochs: int, images: int) -> float:
    """A rough estimate of a sidebar training's time, for the line's wait."""
    return SECONDS_PER_EPOCH * epochs * images / 60_000 + 10.0  # + loading data and TensorFlow
