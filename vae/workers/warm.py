"""A warm trainer: a training process that has imported TensorFlow and read the training images
before anyone presses Train, so that a press starts training at once.

A fresh `python -m vae` spends its first seconds starting Python, importing TensorFlow and
Keras, and reading 60,000 images (15 s to the first live map with the app's page open, on
a 2-core machine: bench.time_to_map). A warm trainer does all that ahead, at the lowest
priority, then waits. When Train is pressed, the app hands it the command line, and it runs
exactly what `python -m vae` would (vae/cli.py's `main`), in that same fresh process:
TensorFlow never forks, and every training still gets a process of its own, which returns its
memory when it ends. A new one warms up behind it. Once ready, it also traces the training step
of the form's default config (5-6 s that `fit` would spend before its first step), so that the
usual press starts stepping at once; another config traces its own, as a fresh process does.

    python -m vae --warm [--dataset mnist] [--data-dir DIR]

(vae/cli.py's `serve_warm`) prints {"warm": {...}} on stdout once ready, then reads one line on
stdin: the command line (a JSON list) of `python -m vae`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

from vae.workers.spawn import spawn

READY_TIMEOUT_S = 120.0


class WarmTrainer:
    """One warm trainer process for one dataset and data folder; every method returns at once."""

    def __init__(self, dataset: str = "mnist", data_dir: str | None = None):
        self.dataset, self.data_dir = dataset, data_dir
        self.ready = threading.Event()
        self.prepares = False  # it traces the form's default training step once ready (vae/training/fit.py's prepare)
        self.started = time.monotonic()
        command = [sys.executable, "-m", "vae", "--warm", "--dataset", dataset]
        if data_dir:
            command += ["--data-dir", str(data_dir)]
        self.process = spawn(command)
        threading.Thread(target=self._wait_ready, daemon=True).start()

    def _wait_ready(self) -> None:
        line = self.process.stdout.readline()  # its first line, once warm; "" if it died
        if line.startswith('{"warm"'):
            self.prepares = bool(json.loads(line)["warm"].get("prepares"))
            self.ready.set()

    def alive(self) -> bool:
        return self.process.poll() is None

    def usable(self) -> bool:
        return self.ready.is_set() and self.alive()

    def rss(self) -> int:
        """Its resident memory, in bytes (0 once it has ended)."""
        import psutil

        try:
            return psutil.Process(self.process.pid).memory_info().rss if self.alive() else 0
        except psutil.Error:
            return 0

    def hand(self, arguments: list[str]) -> subprocess.Popen:
        """Give it `python -m vae`'s arguments: from now on it is that training's process."""
        self.process.stdin.write(json.dumps(arguments) + "\n")
        self.process.stdin.flush()
        return self.process

    def close(self) -> None:
        if self.alive():
            self.process.kill()
            self.process.wait(timeout=10)


class WarmPool:
    """At most one warm trainer waiting, per dataset and folder, in this process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.waiting: dict[tuple, WarmTrainer] = {}

    def ensure(self, dataset: str = "mnist", data_dir: str | None = None) -> WarmTrainer:
        """A warm trainer is waiting (or warming up) for this dataset; started if none (or it died)."""
        with self.lock:
            trainer = self.waiting.get((dataset, data_dir))
            if trainer is None or not trainer.alive():
                trainer = self.waiting[(dataset, data_dir)] = WarmTrainer(dataset, data_dir)
            return trainer

    def take(self, dataset: str, data_dir: str | None, arguments: list[str]) -> subprocess.Popen | None:
        """A warm trainer's process, handed `arguments`, and another one warming up behind it;
        None if none is ready (the caller starts a fresh `python -m vae`, as without one)."""
        with self.lock:
            trainer = self.waiting.pop((dataset, data_dir), None)
        if trainer is None or not trainer.usable():
            if trainer is not None and not trainer.alive():
                self.ensure(dataset, data_dir)  # it died: a new one, for the next press
            elif trainer is not None:
                with self.lock:  # still warming up: it stays for the next press
                    self.waiting.setdefault((dataset, data_dir), trainer)
            return None
        process = trainer.hand(arguments)
        self.ensure(dataset, data_dir)
        return process

    def rss(self) -> int:
        """The waiting trainers' memory: the next training takes it over (vae/workers/queue.py)."""
        with self.lock:
            trainers = list(self.waiting.values())
        return sum(trainer.rss() for trainer in trainers)

    def close(self) -> None:
        with self.lock:
            trainers, self.waiting = list(self.waiting.values()), {}
        for trainer in trainers:
            trainer.close()


POOL = WarmPool()
