"""A folder of the user's own pictures as a dataset: labels from subfolders, grey or colour.

    doodles/                      doodles/
      cat/ 001.png 002.png          001.png 002.png ...   (no subfolders: an unlabeled dataset)
      house/ ...

Only the formats the upload gate names are opened (vae/data/image_files.py), each file at
most 10 MB; anything else in the folder, or a damaged picture, is skipped and counted. A
picture becomes a 28×28 input in one of two ways, chosen per dataset and kept with the model:

- "ink": the upload pipeline (vae/data/images.py) for digits, letters and sketches: the ink is
  found on its paper, cropped, thickened and centred, light on black like MNIST; always grey.
- "as-is": the picture as it is, for photos, emoji and sprites: the largest centred square,
  reduced to 28×28, transparency over white; grey or colour.

With "as-is" the dataset is colour, (n, 28, 28, 3), as soon as one picture is; a grey picture
among colour ones is repeated on the three channels. Every fifth picture of each class (by file
name) is held out as the test set, which the map shows.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import multiprocessing
import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from vae.data.dataset import IMAGES_PREFIX, UNLABELED, Dataset
from vae.data.image_files import EXTENSIONS, load_first_frame, open_image
from vae.data.images import prepare_image
from vae.model.config import PREPARATIONS

MIN_IMAGES = 50  # fewer cannot teach a network anything worth a map
MAX_IMAGES = 20_000  # a class's drawings or a student's collection; more is refused before reading
TEST_EVERY = 5  # every fifth picture of a class is held out for the map and the test loss
PROCESSES_FROM = 1000  # pictures: fewer are read by threads (starting processes costs about a second)
CHUNK = 100  # pictures a reading process prepares per task
COLOUR_SPREAD = 8 / 255  # a picture whose channels differ by more than this somewhere is colour

IGNORED = ("__MACOSX",)  # what zip tools add beside the pictures
# A folder whose pictures are already 28×28 inputs made with "ink" (the class's drawings:
# vae/classroom/drawings.py) holds this file: they are read as they are.
PREPARED_MARK = ".prepared"


def dataset_name(folder: str | os.PathLike) -> str:
    """The dataset's name: images-<the folder's name, in lower-case letters, digits and dashes>."""
    slug = re.sub(r"[^a-z0-9]+", "-", Path(folder).resolve().name.lower()).strip("-") or "folder"
    return IMAGES_PREFIX + slug


def scan(folder: str | os.PathLike) -> tuple[list[tuple[Path, int]], tuple[str, ...], dict[str, int]]:
    """([(file, label)], class names, {reason: files skipped}) without opening any picture.

    With subfolders, each is a class (sorted by name) and loose files beside them are skipped;
    without, every picture is of one class (UNLABELED). Hidden files are passed over unseen.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(
            f"{folder}: no such folder. Give a folder of pictures (PNG, JPEG, …), one subfolder per class."
        )
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith(".") and p.name not in IGNORED)
    classes = [p for p in entries if p.is_dir()]
    skipped: dict[str, int] = {}
    if classes:
        loose = [p for p in entries if p.is_file()]
        if loose:
            skipped["loose beside the class folders"] = len(loose)
        files = [(path, label) for label, sub in enumerate(classes) for path in _pictures(sub, skipped)]
        return files, tuple(sub.name for sub in classes), skipped
    return [(path, 0) for path in _pictures(folder, skipped)], UNLABELED, skipped


def _pictures(folder: Path, skipped: dict[str, int]) -> list[Path]:
    """The picture files anywhere under `folder`, by name; other files are counted in `skipped`."""
    found = []
    for root, directories, names in os.walk(folder):
        directories[:] = sorted(d for d in directories if not d.startswith(".") and d not in IGNORED)
        for name in sorted(names):
            if name.startswith("."):
                continue
            if name.rsplit(".", 1)[-1].lower() in EXTENSIONS:
                found.append(Path(root) / name)
            else:
                skipped["not a picture"] = skipped.get("not a picture", 0) + 1
    return found


