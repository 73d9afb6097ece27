"""Children of the app (trainings, layouts, warm trainers), all started by one thread.

On Linux the kernel kills a child when the thread that started it ends (each child asks it to:
vae/training/process.py), so every child is started by one thread that lasts as long as the
app (`_SPAWNER`), not by the page's run that asked for it: the child ends with the app, even when
the app is killed, and outlives the run.
"""

from __future__ import annotations

import concurrent.futures
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_SPAWNER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="vae-training-spawner")


def spawn(command: list[str], cwd: Path = ROOT) -> subprocess.Popen:
    """A child with its three pipes (text, line-buffered), started by the spawner thread."""
    return _SPAWNER.submit(
        subprocess.Popen,
        command,
        cwd=cwd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    ).result()
