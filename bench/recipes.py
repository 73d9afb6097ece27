"""The search for the default training recipe: candidate configs, trained side by side.

    python -m bench.recipes --candidates baseline,gelu,ema     # names from CANDIDATES
    python -m bench.recipes --set "hidden_units=(768,384,192),epochs=12"

Every candidate trains on the 60,000 MNIST training images and is scored after every epoch
by the shared metric (vae.analysis.metrics.negative_elbo on the official test set); the time axis is
training time only. Results are appended to bench/results/recipes.jsonl, one line per run,
so that what did not help stays on record next to what did.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import time

import vae
from bench.common import conditions, table
from bench.train import RESULTS, SHARED_MNIST, run_project

# What the candidates change things from: the default recipe.
BASE = vae.TrainConfig()
CANDIDATES = {
    "baseline": {},
    "gelu": {"activation": "gelu"},
    "silu": {"activation": "silu"},
    "ema": {"ema": 0.999},
    "warmup": {"warmup_epochs": 1.0, "learning_rate": 3e-3},
    "lr3e-3": {"learning_rate": 3e-3},
    "batch256": {"batch_size": 256, "learning_rate": 3e-3},
    "batch64": {"batch_size": 64, "learning_rate": 1.5e-3},
    "narrow-deep": {"hidden_units": (512, 384, 256, 128)},
    "wide": {"hidden_units": (768, 384, 192)},
}


def parse_set(text: str) -> dict:
    """ "key=value,key=value" with Python literals (tuples in parentheses)."""
    values, depth, part = {}, 0, ""
    for char in text + ",":
        depth += char in "([" and 1 or (char in ")]" and -1 or 0)
        if char == "," and depth == 0:
            key, _, value = part.partition("=")
            values[key.strip()] = ast.literal_eval(value.strip())
            part = ""
        else:
            part += char
    return values


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", default="baseline")
    parser.add_argument("--set", action="append", default=[], help="extra candidate: key=value,...")
    parser.add_argument("--base", default="", help="changes to the base config for every candidate")
    parser.add_argument("--data-dir", default=str(SHARED_MNIST))
    parser.add_argument("--quick", action="store_true", help="2,000 images, 2 epochs: a smoke run")
    args = parser.parse_args()
    data = vae.load_dataset("mnist", data_dir=args.data_dir)
    base = dataclasses.replace(BASE, **parse_set(args.base)) if args.base else BASE
    if args.quick:
        data, base = data.subset(2000, 1000), dataclasses.replace(base, epochs=2)
    runs = [(name, CANDIDATES[name]) for name in args.candidates.split(",") if name]
    runs += [(text, parse_set(text)) for text in args.set]
    print(conditions())
    rows = []
    for name, changes in runs:
        config = dataclasses.replace(base, **changes)
        result = run_project(name, config, data)
        result["config"] = json.loads(config.to_json())
        result["date"] = time.strftime("%Y-%m-%d %H:%M")
        if not args.quick:
            with open(RESULTS / "recipes.jsonl", "a") as log:
                log.write(json.dumps(result) + "\n")
        rows.append(
            (
                name,
                result["epochs"],
                f"{result['train_seconds']:.1f}",
                f"{result['test_nelbo']:.2f}",
                f"{result['knn5']:.3f}",
            )
        )
        print(f"{name}: {result['curve']}", flush=True)
    print(table(rows, ("candidate", "epochs", "train s", "test NELBO", "5-NN")))


if __name__ == "__main__":
    main()
