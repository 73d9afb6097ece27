"""The class recipe's time to a good map, in the trainer alone: candidate changes to it, side by side.

    python -m bench.class_recipe --set "beta=0.5" --set "batch_size=512,learning_rate=6e-3"
    python -m bench.class_recipe            # the class recipe itself

Each candidate is the form's class recipe (vae/model/config.py's RECIPES) with its changes,
trained with `vae.train` on MNIST's 60,000 training images, as the app's trainer does: the live
maps come every 2 s. Each live map's 5-NN is read as bench.time_to_map reads it in the page: each
of its 2,000 test digits' 5 nearest others vote, itself left out. Printed: the seconds from the
call to the first live map with 5-NN >= 0.7 (building and tracing the step included), the
training time, the test NELBO and the finished model's 5-NN (test means against training
means). No browser and no server: bench.time_to_map measures the same recipe from the press.
Appends one line per run to bench/results/class-recipe.jsonl.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time

import numpy as np

import vae
from bench.common import conditions, table
from bench.recipes import parse_set
from bench.time_to_map import GOAL, leave_one_out_knn
from bench.train import RESULTS, SHARED_MNIST
from vae.model.config import RECIPES
from vae.store.snapshots import snapshot_indices


def run_candidate(changes: dict, data) -> dict:
    config = dataclasses.replace(vae.TrainConfig(), **{**RECIPES["class"], **changes})
    labels = data.y_test[snapshot_indices(data.y_test)]
    curve = []
    start = time.perf_counter()

    def on_snapshot(epoch, means, live=False):
        knn = leave_one_out_knn(np.asarray(means, np.float64), labels[: len(means)])
        curve.append((round(time.perf_counter() - start, 2), float(epoch), round(knn, 3)))

    model = vae.train(config, data, on_snapshot=on_snapshot)
    return {
        "reached_s": next((seconds for seconds, _, knn in curve if knn >= GOAL), None),
        "train_s": model.metrics["train_seconds"],
        "nelbo": round(model.metrics["test_nelbo"], 2),
        "knn5": round(model.metrics["knn5_accuracy"], 3),
        "curve": curve,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", action="append", default=[], help="a candidate: key=value,... (none: the recipe)")
    parser.add_argument("--data-dir", default=str(SHARED_MNIST))
    parser.add_argument("--quick", action="store_true", help="2,000 images, 1 epoch: a smoke run")
    args = parser.parse_args()
    data = vae.load_dataset("mnist", data_dir=args.data_dir)
    candidates = args.set or [""]
    if args.quick:
        data = data.subset(2000, 1000)
        candidates = [",".join(filter(None, [text, "epochs=1"])) for text in candidates]
    print(conditions())
    rows = []
    for text in candidates:
        result = {"set": text or "the class recipe", **run_candidate(parse_set(text) if text else {}, data)}
        result["date"] = time.strftime("%Y-%m-%d %H:%M")
        if not args.quick:
            with open(RESULTS / "class-recipe.jsonl", "a") as log:
                log.write(json.dumps(result) + "\n")
        reached = result["reached_s"]
        rows.append(
            (
                result["set"],
                "never" if reached is None else f"{reached:.1f}",
                f"{result['train_s']:.1f}",
                f"{result['nelbo']:.2f}",
                f"{result['knn5']:.3f}",
            )
        )
        print(f"{result['set']}: live maps' 5-NN {[knn for _, _, knn in result['curve']]}", flush=True)
    print(table(rows, ("candidate", f"s to a live map with 5-NN >= {GOAL}", "train s", "test NELBO", "5-NN")))


if __name__ == "__main__":
    main()
