"""How a child of the app lives: at the lowest priority, and ending with the app that started it."""

from __future__ import annotations

import sys


def die_with_parent() -> None:
    """Linux: the kernel kills this process when the one that started it dies (SIGKILL
    included), with no CPU needed from this one: at nice 19 on a busy machine, it may get
    none for seconds. Elsewhere, the watch on standard input ends it (watch_stdin_for_stop)."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def lower_priority() -> None:
    """The lowest CPU priority this OS offers (nice 19 on Unix, idle class on Windows)."""
    import psutil

    process = psutil.Process()
    process.nice(getattr(psutil, "IDLE_PRIORITY_CLASS", 19))
