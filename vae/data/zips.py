"""A .zip of a folder of pictures, unpacked only when it is safe to.

Checked from the zip's directory before a byte is unpacked, then again while unpacking (a
zip's directory can lie about sizes):

- its size as sent (`MAX_ZIP_BYTES`), its number of entries (`MAX_ENTRIES`);
- a bomb: the unpacked total (`MAX_UNPACKED_BYTES`) and each file's ratio of unpacked to packed
  bytes (`MAX_RATIO`; pictures are already compressed and barely shrink in a zip);
- paths that leave the folder (absolute, `..`, drive letters, backslashes) and links: the whole
  zip is refused, naming the entry;
- only files whose names end as a picture's are unpacked (the rest are counted as skipped);
  each at most 10 MB, as an upload, and none empty.

`unpack_zip` then leaves a folder that vae/data/folders.py reads like any other.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from vae.data.image_files import EXTENSIONS, MAX_UPLOAD_BYTES

MAX_ZIP_BYTES = 10 * 2**20  # as sent: the app's upload limit (.streamlit/config.toml), which bounds every upload
MAX_ENTRIES = 25_000  # files and folders; vae/data/folders.py reads at most 20,000 pictures
MAX_UNPACKED_BYTES = 1 * 2**30
MAX_RATIO = 100  # unpacked / packed bytes of one file: a PNG or JPEG barely shrinks, a bomb shrinks 1000×
CHUNK = 1 << 20


def check_zip(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The picture files to unpack; ValueError with a sentence when the zip is unsafe."""
    members = archive.infolist()
    if len(members) > MAX_ENTRIES:
        raise ValueError(f"The zip holds {len(members):,} entries; the limit is {MAX_ENTRIES:,}.")
    total = 0
    pictures = []
    for member in members:
        _check_path(member)
        if member.is_dir():
            continue
        total += member.file_size
        if total > MAX_UNPACKED_BYTES:
            raise ValueError(
                f"The zip would unpack to more than {MAX_UNPACKED_BYTES // 2**30} GB; it is refused (a zip bomb?)."
            )
        if member.file_size > MAX_RATIO * max(member.compress_size, 1) and member.file_size > CHUNK:
            raise ValueError(
                f"{member.filename} would unpack to {member.file_size / member.compress_size:,.0f} times its packed "
                "size; no picture does that. The zip is refused (a zip bomb?)."
            )
        path = PurePosixPath(member.filename)
        hidden = any(part.startswith(".") or part == "__MACOSX" for part in path.parts)  # what zip tools add
        if not hidden and path.suffix[1:].lower() in EXTENSIONS and 0 < member.file_size <= MAX_UPLOAD_BYTES:
            pictures.append(member)
    return pictures


def _check_path(member: zipfile.ZipInfo) -> None:
    name = member.filename
    parts = PurePosixPath(name).parts
    mode = member.external_attr >> 16
    if (
        name.startswith(("/", "\\"))
        or "\\" in name
        or ".." in parts
        or (len(name) > 1 and name[1] == ":")
        or "\0" in name
    ):
        raise ValueError(f"The zip holds a path that leaves its folder ({name!r}); it is refused.")
    if stat.S_ISLNK(mode):
        raise ValueError(f"The zip holds a link ({name!r}); links are not unpacked, and the zip is refused.")


def unpack_zip(
    source, destination: str | os.PathLike, on_progress: Callable[[int, int], None] | None = None
) -> tuple[Path, int]:
    """Unpack the pictures of a zip (a path, bytes or a file object) into `destination` (which
    must not exist yet); returns (`destination`, files skipped). A zip whose pictures are all in
    one top folder gives that folder's contents. Nothing is left behind when it is refused."""
    if isinstance(source, (bytes, bytearray)):
        import io

        source = io.BytesIO(source)
    elif isinstance(source, (str, os.PathLike)):
        source = open(source, "rb")  # noqa: SIM115 (zipfile closes what it reads; the process ends it otherwise)
    size = source.seek(0, os.SEEK_END)
    source.seek(0)
    if size > MAX_ZIP_BYTES:
        raise ValueError(f"The zip is {size / 2**20:,.1f} MB; the limit is {MAX_ZIP_BYTES / 2**20:g} MB.")
    destination = Path(destination)
    staging = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=destination.parent))
    try:
        try:
            with zipfile.ZipFile(source) as archive:
                pictures = check_zip(archive)
                skipped = sum(1 for m in archive.infolist() if not m.is_dir()) - len(pictures)
                for done, member in enumerate(pictures, 1):
                    _unpack_one(archive, member, staging)
                    if on_progress and (done % 100 == 0 or done == len(pictures)):
                        on_progress(done, len(pictures))
        except zipfile.BadZipFile as error:
            raise ValueError(f"This file is not a zip that can be read ({error}).") from error
        # A zip of one folder (the usual way to zip a folder): that folder is the dataset's.
        tops = [p for p in staging.iterdir() if not p.name.startswith(".") and p.name != "__MACOSX"]
        os.rename(tops[0] if len(tops) == 1 and tops[0].is_dir() else staging, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return destination, skipped


def _unpack_one(archive: zipfile.ZipFile, member: zipfile.ZipInfo, folder: Path) -> None:
    # The bytes are counted as they come: a directory that understates a file's size is caught here.
    target = folder.joinpath(*PurePosixPath(member.filename).parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with archive.open(member) as packed, open(target, "wb") as out:
        while chunk := packed.read(CHUNK):
            written += len(chunk)
            if written > max(member.file_size, 0) or written > MAX_UPLOAD_BYTES:
                raise ValueError(f"{member.filename} unpacks to more than its zip says; the zip is refused.")
            out.write(chunk)


def store_zip(source, filename: str, on_progress: Callable[[int, int], None] | None = None) -> tuple[str, Path, int]:
    """Unpack an uploaded zip of pictures beside the models (vae/places.py: pictures_dir(),
    which every app process and worker lists as datasets); returns (dataset name, folder, files
    skipped). Raises ValueError when the zip is unsafe or cannot make a dataset (it is then removed)."""
    from vae.data.folders import dataset_name, scan
    from vae.places import pictures_dir

    root = pictures_dir()
    root.mkdir(parents=True, exist_ok=True)
    stem = Path(filename).stem or "pictures"
    destination, number = root / stem, 2
    while destination.exists() or dataset_name(destination) in _taken(root, destination):
        destination, number = root / f"{stem}-{number}", number + 1
    folder, skipped = unpack_zip(source, destination, on_progress)
    try:
        files, _, _ = scan(folder)
        from vae.data.folders import MIN_IMAGES

        if len(files) < MIN_IMAGES:
            raise ValueError(
                f"{filename} holds {len(files)} picture{'' if len(files) == 1 else 's'} (and {skipped:,} empty or "
                f"other file{'' if skipped == 1 else 's'}); a VAE needs at least {MIN_IMAGES} pictures to learn from."
            )
    except BaseException:
        shutil.rmtree(destination, ignore_errors=True)
        raise
    return dataset_name(folder), folder, skipped


def _taken(root: Path, candidate: Path) -> set[str]:
    from vae.data.folders import dataset_name

    return {dataset_name(p) for p in root.iterdir() if p.is_dir() and p != candidate}
