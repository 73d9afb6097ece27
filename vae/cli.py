"""`python -m vae`: train a VAE from the command line.

Its options are built from `TrainConfig`'s fields (tyro), so every field of the config is an
option and none is forgotten. On a terminal it shows a live progress bar (tqdm); in a log,
one line per epoch. With `--progress-json` it speaks the JSON-lines protocol that
`vae.workers.jobs` reads: progress, map snapshots, the result; a line "stop" on its standard input
ends training early and keeps what was learned.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import threading
import time
from typing import Annotated

import tyro

from vae.data.dataset import is_own_images
from vae.model.config import Progress, TrainConfig
from vae.training.process import die_with_parent, lower_priority


@dataclasses.dataclass
class Command:
    """Train a VAE on MNIST, Fashion-MNIST, the generated shapes, or a folder of your own pictures."""

    config: Annotated[TrainConfig, tyro.conf.arg(name="")]
    images: str | None = None
    """a folder of your own pictures (PNG, JPEG, …), one subfolder per class, or none for one class;
    at least 50 and at most 20,000. --preparation says how they are read (default: as-is when
    they have colour, else ink)"""
    data_dir: str | None = None
    """folder with the official IDX files (or a <dataset>/ subfolder of them); default: $VAE_DATA_DIR"""
    out: str | None = None
    """model folder to write (default: the user cache, where the app lists it)"""
    test_limit: int | None = None
    """evaluate on the first N test images only"""
    half_precision: bool = False
    """round the weights to float16 before the final evaluation (the bundled models)"""
    progress_json: bool = False
    """report progress as JSON lines on stdout (for the app)"""
    nice: bool = False
    """run at the lowest CPU priority (the app trains so, to serve its visitors first)"""


def parse_args(argv: list[str] | None = None) -> Command:
    return tyro.cli(Command, args=argv, prog="python -m vae")


def arguments_for(config: TrainConfig) -> list[str]:
    """Command-line arguments that make `python -m vae` train exactly `config`."""
    arguments = []
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        flag = "--" + field.name.replace("_", "-")
        if isinstance(value, tuple):
            arguments += [flag, *map(str, value)]
        else:
            arguments += [flag, "None" if value is None else str(value)]
    return arguments


# Datasets a warm trainer read before its training was asked for (vae/workers/warm.py), by
# (name, data folder as given): the training takes its own from here instead of reading it.
PRELOADED: dict[tuple, object] = {}


class JsonReport:
    """Progress as JSON lines on stdout, at most a few per second, plus every snapshot."""

    def __init__(self):
        self.last = 0.0
        self.lock = threading.Lock()

    def send(self, message: dict) -> None:
        with self.lock:
            print(json.dumps(message), flush=True)

    def progress(self, progress: Progress) -> None:
        if time.monotonic() - self.last > 0.25 or progress.fraction >= 1.0:
            self.last = time.monotonic()
            self.send({"progress": {**dataclasses.asdict(progress), "fraction": progress.fraction}})

    def snapshot(self, epoch: float, means, live: bool = False) -> None:
        """A map snapshot; `live`: one of the maps sent while an epoch runs (the next replaces it)."""
        rows = [[round(float(v), 3) for v in row] for row in means]
        self.send({"snapshot": {"epoch": float(epoch), "means": rows, **({"live": True} if live else {})}})


class TerminalReport:
    """A live tqdm bar on a terminal; one line per epoch when the output is a log."""

    def __init__(self, stream=sys.stderr):
        self.stream, self.bar = stream, None
        self.live = stream.isatty()

    def progress(self, progress: Progress) -> None:
        losses = f"loss {progress.loss:.2f} = recon {progress.reconstruction_loss:.2f} + KL {progress.kl_loss:.2f}"
        if self.live:
            from tqdm import tqdm

            if self.bar is None:
                self.bar = tqdm(total=progress.epochs * progress.batches, file=self.stream, unit="batch")
            self.bar.set_description(f"epoch {progress.epoch + 1}/{progress.epochs}", refresh=False)
            self.bar.set_postfix_str(losses, refresh=False)
            self.bar.update(1)
        elif progress.batch == progress.batches - 1:
            print(
                f"epoch {progress.epoch + 1}/{progress.epochs}  {losses}  {progress.seconds:.1f} s",
                file=self.stream,
                flush=True,
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def watch_stdin_for_stop() -> threading.Event:
    """An event set when a line "stop" arrives on standard input (the app's Stop button).

    When standard input closes because the app that started this training has gone (the
    kernel closes its end of the pipe when it dies, by SIGKILL too), this process ends at
    once: nobody is left to read the model. Before, it noticed at its next progress line,
    which on a loaded machine came more than 10 s later (issue 19: within 10 s).
    """
    stop = threading.Event()
    parent = os.getppid()

    def watch():
        for line in sys.stdin:
            if line.strip() == "stop":
                stop.set()
                return
        # The pipe closes a moment before the orphan is handed to a new parent. Nothing is
        # said: standard error was a pipe to the app as well.
        for _ in range(50):
            if os.getppid() != parent:
                os._exit(3)
            time.sleep(0.1)

    threading.Thread(target=watch, daemon=True).start()
    return stop


def serve_warm(argv: list[str]) -> int:
    """`python -m vae --warm [--dataset D] [--data-dir DIR]`: a warm trainer (vae/workers/warm.py).
    Imports TensorFlow and reads the images at the lowest priority, says {"warm": ...} on stdout,
    traces the form's default training step, then waits for one line on stdin, `python -m vae`'s
    arguments as a JSON list, and runs them here (`main`): the same training as a fresh process,
    without its first seconds."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m vae --warm", description=serve_warm.__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    die_with_parent()  # the app's child: it ends with the app
    lower_priority()  # while it warms up and waits; the training it runs is at this priority too
    import psutil

    try:  # and its reads (TensorFlow's libraries, the images) after everyone else's
        psutil.Process().ionice(psutil.IOPRIO_CLASS_IDLE)
    except (AttributeError, OSError, psutil.Error):  # no I/O priority on this OS
        pass
    started = time.monotonic()
    import vae
    import vae.training.fit  # noqa: F401  (TensorFlow and Keras: most of a fresh trainer's start)

    data = PRELOADED[(args.dataset, args.data_dir)] = vae.load_dataset(args.dataset, data_dir=args.data_dir)
    ready = {
        "dataset": args.dataset,
        "prepares": data.has_training_data,
        "seconds": round(time.monotonic() - started, 2),
    }
    print(json.dumps({"warm": ready}), flush=True)
    # Then the form's default config, its training step traced ahead (vae/training/fit.py's
    # prepare, 5-6 s of a core): a press of Train with the form unchanged starts stepping at once.
    # Said ready before it: a job handed meanwhile waits for it here, still seconds sooner
    # than a fresh process would start.
    if data.has_training_data:
        from vae.model.config import form_config
        from vae.training.fit import prepare

        prepare(form_config("class", len(data.x_train), dataset=args.dataset), data)
    line = sys.stdin.readline()
    if not line.strip():
        return 0  # the app let it go (or went away) before any training
    return main(json.loads(line))


def main(argv: list[str] | None = None) -> int:
    try:
        command = parse_args(argv)
    except ValueError as error:  # the config checks itself and says what is wrong
        print(f"error: {error}", file=sys.stderr)
        return 2
    if command.nice:
        lower_priority()
    try:
        model = run(command, sys.argv[1:] if argv is None else argv)
    except ValueError as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a full disk, a store that went away: said in a sentence, not a traceback
        print(f"\nerror: {os_error_message(error)}", file=sys.stderr)
        return 1
    summarise(command, model)
    return 0


def os_error_message(error: OSError) -> str:
    import errno

    where = f" ({error.filename})" if error.filename else ""
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return (
            f"The disk is full{where}: {error.strerror}. The model was not saved, and the model store is as it "
            "was. Free some space, then train again."
        )
    return f"{error.strerror or error}{where}. The model was not saved."


def run(command: Command, argv: list[str]):
    import vae
    from vae.training.fit import train, train_cached
    from vae.training.watchdog import Watchdog

    data = PRELOADED.pop((command.config.dataset, command.data_dir), None)
    if command.images or (data is None and command.progress_json and is_own_images(command.config.dataset)):
        data = read_folder(command, argv)  # with its progress (a folder of 20,000 takes half a minute)
    elif data is None:
        data = vae.load_dataset(command.config.dataset, data_dir=command.data_dir)
    if command.test_limit:
        data = data.subset(None, command.test_limit)
    if data.notes and not command.progress_json:
        print("\n".join(data.notes), file=sys.stderr)
    json_report = JsonReport() if command.progress_json else None
    report = json_report or TerminalReport()
    if json_report:
        json_report.send({"data": {"source": data.source, "train": len(data.x_train), "test": len(data.x_test)}})
    else:
        print(
            f"data: {data.source} ({len(data.x_train):,} training, {len(data.x_test):,} test images)", file=sys.stderr
        )
    if command.progress_json:  # a child of the app (vae/workers/jobs.py): it ends with the app
        die_with_parent()
    stop = watch_stdin_for_stop() if command.progress_json else None
    # From the last step to the saved model, a step that takes seconds is named on stderr.
    watchdog = Watchdog()
    callbacks = {
        "on_progress": report.progress,
        "should_stop": stop.is_set if stop else None,
        "on_snapshot": json_report.snapshot if json_report else None,
        "watchdog": watchdog,
    }
    try:
        if command.out:
            model = train(command.config, data, **callbacks)
        else:
            model = train_cached(command.config, data, **callbacks)
        if command.out:
            if command.half_precision:
                watchdog.arm("evaluating the float16 weights")
                model.round_to_float16()
                model.metrics.update(vae.evaluate(model, data), weights="float16")
            watchdog.arm("saving the model")
            saving = time.perf_counter()
            model.metrics["command"] = "python -m vae " + " ".join(argv)
            model.store_test_encodings(data)
            model.save(command.out)
            model.metrics.setdefault("after_last_step_seconds", {})["saving"] = round(time.perf_counter() - saving, 2)
    finally:
        watchdog.disarm()
        if isinstance(report, TerminalReport):
            report.close()
    return model


def read_folder(command: Command, argv: list[str]):
    """The --images folder, or the folder of a dataset named images-<folder>, read with a progress
    bar (or JSON lines for the app)."""
    from vae.data.folders import read_image_folder
    from vae.data.sources import image_folder

    folder = command.images or image_folder(command.config.dataset)
    # Typed with --images, the preparation is the user's; a dataset by name (the app's trainings,
    # whose arguments name every field) is read as its pictures decide.
    chosen = command.images and any(arg.startswith("--preparation") for arg in argv)
    preparation = command.config.preparation if chosen else "auto"
    if command.progress_json:
        report = JsonReport()
        return read_image_folder(
            folder, preparation, lambda done, total: report.send({"reading": {"done": done, "total": total}})
        )
    from tqdm import tqdm

    with tqdm(desc="reading pictures", unit="file", file=sys.stderr, disable=None) as bar:

        def advance(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        return read_image_folder(folder, preparation, advance)


def summarise(command: Command, model) -> None:
    metrics = model.metrics
    if command.progress_json:
        print(
            json.dumps(
                {
                    "done": {
                        "path": str(model.path),
                        "test_nelbo": metrics["test_nelbo"],
                        "epochs_trained": metrics.get("epochs_trained"),
                    }
                }
            ),
            flush=True,
        )
        return
    print(
        f"test negative ELBO: {metrics['test_nelbo']:.2f} nats "
        f"(reconstruction {metrics['test_reconstruction']:.2f} + KL {metrics['test_kl']:.2f})"
    )
    if "knn5_accuracy" in metrics:
        print(f"5-NN accuracy of latent means: {metrics['knn5_accuracy']:.3f}")
    print(f"training time: {metrics['train_seconds']:.1f} s (from the start to the end of the last step)")
    after = metrics.get("after_last_step_seconds")
    if after:
        print(
            f"ready {sum(after.values()):.1f} s after the last step ("
            + ", ".join(f"{name.replace('_', ' ')} {seconds:.1f} s" for name, seconds in after.items())
            + ")"
        )
    print(f"saved model: {model.path}")
