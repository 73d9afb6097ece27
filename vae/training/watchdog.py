"""Says what a process is waiting for when a step that should take a second takes longer.

After the last training step the command line finishes the fit (the weight average, the
input pipeline), evaluates and saves: a few seconds. A run on an AMD machine once sat there
for 45 s with nothing on screen. This watchdog turns such a wait into words: after `after`
seconds it says which step is still running and whether this process is computing or
waiting (its CPU time against the wall clock); after `dump_after` seconds it writes every
thread's Python stack, which names the call that holds it.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback


class Watchdog:
    def __init__(self, after: float = 5.0, dump_after: float = 20.0, stream=None):
        self.after, self.dump_after = after, dump_after
        self.stream = stream if stream is not None else sys.stderr
        self.what = ""
        self._armed_at = None
        self._cpu_at = 0.0
        self._stop = threading.Event()
        self._thread = None

    def arm(self, what: str) -> None:
        """Start (or go on) watching; `what` names the step now running."""
        self.what = what
        if self._thread is None:
            self._armed_at, self._cpu_at = time.monotonic(), time.process_time()
            self._stop.clear()
            self._thread = threading.Thread(target=self._watch, name="vae-watchdog", daemon=True)
            self._thread.start()

    def disarm(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
        self._thread = None

    def _watch(self) -> None:
        said = dumped = False
        while not self._stop.wait(0.5):
            elapsed = time.monotonic() - self._armed_at
            if not said and elapsed >= self.after:
                said = True
                self._say(elapsed)
            if not dumped and elapsed >= self.dump_after:
                dumped = True
                self._say(elapsed)
                self._stacks()

    def _say(self, elapsed: float) -> None:
        cpu = time.process_time() - self._cpu_at
        doing = (
            "computing"
            if cpu >= 0.5 * elapsed
            else "mostly waiting (on the memory, the disk or another program using the CPU)"
        )
        print(
            f"still {self.what}, {elapsed:.0f} s after the last training step: this process used "
            f"{cpu:.1f} s of CPU in that time, so it is {doing}.",
            file=self.stream,
            flush=True,
        )

    def _stacks(self) -> None:
        names = {thread.ident: thread.name for thread in threading.enumerate()}
        lines = ["every thread's Python stack, to see what holds it:"]
        for ident, frame in sys._current_frames().items():
            if ident == threading.get_ident():
                continue  # the watchdog itself
            lines.append(f"thread {names.get(ident, ident)}:")
            lines += [line.rstrip() for line in traceback.format_stack(frame)]
        print("\n".join(lines), file=self.stream, flush=True)
