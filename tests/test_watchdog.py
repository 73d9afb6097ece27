"""The watchdog that names a slow step after training (vae/training/watchdog.py)."""

import io
import re
import threading

from vae.training.watchdog import Watchdog


def test_a_step_that_waits_is_named_with_its_cpu_time_and_every_stack():
    out = io.StringIO()
    watchdog = Watchdog(after=0.5, dump_after=1.0, stream=out)
    blocker = threading.Event()
    watchdog.arm("saving the model")
    blocker.wait(1.8)  # a step that waits: no CPU used
    watchdog.disarm()
    text = out.getvalue()
    assert re.search(r"still saving the model, \d s after the last training step", text), text
    assert "so it is mostly waiting" in text
    assert "every thread's Python stack" in text and "blocker.wait(1.8)" in text


def test_a_quick_step_says_nothing():
    out = io.StringIO()
    watchdog = Watchdog(after=0.5, stream=out)
    watchdog.arm("evaluating the model on the test set")
    watchdog.arm("saving the model")
    watchdog.disarm()
    assert out.getvalue() == ""
