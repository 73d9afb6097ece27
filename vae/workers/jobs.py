"""Training in a child process that the app can watch, pause and stop without waiting on it.

Training in the app's own process would take both cores and gigabytes from every other
visitor; a child at the lowest CPU priority gets the processor only while nobody else
needs it, and returns its memory when it ends. The child is `python -m vae --progress-json`:
two threads drain its stdout (JSON lines: progress, map snapshots, the result) and stderr
(kept for the error message), so neither pipe can fill up and block it.

The child ends with the app, even when the app is killed (vae/workers/spawn.py).
"""

from __future__ import annotations

import collections
import dataclasses
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from vae.model.config import Progress, TrainConfig
from vae.workers.spawn import ROOT, spawn

STDERR_LINES = 200


@dataclasses.dataclass
class JobState:
    """What a training job has reported so far (a copy: safe to read while it runs)."""

    status: str  # running, paused, stopping, done, stopped, failed, cancelled
    progress: Progress | None
    losses: dict[str, list[float]]  # reconstruction_loss and kl_loss, one value per report
    snapshots: list[tuple[float, list]]  # (epoch, means of the snapshot images)
    result: dict | None
    error: str | None
    reading: tuple[int, int] | None = None  # (files read, files) while a folder of pictures is read

    @property
    def finished(self) -> bool:
        return self.status in ("done", "stopped", "failed", "cancelled")


