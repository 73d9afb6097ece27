"""Training speed and quality, side by side in one run, against the usual tutorial models.

    python -m bench.train                 # full runs on the 60,000 MNIST training images
    python -m bench.train --only dense    # just the dense comparison
    python -m bench.train --quick         # a smoke run on 2,000 images

Every model is scored by the same function (vae.analysis.metrics.negative_elbo: test NELBO in
nats, BCE summed over pixels + KL, z = mean) after every epoch; the time axis is
training time only (the per-epoch evaluation is excluded). Results are printed and
written to bench/results/train.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import keras

import vae
from bench.common import conditions, cpu_model, table, vector_extensions
from bench.reference import ProbabilityModel, kerasio_conv, tutorial_dense
from vae.analysis.metrics import knn_accuracy, negative_elbo
from vae.store.trained import TrainedVAE

SHARED_MNIST = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "mnist"
RESULTS = Path(__file__).resolve().parent / "results"

# The project's default recipe, exactly what `python -m vae` trains with no options.
FAST_DENSE = vae.TrainConfig()
FAST_CONV = vae.TrainConfig(
    arch="conv",
    hidden_units=(256,),
    conv_filters=(8, 16),
    epochs=4,
    activation="relu",
    batch_size=128,
    learning_rate=2e-3,
    lr_schedule="cosine",
    warmup_epochs=0.0,
)


class EpochCurve(keras.callbacks.Callback):
    """Test NELBO after every epoch against training seconds (evaluation time excluded)."""

    def __init__(self, to_model, test_images):
        super().__init__()
        self.to_model, self.test_images, self.points = to_model, test_images, []

    def on_train_begin(self, logs=None):
        self.start, self.evaluating = time.perf_counter(), 0.0

    def on_epoch_end(self, epoch, logs=None):
        now = time.perf_counter()
        nelbo = negative_elbo(self.to_model(self.model), self.test_images)["test_nelbo"]
        self.points.append((epoch + 1, round(now - self.start - self.evaluating, 2), round(nelbo, 2)))
        self.evaluating += time.perf_counter() - now


def run_reference(name: str, build, data, epochs: int) -> dict:
    keras.utils.set_random_seed(0)
    trainer = build()
    curve = EpochCurve(ProbabilityModel, data.x_test)
    trainer.fit(data.x_train, epochs=epochs, batch_size=128, shuffle=True, verbose=0, callbacks=[curve])
    return finish(name, curve, ProbabilityModel(trainer), data)


def run_project(name: str, config: vae.TrainConfig, data) -> dict:
    curve = EpochCurve(lambda trainer: TrainedVAE.from_trainer(config, trainer), data.x_test)
    model = vae.train(config, data, callbacks=[curve])
    return finish(name, curve, model, data)


def finish(name: str, curve: EpochCurve, model, data) -> dict:
    train_means, _ = model.encode(data.x_train)
    test_means, _ = model.encode(data.x_test)
    epochs, seconds, _ = curve.points[-1]
    # The final model, not the last curve point: with weight averaging they differ.
    nelbo = round(negative_elbo(model, data.x_test)["test_nelbo"], 2)
    return {
        "name": name,
        "epochs": epochs,
        "train_seconds": seconds,
        "test_nelbo": nelbo,
        "knn5": round(knn_accuracy(train_means, data.y_train, test_means, data.y_test), 4),
        "seconds_per_epoch": round(seconds / epochs, 2),
        "curve": curve.points,
    }


def plot_curves(results: list[dict], path: Path) -> None:
    """Time to quality: test NELBO against training seconds, one line per model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7.5, 4.5), dpi=120)
    for result in results:
        _, seconds, nelbo = zip(*result["curve"], strict=False)
        style = "--" if result["name"].startswith("reference") else "-"
        axes.plot(seconds, nelbo, style, marker="o", markersize=3, label=result["name"])
    axes.set_xlabel("training time (s), evaluation excluded")
    axes.set_ylabel("test negative ELBO (nats), lower is better")
    axes.set_ylim(top=min(200, max(n for r in results for _, _, n in r["curve"]) + 2))
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    axes.set_title("Time to quality on MNIST, side by side in one run")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["dense", "conv"], default=None)
    parser.add_argument("--quick", action="store_true", help="2,000 images, 2 epochs: a smoke run")
    parser.add_argument("--data-dir", default=str(SHARED_MNIST))
    parser.add_argument("--conv-epochs", type=int, default=4)
    args = parser.parse_args()
    data = vae.load_dataset("mnist", data_dir=args.data_dir)
    reference_epochs, fast_dense, fast_conv = 30, FAST_DENSE, FAST_CONV
    conv_epochs = args.conv_epochs
    if args.quick:
        data = data.subset(2000, 1000)
        reference_epochs, conv_epochs = 2, 1
        fast_dense = dataclasses.replace(FAST_DENSE, epochs=2)
    fast_conv = dataclasses.replace(FAST_CONV, epochs=conv_epochs)
    print(conditions())
    print(f"data: {data.source}, {len(data.x_train)} training / {len(data.x_test)} test images\n")
    results = []
    if args.only in (None, "dense"):
        results.append(
            run_reference("reference: tutorial dense 784-256-2, 784*MSE loss", tutorial_dense, data, reference_epochs)
        )
        results.append(
            run_project(
                f"project fast dense {'-'.join(map(str, fast_dense.hidden_units))}, {fast_dense.epochs} epochs cosine",
                fast_dense,
                data,
            )
        )
    if args.only in (None, "conv"):
        results.append(run_reference("reference: keras.io conv VAE", kerasio_conv, data, conv_epochs))
        results.append(
            run_project(f"project conv {fast_conv.conv_filters}, {fast_conv.epochs} epochs cosine", fast_conv, data)
        )
    rows = [
        (
            r["name"],
            r["epochs"],
            f"{r['train_seconds']:.1f}",
            f"{r['seconds_per_epoch']:.2f}",
            f"{r['test_nelbo']:.2f}",
            f"{r['knn5']:.3f}",
        )
        for r in results
    ]
    print(table(rows, ("model", "epochs", "train s", "s/epoch", "test NELBO", "5-NN")))
    for i in range(0, len(results), 2):
        reference, ours = results[i], results[i + 1]
        print(f"\n{ours['name']} vs {reference['name']}:")
        print(
            f"  training time ratio {ours['train_seconds'] / reference['train_seconds']:.2f}, "
            f"per-epoch speed-up {reference['seconds_per_epoch'] / ours['seconds_per_epoch']:.2f}x, "
            f"NELBO {ours['test_nelbo'] - reference['test_nelbo']:+.2f} nats"
        )
        print(f"  on {cpu_model()} ({vector_extensions()})")
        print("  curves (epoch, seconds, NELBO):")
        print(f"    reference: {reference['curve']}")
        print(f"    project:   {ours['curve']}")
    RESULTS.mkdir(exist_ok=True)
    picture = RESULTS / ("train-quick.png" if args.quick else "train.png")
    plot_curves(results, picture)
    print(f"time-to-quality picture: {picture}")
    out = RESULTS / ("train-quick.json" if args.quick else "train.json")
    out.write_text(
        json.dumps({"date": time.strftime("%Y-%m-%d"), "conditions": conditions(), "results": results}, indent=1)
    )
    print(f"\nwritten: {out}")


if __name__ == "__main__":
    main()
