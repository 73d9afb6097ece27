"""A model's neighbours layout computed in a child process, at the lowest CPU priority.

t-SNE of 10,000 means takes both cores for most of a minute (vae/analysis/neighbours.py). In
the app's own process it would stall every page; a child at nice 19 gets the processor only
while nobody else needs it. The child is `python -m vae.analysis.neighbours --progress-json`:
a thread reads its JSON lines (progress, then done), another keeps its stderr for the message.
Started by the trainings' spawner thread (vae/workers/jobs.py), so it ends with the app.
"""

from __future__ import annotations

import collections
import json
import sys
import threading

from vae.workers.jobs import spawn


class LayoutJob:
    """One child computing one model's layout; every method returns at once."""

    def __init__(self, model_dir: str):
        self.model_dir = model_dir
        self._lock = threading.Lock()
        self._fraction, self._status = 0.0, "running"
        self._stderr = collections.deque(maxlen=50)
        command = [sys.executable, "-m", "vae.analysis.neighbours", model_dir, "--progress-json", "--nice"]
        self.process = spawn(command)
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        threading.Thread(target=self._read_stdout, daemon=True).start()

    def _drain_stderr(self) -> None:
        for line in self.process.stderr:
            self._stderr.append(line.rstrip("\n"))

    def _read_stdout(self) -> None:
        for line in self.process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            with self._lock:
                if "progress" in message:
                    self._fraction = float(message["progress"])
                elif "done" in message:
                    self._fraction, self._status = 1.0, "done"
        self.process.wait()
        with self._lock:
            if self._status != "done":
                self._status = "failed"

    def state(self) -> tuple[str, float, str | None]:
        """(status: running, done or failed; the fraction done; the error, if it failed)."""
        with self._lock:
            return self._status, self._fraction, self.error() if self._status == "failed" else None

    def error(self) -> str:
        lines = list(self._stderr)
        reasons = [line[len("error:") :].strip() for line in lines if line.startswith("error:")]
        if reasons:
            return reasons[-1]
        return lines[-1] if lines else f"exit status {self.process.returncode}"

    def cancel(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
