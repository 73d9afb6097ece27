"""The peak memory of a training against the training line's estimate (vae/workers/queue.py).

    python -m bench.memory                  # 60,000 grey and 60,000 colour pictures, 1 epoch each

Each training runs in a fresh process (`python -m bench.memory --child CHANNELS`) on 60,000
generated shapes (vae/data/shapes.py), tinted for colour, with the form's class recipe, and
reports its peak resident memory (getrusage's ru_maxrss: evaluation included). Printed beside
`queue.peak_estimate` for the same pictures, with the machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import subprocess
import sys
import time

import numpy as np

from bench.common import conditions, table

N = 60_000


def child(channels: int, count: int) -> None:
    import vae
    from vae.data.shapes import make_shapes
    from vae.model.config import RECIPES

    data = make_shapes(count, 5_000)
    if channels == 3:
        tints = np.array([[1.0, 0.3, 0.2], [0.2, 0.8, 0.3], [0.3, 0.4, 1.0]], np.float32)
        data = dataclasses.replace(
            data,
            x_train=data.x_train[..., None] * tints[data.y_train][:, None, None, :],
            x_test=data.x_test[..., None] * tints[data.y_test][:, None, None, :],
        )
    started = time.perf_counter()
    model = vae.train(vae.TrainConfig(**{**RECIPES["class"], "epochs": 1}, dataset="shapes"), data)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"peak_bytes": peak, "channels": model.config.channels, "seconds": time.perf_counter() - started}))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__.split("\n")[0])
    parser.add_argument("--child", type=int, choices=(1, 3), help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=N, help="training pictures")
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.count)
        return
    from vae.workers.queue import peak_estimate

    print(conditions())
    rows = []
    for channels in (1, 3):
        out = subprocess.run(
            [sys.executable, "-m", "bench.memory", "--child", str(channels)], capture_output=True, text=True
        )
        if out.returncode:
            sys.exit(out.stderr)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        estimate = peak_estimate(args.count, channels)
        rows.append(
            (
                "colour" if channels == 3 else "grey",
                f"{args.count:,}",
                f"{result['peak_bytes'] / 1e9:.2f} GB",
                f"{estimate / 1e9:.2f} GB",
                "yes" if result["peak_bytes"] <= estimate else "NO",
                f"{result['seconds']:.0f} s",
            )
        )
    print(table(rows, ("pictures", "count", "peak (measured)", "the line's estimate", "within", "1 epoch")))


if __name__ == "__main__":
    main()
