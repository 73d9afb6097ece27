"""Does a model place handwriting that is not MNIST among its own digit?

    python -m bench.handwriting [--model NAME_OR_FOLDER ...] [--draw]

Two kinds of digits that are not MNIST's, both pushed through `vae.prepare_image` exactly as
the app does with an upload:
- drawings made in Chromium on the app's own canvas with a mouse: stroke templates of the ten
  digits, drawn with random slant, size, place and pen width (`--draw` makes them anew into
  bench/handwriting/; they are kept, so every run judges the same drawings);
- MNIST test digits turned into the pictures people upload: thick and thin pens, slant,
  off-centre and small, blurred, JPEG-compressed, faint pencil, a phone photo of paper with
  uneven light and grain, ruled lines.
A digit is "placed right" when the 5 nearest training-set means (of the 60,000 MNIST training
images) vote for its own digit. Refusals (prepare_image finds no digit) count as wrong.
"""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

import vae
from bench.common import conditions, table
from vae.data import bundled_test_set

HERE = Path(__file__).resolve().parent / "handwriting"
SHARED_MNIST = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "mnist"
PER_KIND = 200


def paper(digit: np.ndarray, size: int) -> np.ndarray:
    """A test digit as dark ink on white, enlarged smoothly to size x size, in [0, 1] (1 = white)."""
    ink = np.asarray(Image.fromarray((digit * 255).astype(np.uint8)).resize((size, size), Image.Resampling.BICUBIC))
    return 1.0 - ink / 255.0


