"""The class's own drawings as a dataset: the board's digits and sketches, by what each student
said it was, written as a folder of pictures beside the models (vae/places.py: pictures_dir()).

The pictures are the 28×28 inputs the students' pages made (vae/data/images.py's "ink"), so
the folder is marked as prepared: vae/data/folders.py reads them as they are instead of running
the upload pipeline on them again, and the model keeps "ink" as its preparation, so a new drawing
sent to it is prepared as these were.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from pathlib import Path

from PIL import Image

from vae.data.folders import MIN_IMAGES, PREPARED_MARK, dataset_name
from vae.places import pictures_dir

UNNAMED = "unnamed"  # the class of drawings whose student said nothing


def folder_label(label: str) -> str:
    """A label as a folder name: what the student typed, without what a path cannot hold."""
    text = re.sub(r"[/\\\0]", "-", label.strip().lower()).strip(". ")
    return text or UNNAMED


def save_drawings(entries, board: str, now: float | None = None) -> tuple[str, Path]:
    """Write the board's entries (vae/classroom/board.py's Entry) as a dataset; returns (its name,
    its folder). Labels become subfolders when at least one student gave one. ValueError when
    there are fewer than MIN_IMAGES."""
    if len(entries) < MIN_IMAGES:
        raise ValueError(
            f"The board has {len(entries)} drawing{'' if len(entries) == 1 else 's'}; a VAE needs at least "
            f"{MIN_IMAGES} to learn from. Ask the class for {MIN_IMAGES - len(entries)} more."
        )
    root = pictures_dir()
    root.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    final = root / f"class-{board.lower() or 'board'}-{stamp}"
    staging = Path(tempfile.mkdtemp(prefix=".drawings-", dir=root))
    try:
        labelled = any(entry.label for entry in entries)
        for entry in entries:
            where = staging / folder_label(entry.label) if labelled else staging
            where.mkdir(exist_ok=True)
            Image.fromarray(entry.image).save(where / f"{entry.id}.png")  # grey, or colour for a colour model's
        (staging / PREPARED_MARK).write_text("28x28 inputs made by the students' pages (ink)\n")
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return dataset_name(final), final