class TrainingJob:
    """One child process training one model; every method returns at once.

    `abandon_after` (seconds): cancel the training when nobody has asked for its state for
    that long, so that a closed browser tab does not leave a training running.
    """

    def __init__(
        self, command: list[str], abandon_after: float | None = None, cwd: Path = ROOT, process: subprocess.Popen = None
    ):
        """`process`: a child already started (a warm trainer, vae/workers/warm.py, just handed
        this command), instead of starting `command`."""
        self.command = command
        self.warm = process is not None
        self._lock = threading.Lock()
        self._status, self._progress, self._result = "running", None, None
        self._losses = {"reconstruction_loss": [], "kl_loss": []}
        self._snapshots: list[tuple[float, list]] = []  # each epoch's map, then the latest live one
        self._last_live = False
        self._progress_log: list[Progress] = []
        self._stderr = collections.deque(maxlen=STDERR_LINES)
        self._last_seen = time.monotonic()
        self.peak_bytes = 0
        self._reading: tuple[int, int] | None = None
        self.process = process or spawn(command, cwd)
        self._stderr_thread = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stderr_thread.start()
        threading.Thread(target=self._read_stdout, daemon=True).start()
        if abandon_after is not None:
            threading.Thread(target=self._watch, args=(abandon_after,), daemon=True).start()

    @classmethod
    def for_config(cls, config: TrainConfig, abandon_after: float | None = None, warm: bool = True) -> TrainingJob:
        """Train `config` into the user cache, at the lowest CPU priority: in a warm trainer if
        one is ready for its dataset (`warm`), else in a fresh `python -m vae`."""
        from vae.cli import arguments_for
        from vae.workers.warm import POOL

        arguments = [*arguments_for(config), "--progress-json", "--nice"]
        process = POOL.take(config.dataset, None, arguments) if warm else None
        return cls([sys.executable, "-m", "vae", *arguments], abandon_after, process=process)

    # ---- the two pipes, each drained by its own thread -----------------------------------
    def _drain_stderr(self) -> None:
        for line in self.process.stderr:
            self._stderr.append(line.rstrip("\n"))

    def _read_stdout(self) -> None:
        import psutil

        try:
            child = psutil.Process(self.process.pid)
        except psutil.Error:
            child = None
        sampled = 0.0
        for line in self.process.stdout:
            if child is not None and time.monotonic() - sampled > 0.5:
                # The training's peak memory, sampled as it reports: the line for trainings
                # (vae/workers/queue.py) starts no training that would not fit.
                sampled = time.monotonic()
                try:
                    self.peak_bytes = max(self.peak_bytes, child.memory_info().rss)
                except psutil.Error:
                    child = None
            if line.startswith("{"):
                try:
                    self._receive(json.loads(line))
                except (ValueError, TypeError):
                    self._stderr.append(line.rstrip("\n"))
        self.process.wait()
        self._stderr_thread.join(timeout=5)
        with self._lock:
            self._status = self._final_status()

    def _receive(self, message: dict) -> None:
        with self._lock:
            if "progress" in message:
                fields = {k: v for k, v in message["progress"].items() if k != "fraction"}
                progress = Progress(**fields)
                self._progress = progress
                self._progress_log.append(progress)
                self._losses["reconstruction_loss"].append(progress.reconstruction_loss)
                self._losses["kl_loss"].append(progress.kl_loss)
            elif "snapshot" in message:
                snapshot = message["snapshot"]
                if self._snapshots and self._last_live:
                    self._snapshots[-1] = (snapshot["epoch"], snapshot["means"])  # a live map replaces the last one
                else:
                    self._snapshots.append((snapshot["epoch"], snapshot["means"]))
                self._last_live = bool(snapshot.get("live"))
            elif "reading" in message:  # a folder of one's own pictures, before the first step
                self._reading = (int(message["reading"]["done"]), int(message["reading"]["total"]))
            elif "done" in message:
                # The model is saved: finished now, not when the process has exited (Python
                # and TensorFlow take a second or two to shut down). A cancel came too late.
                self._result = message["done"]
                if self._status != "cancelled":
                    self._status = self._result_status()

    def _final_status(self) -> str:
        if self._status == "cancelled":
            return "cancelled"
        if self._result is not None and self._status in ("done", "stopped"):
            return self._status  # saved before the process ended, however it ended
        if self.process.returncode != 0 or self._result is None:
            return "failed"
        return self._result_status()

    def _result_status(self) -> str:
        epochs = self._progress.epochs if self._progress else None
        trained = self._result.get("epochs_trained")
        return "stopped" if epochs and trained is not None and trained < epochs else "done"

    def _watch(self, abandon_after: float) -> None:
        while self.process.poll() is None:
            time.sleep(min(1.0, abandon_after / 4))
            if time.monotonic() - self._last_seen > abandon_after:
                self.cancel()

    # ---- what the app calls --------------------------------------------------------------
    def state(self) -> JobState:
        with self._lock:
            self._last_seen = time.monotonic()
            return JobState(
                self._status,
                self._progress,
                {k: list(v) for k, v in self._losses.items()},
                list(self._snapshots),
                self._result,
                self.error() if self._status == "failed" else None,
                self._reading,
            )

    def progress_since(self, count: int) -> list[Progress]:
        with self._lock:
            return self._progress_log[count:]

    def error(self) -> str:
        """The trainer's own message ("error: ..."), else its last line of output."""
        lines = list(self._stderr)
        reasons = [line[len("error:") :].strip() for line in lines if line.startswith("error:")]
        if reasons:
            return reasons[-1]
        return "Training failed: " + (lines[-1] if lines else f"exit status {self.process.returncode}")

    def pause(self) -> None:
        """Suspend the child; returns once it has stopped (signals arrive asynchronously)."""
        if self._signal_process("suspend"):
            self._wait_until_stopped()
            self._set_status("paused")

    def _wait_until_stopped(self, timeout: float = 1.0) -> None:
        import psutil

        deadline = time.monotonic() + timeout
        try:
            process = psutil.Process(self.process.pid)
            while process.status() != psutil.STATUS_STOPPED and time.monotonic() < deadline:
                time.sleep(0.01)
        except psutil.Error:
            pass  # it ended meanwhile

    def resume(self) -> None:
        if self._signal_process("resume"):
            self._set_status("running")

    def stop(self) -> None:
        """Finish after the current batch and keep what was learned as a model."""
        self.resume()
        try:
            self.process.stdin.write("stop\n")
            self.process.stdin.flush()
            self._set_status("stopping")
        except (OSError, ValueError):
            pass  # the child has already ended

    def cancel(self) -> None:
        """End the training now; nothing is saved."""
        if self.process.poll() is None:
            self._set_status("cancelled")
            self._signal_process("resume")  # a suspended process cannot act on SIGTERM
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def wait(self, timeout: float | None = None) -> JobState:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.state().finished:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError("the training job did not finish in time")
            time.sleep(0.05)
        return self.state()

    def _set_status(self, status: str) -> None:
        with self._lock:
            if self._status not in ("done", "stopped", "failed", "cancelled"):
                self._status = status

    def _signal_process(self, action: str) -> bool:
        import psutil

        try:
            getattr(psutil.Process(self.process.pid), action)()
            return True
        except psutil.Error:
            return False


def train_in_child_process(config: TrainConfig, on_progress: Callable[[Progress], None] | None = None) -> dict:
    """Train `config` in a child process and wait for it; returns {"path", "test_nelbo", ...}.

    `on_progress` receives the child's Progress reports. The child never outlives this
    call: if the caller is interrupted (an exception, a rerun), it is terminated.
    Raises ValueError with the trainer's own message when training fails.
    """
    job = TrainingJob.for_config(config)
    seen = 0
    try:
        while True:
            state = job.state()
            for progress in job.progress_since(seen):
                seen += 1
                if on_progress is not None:
                    on_progress(progress)
            if state.finished:
                break
            time.sleep(0.05)
    finally:
        job.cancel()
    if state.status == "failed":
        raise ValueError(state.error)
    return state.result