def png(values: np.ndarray, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray((np.clip(values, 0, 1) * 255).round().astype(np.uint8)).save(buffer, fmt, **options)
    return buffer.getvalue()


def pen(digit: np.ndarray, width: int, size: int = 300) -> bytes:
    """Thicker (width > 0) or thinner (width < 0) strokes, as a different pen draws them."""
    image = Image.fromarray(((1 - paper(digit, size)) * 255).astype(np.uint8))
    image = image.filter(ImageFilter.MaxFilter(width) if width > 0 else ImageFilter.MinFilter(-width))
    return png(1 - np.asarray(image) / 255.0)


def slant(digit: np.ndarray, shear: float) -> bytes:
    image = Image.fromarray(((1 - paper(digit, 300)) * 255).astype(np.uint8))
    image = image.transform(
        image.size, Image.Transform.AFFINE, (1, shear, -150 * shear, 0, 1, 0), resample=Image.Resampling.BILINEAR
    )
    return png(1 - np.asarray(image) / 255.0)


def small_off_centre(digit: np.ndarray, rng) -> bytes:
    canvas = np.ones((600, 800))
    size = int(rng.integers(90, 160))
    top, left = int(rng.integers(20, 600 - size - 20)), int(rng.integers(20, 800 - size - 20))
    canvas[top : top + size, left : left + size] = paper(digit, size)
    return png(canvas)


def photo(digit: np.ndarray, rng, faint: bool = False, ruled: bool = False) -> bytes:
    """A phone photo of the digit on paper: uneven light, grain, maybe faint pencil or ruled lines."""
    size = 640
    ink = 1 - paper(digit, 420)
    page = np.ones((size, size))
    darkness = rng.uniform(0.05, 0.1) if faint else rng.uniform(0.6, 0.9)
    page[110:530, 110:530] -= darkness * ink
    if ruled:
        for y in range(20, size, 46):
            page[y : y + 2] *= 0.85
    light = (
        np.linspace(rng.uniform(0.65, 0.85), 1.0, size)[None, :]
        * np.linspace(1.0, rng.uniform(0.8, 1.0), size)[:, None]
    )
    photo = page * light * 0.95 + rng.normal(0, 0.006 if faint else 0.012, (size, size))
    return png(photo, "JPEG", quality=int(rng.integers(70, 92)))


def distorted_uploads(count: int, seed: int = 0) -> dict[str, list[tuple[bytes, int]]]:
    """MNIST test digits (from the end of the test set) made into the pictures people upload."""
    data = bundled_test_set()
    rng = np.random.default_rng(seed)
    picks = 9999 - rng.permutation(5000)[:count]
    kinds = {
        "thick pen": lambda d: pen(d, 9),
        "thin pen": lambda d: pen(d, -5),
        "slanted": lambda d: slant(d, float(rng.choice([-0.35, 0.35]))),
        "small, off-centre": lambda d: small_off_centre(d, rng),
        "blurred": lambda d: png(
            np.asarray(Image.fromarray((paper(d, 300) * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(6)))
            / 255.0
        ),
        "JPEG, low quality": lambda d: png(paper(d, 200), "JPEG", quality=25),
        "faint pencil": lambda d: png(0.97 - 0.07 * (1 - paper(d, 300))),
        "photo of paper": lambda d: photo(d, rng),
        "faint photo": lambda d: photo(d, rng, faint=True),
        "ruled paper photo": lambda d: photo(d, rng, ruled=True),
    }
    return {kind: [(make(data.x_test[i]), int(data.y_test[i])) for i in picks] for kind, make in kinds.items()}


def canvas_drawings() -> list[tuple[bytes, int]]:
    """The drawings made in Chromium on the app's canvas (bench/handwriting/, labels in the names)."""
    return [(path.read_bytes(), int(path.name.split("-")[0])) for path in sorted(HERE.glob("*.png"))]


def placement(model, training_means, training_labels, pictures) -> tuple[float, int]:
    """(fraction placed among their own digit by 5-NN, number refused)."""
    images, labels, refused = [], [], 0
    for data, label in pictures:
        try:
            images.append(vae.prepare_image(data))
            labels.append(label)
        except ValueError:
            refused += 1
    if not images:
        return 0.0, refused
    means, _ = model.encode(np.stack(images))
    distances = ((means[:, None, :] - training_means[None, :, :]) ** 2).sum(-1)
    votes = training_labels[np.argpartition(distances, 5, axis=1)[:, :5]]
    predicted = np.array([np.bincount(row, minlength=10).argmax() for row in votes])
    return float(np.sum(predicted == np.array(labels)) / len(pictures)), refused


def evaluate(model, training, per_kind: int = PER_KIND) -> dict[str, tuple[float, int, int]]:
    training_means, _ = model.encode(training.x_train)
    sets = {"canvas drawings (Chromium, mouse)": canvas_drawings(), **distorted_uploads(per_kind)}
    return {
        kind: (*placement(model, training_means, training.y_train, pictures), len(pictures))
        for kind, pictures in sets.items()
        if pictures
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", action="append", default=None, help="model name or folder (repeatable)")
    parser.add_argument("--draw", action="store_true", help="draw the canvas set anew in Chromium first")
    parser.add_argument("--data-dir", default=str(SHARED_MNIST))
    parser.add_argument("--per-kind", type=int, default=PER_KIND, help="distorted digits of each kind")
    args = parser.parse_args()
    print(conditions())
    if args.draw:
        from bench.drawings import draw_all

        draw_all(HERE)
    training = vae.load_dataset("mnist", data_dir=args.data_dir)
    results = {}
    for name in args.model or ["mnist-vae"]:
        model = vae.load_model(name)
        results[name] = evaluate(model, training, args.per_kind)
    kinds = list(next(iter(results.values())))
    rows = [
        (
            kind,
            results[next(iter(results))][kind][2],
            *(f"{r[kind][0]:.0%}" + (f" ({r[kind][1]} refused)" if r[kind][1] else "") for r in results.values()),
        )
        for kind in kinds
    ]
    overall = [np.mean([r[kind][0] for kind in kinds]) for r in results.values()]
    rows.append(("all kinds, equal weight", "", *(f"{v:.0%}" for v in overall)))
    print(table(rows, ("kind", "n", *results)))
    if args.per_kind == PER_KIND:
        (Path(__file__).parent / "results" / "handwriting.json").write_text(
            json.dumps(
                {name: {kind: list(values) for kind, values in r.items()} for name, r in results.items()}, indent=1
            )
        )


if __name__ == "__main__":
    main()
