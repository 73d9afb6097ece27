"""The command-line trainer behind `python -m vae.train` (see vae/train.py).

Shows a progress bar with the three losses and ends with a summary of the test metrics.
It lives here, not in vae/train.py, because importing a submodule named `train` would
replace the function `vae.train` on the package.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from vae.config import TrainConfig

BAR_WIDTH = 30


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m vae.train", description="Train a VAE with a 2-D latent space.")
    parser.add_argument("--dataset", default="mnist", choices=["mnist", "fashion_mnist"])
    parser.add_argument("--arch", default="dense", choices=["dense", "conv"])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--beta", type=float, default=1.0,
                        help="weight of the KL term; 0 trains a plain autoencoder")
    defaults = TrainConfig()
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    parser.add_argument("--lr-schedule", default=defaults.lr_schedule, choices=["constant", "cosine"])
    parser.add_argument("--hidden", default=",".join(map(str, defaults.hidden_units)),
                        help="comma-separated hidden layer widths, e.g. 512,256,128")
    parser.add_argument("--latent-dim", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None,
                        help="train on the first N training images only")
    parser.add_argument("--test-limit", type=int, default=None,
                        help="evaluate on the first N test images only")
    parser.add_argument("--data-dir", default=None,
                        help="folder with the IDX files or a keras-style .npz")
    parser.add_argument("--half-precision", action="store_true",
                        help="round the weights to float16 before the final evaluation and "
                             "save them at half the size (used for the bundled model)")
    parser.add_argument("--out", default=None,
                        help="model folder to write (default: the user cache, trained once "
                             "per configuration even when asked for twice at the same time)")
    parser.add_argument("--progress-json", action="store_true",
                        help="report progress as JSON lines on stdout (for the app)")
    parser.add_argument("--nice", type=int, default=0,
                        help="lower this process's CPU priority (the app trains at 19 so "
                             "that serving the other visitors comes first)")
    return parser.parse_args(argv)


def arguments_for(config) -> list[str]:
    """Command-line arguments that make `python -m vae.train` train exactly `config`."""
    arguments = ["--dataset", config.dataset, "--arch", config.arch, "--epochs", str(config.epochs),
                 "--beta", repr(config.beta), "--batch-size", str(config.batch_size),
                 "--learning-rate", repr(config.learning_rate), "--lr-schedule", config.lr_schedule,
                 "--hidden", ",".join(map(str, config.hidden_units)),
                 "--latent-dim", str(config.latent_dim), "--seed", str(config.seed)]
    if config.train_limit:
        arguments += ["--limit", str(config.train_limit)]
    return arguments


def train_in_child_process(config, on_progress=None) -> dict:
    """Train `config` into the user cache in a separate process at the lowest CPU priority.

    Used by the app: training in the server would take both cores and a few GB from every
    other visitor; a `nice 19` child gets the CPU only while nobody else needs it, and its
    memory is returned when it ends. `on_progress` receives `Progress` values. Returns
    {"path", "test_nelbo"}; raises ValueError with the trainer's own message on failure.
    """
    import subprocess
    from pathlib import Path

    from vae.config import Progress

    command = [sys.executable, "-m", "vae.train", *arguments_for(config), "--progress-json", "--nice", "19"]
    process = subprocess.Popen(command, cwd=Path(__file__).resolve().parent.parent,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    result = None
    for line in process.stdout:
        message = json.loads(line) if line.startswith("{") else {}
        if "progress" in message and on_progress is not None:
            fields = {k: v for k, v in message["progress"].items() if k != "fraction"}
            on_progress(Progress(**fields))
        result = message.get("done", result)
    errors = process.stderr.read()
    process.wait()
    if process.returncode != 0 or result is None:
        reasons = [line[len("error:"):].strip() for line in errors.splitlines() if line.startswith("error:")]
        raise ValueError(reasons[-1] if reasons else
                         "Training failed: " + (errors.strip().splitlines() or ["no output"])[-1])
    return result


class JsonProgress:
    """Progress as JSON lines, at most a few per second, plus the final one."""

    def __init__(self):
        self.last = 0.0

    def __call__(self, progress) -> None:
        import dataclasses
        import json
        import time

        if time.monotonic() - self.last > 0.25 or progress.fraction >= 1.0:
            self.last = time.monotonic()
            print(json.dumps({"progress": {**dataclasses.asdict(progress), "fraction": progress.fraction}}),
                  flush=True)


def progress_line(progress) -> str:
    filled = int(BAR_WIDTH * progress.fraction)
    bar = "#" * filled + "-" * (BAR_WIDTH - filled)
    return (f"\repoch {progress.epoch + 1}/{progress.epochs} [{bar}] "
            f"{100 * progress.fraction:5.1f}%  loss {progress.loss:7.2f}  "
            f"recon {progress.reconstruction_loss:7.2f}  kl {progress.kl_loss:5.2f}  "
            f"{progress.seconds:6.1f}s")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.nice:
        os.nice(args.nice)
    import vae

    try:
        hidden = tuple(int(width) for width in args.hidden.split(","))
        config = vae.TrainConfig(
            dataset=args.dataset, arch=args.arch, epochs=args.epochs, beta=args.beta,
            batch_size=args.batch_size, learning_rate=args.learning_rate,
            lr_schedule=args.lr_schedule, hidden_units=hidden, latent_dim=args.latent_dim,
            seed=args.seed, train_limit=args.limit)
        data = vae.load_dataset(args.dataset, data_dir=args.data_dir)
        if args.test_limit:
            data = data.subset(None, args.test_limit)
        report = sys.stdout if args.progress_json else sys.stderr
        print(f"data: {data.source} ({len(data.x_train)} training, {len(data.x_test)} test images)",
              file=report)
        on_progress = JsonProgress() if args.progress_json else (
            lambda p: print(progress_line(p), end="", file=sys.stderr, flush=True))
        if args.out:
            model = vae.train(config, data, on_progress=on_progress)
        else:
            model = vae.train_cached(config, data, on_progress=on_progress)
    except ValueError as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return 2
    print(file=sys.stderr)
    if args.out:
        if args.half_precision:
            model.round_to_float16()
            model.metrics.update(vae.evaluate(model, data), weights="float16")
        model.metrics["command"] = "python -m vae.train " + " ".join(argv if argv is not None else sys.argv[1:])
        model.save(args.out)
    out = model.path
    metrics = model.metrics
    if args.progress_json:
        print(json.dumps({"done": {"path": str(out), "test_nelbo": metrics["test_nelbo"]}}), flush=True)
        return 0
    print(f"test negative ELBO: {metrics['test_nelbo']:.2f} nats "
          f"(reconstruction {metrics['test_reconstruction']:.2f} + KL {metrics['test_kl']:.2f})")
    if "knn5_accuracy" in metrics:
        print(f"5-NN accuracy of latent means: {metrics['knn5_accuracy']:.3f}")
    print(f"training time: {metrics['train_seconds']:.1f} s")
    print(f"saved model: {out}")
    return 0