def prepare_as_is(source) -> np.ndarray:
    """A picture as it is: its largest centred square at 28×28, (28, 28, 3) float32 in [0, 1]."""
    image = load_first_frame(open_image(source))
    if image.mode in ("RGBA", "LA", "PA", "P") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    image = image.convert("RGB")
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    square = image.crop((left, top, left + side, top + side))
    # Box averaging down to 4× the size, then Lanczos: fine detail without aliasing, and quick.
    square = square.reduce(max(1, side // 112)) if side > 112 else square
    return np.asarray(square.resize((28, 28), Image.Resampling.LANCZOS), np.float32) / 255.0


def is_colour(picture: np.ndarray) -> bool:
    """Whether a prepared (28, 28, 3) picture has colour in it."""
    return picture.ndim == 3 and float(np.ptp(picture, axis=2).max()) > COLOUR_SPREAD


def _read_one(path: Path, preparation: str) -> tuple[np.ndarray | None, bytes]:
    """(the picture prepared, or None when it cannot be; a digest of the file's bytes)."""
    data = path.read_bytes() if path.stat().st_size <= 10 * 2**20 else b""
    content = hashlib.blake2b(data, digest_size=16).digest()
    try:
        if preparation == PREPARED_MARK:
            picture = _prepared(data)
        else:
            picture = prepare_image(data) if preparation == "ink" else prepare_as_is(data)
    except ValueError:
        return None, content
    return picture, content


def _read_chunk(paths: list[Path], preparation: str) -> list[tuple[np.ndarray | None, bytes]]:
    return [_read_one(path, preparation) for path in paths]


def _read_all(files: list[tuple[Path, int]], preparation: str):
    """Each file read and prepared, in order. The upload pipeline ("ink", 2-4 ms a small picture)
    is many small NumPy steps that hold Python's lock, so a large folder is read by a process per
    core (started fresh: a process that has imported TensorFlow must not fork); the other
    preparations, and small folders, by threads (decoding and resizing let go of the lock)."""
    paths = [path for path, _ in files]
    cores = os.cpu_count() or 1
    if preparation != "ink" or len(paths) < PROCESSES_FROM or cores == 1:
        with concurrent.futures.ThreadPoolExecutor(max_workers=cores) as pool:
            yield from pool.map(lambda path: _read_one(path, preparation), paths)
        return
    chunks = [paths[start : start + CHUNK] for start in range(0, len(paths), CHUNK)]
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=cores, mp_context=context) as pool:
        for results in pool.map(_read_chunk, chunks, [preparation] * len(chunks)):
            yield from results


def read_image_folder(
    folder: str | os.PathLike,
    preparation: str = "auto",
    on_progress: Callable[[int, int], None] | None = None,
) -> Dataset:
    """Read a folder of pictures (see the module doc) into a Dataset named `dataset_name(folder)`.

    `preparation` is "ink", "as-is", or "auto" ("as-is" when the first pictures have colour,
    else "ink"). `on_progress(done, total)` is called as files are read. Raises ValueError with
    a sentence for the user when the folder cannot make a dataset (missing, too few or too many
    pictures); files skipped on the way are counted in `Dataset.notes`.
    """
    files, classes, skipped = scan(folder)
    prepared = (Path(folder) / PREPARED_MARK).is_file()
    if len(files) > MAX_IMAGES:
        raise ValueError(
            f"{Path(folder).name} holds {len(files):,} pictures; the limit is {MAX_IMAGES:,}. "
            "Train on a part of it: a folder of up to 20,000 pictures."
        )
    _require_enough(folder, len(files), skipped)
    if prepared:
        preparation = "ink"
    elif preparation == "auto":
        preparation = (
            "as-is"
            if any(is_colour(_quietly_as_is(path)) for path, _ in files[:: max(1, len(files) // 50)][:50])
            else "ink"
        )
    if preparation not in PREPARATIONS:
        raise ValueError(f"The preparation must be one of {', '.join(PREPARATIONS)} (or auto), not {preparation!r}.")
    pictures, labels, digest, damaged = [], [], hashlib.blake2b(digest_size=16), 0
    digest.update(preparation.encode())
    way = PREPARED_MARK if prepared else preparation
    for done, ((path, label), (picture, content)) in enumerate(zip(files, _read_all(files, way), strict=True), 1):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + content)
        if picture is None:
            damaged += 1
        else:
            pictures.append(picture)
            labels.append(label)
        if on_progress and (done % 100 == 0 or done == len(files)):
            on_progress(done, len(files))
    if damaged:
        skipped["damaged or blank"] = damaged
    _require_enough(folder, len(pictures), skipped)
    return _split(folder, np.stack(pictures), np.asarray(labels, np.uint8), classes, preparation, skipped, digest)


def _prepared(data: bytes) -> np.ndarray:
    """A 28×28 input as it was made, [0, 1]: (28, 28, 3) for every picture, which _split makes
    grey again unless one has colour (an upload sent from a colour model)."""
    image = load_first_frame(open_image(data))
    if image.size != (28, 28):
        raise ValueError(f"A prepared input is 28 x 28 pixels, not {image.width} x {image.height}.")
    return np.asarray(image.convert("RGB"), np.float32) / 255.0


def _quietly_as_is(path: Path) -> np.ndarray:
    try:
        return prepare_as_is(path)
    except ValueError:
        return np.zeros((28, 28, 3), np.float32)


def _require_enough(folder, count: int, skipped: dict[str, int]) -> None:
    if count < MIN_IMAGES:
        also = f" ({skipped_sentence(skipped)})" if skipped else ""
        raise ValueError(
            f"{Path(folder).name} has {count} picture{'' if count == 1 else 's'} that can be read; "
            f"a VAE needs at least {MIN_IMAGES} to learn from{also}. Add more pictures and try again."
        )


def skipped_sentence(skipped: dict[str, int]) -> str:
    """ "skipped 3 files: 2 not a picture, 1 damaged or blank"."""
    total = sum(skipped.values())
    return f"skipped {total:,} file{'' if total == 1 else 's'}: " + ", ".join(
        f"{count:,} {reason}" for reason, count in skipped.items()
    )


def _split(folder, pictures, labels, classes, preparation, skipped, digest) -> Dataset:
    if pictures.ndim == 4:  # "as-is", or prepared inputs: colour only if one picture has colour
        pictures = pictures if any(is_colour(p) for p in pictures) else pictures.mean(axis=3)
    test = np.zeros(len(labels), bool)
    notes = [skipped_sentence(skipped).capitalize() + "."] if skipped else []
    for label, name in enumerate(classes):
        members = np.flatnonzero(labels == label)
        test[members[TEST_EVERY - 1 :: TEST_EVERY] if len(members) >= TEST_EVERY else members[1:2]] = True
        if len(members) < 2:
            notes.append(
                f"The class {name!r} has {len(members)} picture{'' if len(members) == 1 else 's'}: it is trained on, "
                "but none is held out to test how well the model knows it. Add more of it."
            )
    folder = Path(folder)
    return Dataset(
        pictures[~test].astype(np.float32),
        labels[~test],
        pictures[test].astype(np.float32),
        labels[test],
        source=f"pictures in {folder} ({len(labels):,} read, prepared {preparation!r}, contents {digest.hexdigest()[:12]})",
        name=dataset_name(folder),
        origin=f"your pictures in the folder {folder.name}",
        classes=classes,
        preparation=preparation,
        notes=tuple(notes),
        content_hash=digest.hexdigest(),
    )


def fit_channels(images: np.ndarray, channels: int) -> np.ndarray:
    """Pictures (n, 28, 28) or (n, 28, 28, 3) as a model of `channels` reads them: grey ones
    repeated on three channels, colour ones averaged to grey."""
    if channels == 3 and images.ndim == 3:
        return np.repeat(images[..., None], 3, axis=-1)
    if channels == 1 and images.ndim == 4:
        return images.mean(axis=-1).astype(images.dtype)
    return images
