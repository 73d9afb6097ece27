"""A model's neighbours layout computed in a child process, at the lowest CPU priority.

t-SNE of 10,000 means takes both cores for most of a minute (vae/analysis/neighbours.py). In
the app's own process it would stall every page; a child at nice 19 gets the processor only
while nobody else needs it. The child is this module (`python -m vae.workers.layouts MODEL --progress-json`):
a thread reads its JSON lines (progress, then done), another keeps its stderr for the message.
Started by the trainings' spawner thread (vae/workers/jobs.py), so it ends with the app.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import threading
from pathlib import Path

from vae.analysis import neighbours
from vae.training.process import die_with_parent, lower_priority
from vae.workers.spawn import spawn


class LayoutJob:
    """One child computing one model's layout; every method returns at once."""

    def __init__(self, model_dir: str):
        self.model_dir = model_dir
        self._lock = threading.Lock()
        self._fraction, self._status = 0.0, "running"
        self._stderr = collections.deque(maxlen=50)
        command = [sys.executable, "-m", "vae.workers.layouts", model_dir, "--progress-json", "--nice"]
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vae.workers.layouts",
        description="Compute a model's neighbours layout (t-SNE of its test means) and save it beside the model.",
    )
    parser.add_argument("model", help="a model folder")
    parser.add_argument("--out", help=f"where to write the layout (default: MODEL/{neighbours.LAYOUT_FILE})")
    parser.add_argument("--progress-json", action="store_true", help="report progress as JSON lines on stdout")
    parser.add_argument("--nice", action="store_true", help="run at the lowest CPU priority, and end with the parent")
    parser.add_argument("--jobs", type=int, default=2, help="threads (default 2)")
    args = parser.parse_args(argv)
    if args.nice:
        lower_priority()
        die_with_parent()  # the app's child: it ends with the app

    def say(message: dict) -> None:
        if args.progress_json:
            print(json.dumps(message), flush=True)

    try:
        means = neighbours.stored_means(args.model)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out = Path(args.out or neighbours.layout_path(args.model))
    import filelock

    say({"progress": 0.0})
    try:
        # Two app processes asking for the same layout compute it once: the second waits here,
        # then finds the first one's.
        with filelock.FileLock(str(out) + ".lock"):
            if neighbours.load_layout(out, means) is None:
                points = neighbours.compute(
                    means, lambda fraction: say({"progress": round(fraction, 3)}), n_jobs=args.jobs
                )
                neighbours.save_layout(out, points, means)
    except OSError as error:
        print(f"error: the layout could not be saved in {out.parent}: {error.strerror or error}", file=sys.stderr)
        return 1
    say({"done": str(out)})
    if not args.progress_json:
        print(f"Saved the neighbours layout of {len(means):,} means to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
