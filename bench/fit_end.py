"""The end of Keras' `fit`, with and without tf.data's autotuning thread, side by side (issue 22).

    python -m bench.fit_end                  # 6 runs of each, 60-110 s long, 3 at a time
    python -m bench.fit_end --quick          # a smoke run: 1 short run of each

Each run is one process that trains a one-layer model on the app's own input pipeline
(`vae.training.fit.training_batches`) for 20 epochs, stretched to a given length by a pause
after every step, so that it costs almost no CPU and several run at once. It prints how
long `fit` took to return after its last step. "autotuned" is the same pipeline with
tf.data's autotuning left on (as it was before): its thread sleeps up to 60 s between
tunings, and deleting the iterator waits for it, so some long runs stall for tens of seconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from bench.common import conditions, table

ONE_RUN = r"""
import json, sys, time
import keras, numpy as np
import vae.training.fit as training
autotuned, seconds = sys.argv[1] == "autotuned", float(sys.argv[2])
if autotuned:
    training.without_autotune = lambda batches: batches
images = np.random.default_rng(0).random((12800, 784), dtype=np.float32)
epochs = 20
batches, count = training.training_batches(images, 128, epochs, seed=1)
batches = batches.map(lambda x: (x, x[:, :1]))
model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(1)])
model.compile("adam", "mse")
pause, steps, marks = seconds / (epochs * count), epochs * count, {}

class Pace(keras.callbacks.Callback):
    done = 0
    def on_train_batch_end(self, batch, logs=None):
        time.sleep(pause)
        Pace.done += 1
        if Pace.done == steps:
            marks["last"] = time.perf_counter()

model.fit(batches, epochs=epochs, steps_per_epoch=count, verbose=0, callbacks=[Pace()])
print(json.dumps({"fit_end": time.perf_counter() - marks["last"]}))
"""


def one_run(kind: str, seconds: float) -> float:
    done = subprocess.run(
        [sys.executable, "-c", ONE_RUN, kind, str(seconds)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])["fit_end"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=6, help="runs of each kind")
    parser.add_argument("--parallel", type=int, default=3, help="runs at once (they mostly sleep)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 run of each, 5 s long")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    lengths = [5.0] * runs if args.quick else [60 + 50 * i / max(1, runs - 1) for i in range(runs)]
    labels = {"now": "without autotuning (now)", "autotuned": "autotuned (before)"}
    jobs = [(kind, seconds) for seconds in lengths for kind in labels]  # alternating
    print(conditions(), flush=True)
    started = time.perf_counter()
    with ThreadPoolExecutor(args.parallel) as pool:
        ends = list(pool.map(lambda job: one_run(*job), jobs))
    results: dict[str, list[float]] = {}
    for (kind, _seconds), end in zip(jobs, ends, strict=True):
        results.setdefault(labels[kind], []).append(end)
    rows = [
        (kind, len(v), f"{statistics.median(v):.2f} s", f"{max(v):.2f} s", sum(e > 3 for e in v))
        for kind, v in results.items()
    ]
    span = f"{min(lengths):.0f}-{max(lengths):.0f} s long"
    print(
        f"\nthe end of fit after its last step, {runs} runs of each, {span} ({time.perf_counter() - started:.0f} s in all):"
    )
    print(table(rows, ("input pipeline", "runs", "median", "max", "over 3 s")))


if __name__ == "__main__":
    main()
