"""What the explorer asks of a model, timed: encode the test set, decode a grid, decode a click.

    python -m bench.inference [--model assets/model] [--repeats 20]

Medians of repeated runs, for the serving path the app uses (NumPy for dense models) and,
side by side, the same network through Keras: a direct call and one `predict` call.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import vae  # noqa: E402
from bench.common import conditions, table  # noqa: E402
from vae.analysis import latent  # noqa: E402
from vae.data.sources import bundled_test_set  # noqa: E402


def median_ms(function, repeats: int) -> float:
    function()  # warm-up: first-call tracing and caches are not what a click costs
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None, help="model folder (default: the bundled model)")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    print(conditions())
    start = time.perf_counter()
    model = vae.load_model(args.model)
    load_ms = (time.perf_counter() - start) * 1000
    images = bundled_test_set().x_test
    point = np.array([[0.3, -0.7]], np.float32)
    grid = latent.grid_points(20, (-3, 3), (-3, 3))
    print(f"model: {model.path} ({model.config.arch} {model.config.hidden_units}); load {load_ms:.0f} ms\n")

    rows = [
        ("encode 10,000 test images", median_ms(lambda: model.encode(images), args.repeats), 500),
        (
            "decode a 20x20 grid (one batch)",
            median_ms(lambda: latent.decode_grid(model, 20, (-3, 3), (-3, 3)), args.repeats),
            50,
        ),
        ("decode one clicked point", median_ms(lambda: model.decode(point), args.repeats * 10), 5),
    ]
    from vae.model.inference import KerasNetwork
    from vae.model.network import build_trainer, network_variables

    keras_network = KerasNetwork(model.config, model.weights)
    trainer = build_trainer(model.config)
    for variable, values in zip(network_variables(trainer), model.weights, strict=True):
        variable.assign(values)
    rows += [
        ("  Keras graph: encode 10,000", median_ms(lambda: keras_network.encode(images), args.repeats), None),
        (
            "  Keras graph: decode 20x20 grid",
            median_ms(lambda: keras_network.decode_logits(grid.astype(np.float32)), args.repeats),
            None,
        ),
        (
            "  Keras graph: decode one point",
            median_ms(lambda: keras_network.decode_logits(point), args.repeats * 10),
            None,
        ),
        (
            "  Keras decoder.predict, one point",
            median_ms(lambda: trainer.decoder.predict(point, verbose=0), args.repeats),
            None,
        ),
    ]
    print(
        table(
            [
                (
                    name,
                    f"{ms:.2f}",
                    "" if target is None else f"< {target}",
                    "" if target is None else ("yes" if ms < target else "NO"),
                )
                for name, ms, target in rows
            ],
            ("operation", "median ms", "target ms", "met"),
        )
    )


if __name__ == "__main__":
    main()
