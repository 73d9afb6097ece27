"""Reading a folder of one's own pictures (vae/data/folders.py): 10,000 PNG files, timed.

    python -m bench.folders                  # 10,000 files, both preparations
    python -m bench.folders --count 20000

The pictures are generated shapes saved as PNG files in class subfolders (28×28 like a
class's drawings, and 96×96 colour like emoji or sprites); each preparation is timed from the
call to the dataset in memory, with the progress callback counting. Printed with the machine.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from bench.common import conditions, table
from vae.data.folders import read_image_folder
from vae.data.shapes import make_shapes

TINTS = np.array([[1.0, 0.3, 0.2], [0.2, 0.8, 0.3], [0.3, 0.4, 1.0]])


def write_folder(root: Path, count: int, side: int, colour: bool) -> int:
    """`count` PNG files of shapes in class subfolders; returns their bytes in all."""
    data = make_shapes(count, 0, seed=7)
    total = 0
    for index, (picture, label) in enumerate(zip(data.x_train, data.y_train, strict=True)):
        folder = root / data.class_names[label]
        folder.mkdir(parents=True, exist_ok=True)
        pixels = picture[..., None] * TINTS[label] if colour else picture
        image = Image.fromarray(np.round(pixels * 255).astype(np.uint8))
        if side != 28:
            image = image.resize((side, side), Image.Resampling.BILINEAR)
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        (folder / f"{index:05d}.png").write_bytes(buffer.getvalue())
        total += buffer.tell()
    return total


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.folders", description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args(argv)
    print(conditions())
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for what, side, colour, preparation in (
            ("28×28 grey drawings", 28, False, "ink"),
            ("28×28 grey drawings", 28, False, "as-is"),
            ("96×96 colour sprites", 96, True, "as-is"),
        ):
            root = Path(scratch) / f"{side}-{colour}"
            size = write_folder(root, args.count, side, colour) if not root.exists() else 0
            calls = []
            started = time.perf_counter()
            data = read_image_folder(root, preparation, lambda done, total, calls=calls: calls.append(done))
            seconds = time.perf_counter() - started
            rows.append(
                (what, f"{args.count:,}", f"{size / 2**20:.1f} MB" if size else "", preparation,
                 f"{seconds:.1f} s", f"{seconds / args.count * 1000:.2f} ms", len(calls), data.channels)
            )  # fmt: skip
            print(rows[-1], flush=True)
    print()
    print(
        table(rows, ("pictures", "files", "on disk", "preparation", "read", "per file", "progress calls", "channels"))
    )


if __name__ == "__main__":
    main()
