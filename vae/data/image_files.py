"""The gate for uploaded pictures: which files are opened, and how, before any pixel is used.

Only the image formats the app names are ever tried (never Ghostscript's PostScript, never
SVG), the bytes and pixels are bounded before decoding, and every refusal is a sentence a
student can act on. `vae.data.images.prepare_image` takes what passes from here.
"""

from __future__ import annotations

import functools
import io
import os
from pathlib import Path

from PIL import Image, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 48 MP phone photo passes; a decompression bomb does not
DECODE_SIZE = 2048  # JPEGs are decoded at no less than this (DCT scaling is free)
REDUCE_SIDE = 2048  # any larger picture is reduced to this, in its own mode, before anything else
COARSE_SIDE = 1024  # where a large picture's digit is looked for
EXIF_ORIENTATION = 0x0112
# EXIF orientation -> the transpose that makes the picture upright (as ImageOps.exif_transpose).
TRANSPOSES = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# The formats the app names, and no others: Pillow would otherwise try every format it
# knows (PostScript through Ghostscript among them) on whatever bytes arrive. MPO is how
# phones label their JPEGs; HEIF is the iPhone's default (pillow-heif), AVIF Pillow's own.
FORMATS = ("PNG", "JPEG", "MPO", "GIF", "BMP", "WEBP", "HEIF", "AVIF")
EXTENSIONS = ("png", "jpg", "jpeg", "gif", "bmp", "webp", "heic", "heif", "avif")
SUPPORTED = "PNG, JPEG, GIF, BMP, WebP, HEIC or AVIF"


@functools.cache
def openable() -> list[str]:
    """The formats of FORMATS this Pillow can open; on the first upload, not at import (Pillow's
    plugins and pillow-heif cost the app's first page 60 ms of its server's time)."""
    try:
        import pillow_heif
    except ImportError:  # HEIC photos are then refused like any other unknown format
        pass
    else:
        pillow_heif.register_heif_opener()
    Image.init()  # Pillow registers its formats lazily; the list must see all of them
    return [name for name in FORMATS if name in Image.OPEN]


def open_image(source) -> Image.Image:
    """Open bytes, a path or a PIL image, refusing unusable input with a readable message."""
    if isinstance(source, Image.Image):
        return source
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise ValueError(f"{path}: no such file.")
        if path.stat().st_size > MAX_UPLOAD_BYTES:
            raise ValueError(
                f"The file is {path.stat().st_size / 2**20:.1f} MB; the limit is {MAX_UPLOAD_BYTES // 2**20} MB."
            )
        source = path.read_bytes()
    if not isinstance(source, (bytes, bytearray, memoryview)):
        raise ValueError(f"Expected image bytes, a path or a PIL image, not {type(source).__name__}.")
    data = bytes(source)
    if not data:
        raise ValueError("The file is empty (0 bytes): upload the picture again, or save it again first.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(f"The file is {len(data) / 2**20:.1f} MB; the limit is {MAX_UPLOAD_BYTES // 2**20} MB.")
    head = data[:512].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in data[:4096].lower()):
        raise ValueError(f"SVG drawings are not supported; export the drawing as {SUPPORTED}.")
    try:
        image = Image.open(io.BytesIO(data), formats=openable())
    except UnidentifiedImageError as error:
        raise ValueError(f"This file is not an image that can be read; use {SUPPORTED}.") from error
    except Image.DecompressionBombError as error:
        raise ValueError(
            "The image has too many pixels to open safely; make it smaller (a photo of one digit needs no more than a few MP)."
        ) from error
    return image


def check_size(image: Image.Image) -> None:
    # Decided from the header alone, before any pixel is decoded.
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ValueError(
            f"The image is {width} x {height} pixels ({width * height / 1e6:.0f} MP); "
            f"the limit is {MAX_PIXELS / 1e6:.0f} MP."
        )
    if width < 8 or height < 8:
        raise ValueError(
            f"The image is only {width} x {height} pixels: too small to hold a digit. "
            "Use a picture at least 8 pixels on each side (28 x 28 is MNIST's size)."
        )


def load_first_frame(image: Image.Image, region=None) -> Image.Image:
    """Decode the first frame (animations), upright (EXIF orientation applied), with its
    longer side at most REDUCE_SIDE pixels.

    A larger picture is reduced straight after decoding, in its own mode: a 49 MP RGBA picture
    is 196 MB decoded, and a conversion (to RGBA, to floats) before the reduction would copy it
    whole again. `region(reduced)`, when given, names what matters in the reduced picture (a
    box: left, top, right, bottom; or None): a small part is cut from the full-size picture
    instead, so that a small digit on a large canvas keeps its detail.
    """
    check_size(image)
    try:
        image.seek(0)
        orientation = image.getexif().get(EXIF_ORIENTATION)
        if image.format == "JPEG":
            # Let the JPEG decoder skip detail we would throw away anyway.
            image.draft(image.mode, (DECODE_SIZE, DECODE_SIZE))
        image.load()
        if max(image.size) > REDUCE_SIDE:
            image = _reduce_to_region(image, region)
        if orientation in TRANSPOSES:
            image = image.transpose(TRANSPOSES[orientation])
    except Image.DecompressionBombError as error:
        raise ValueError(
            "The image has too many pixels to open safely; make it smaller (a photo of one digit needs no more than a few MP)."
        ) from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ValueError(
            f"The image file is truncated or damaged ({error}). Save or export the picture again and upload the new file."
        ) from error
    return image


def _reduce_to_region(image: Image.Image, region) -> Image.Image:
    # What matters is found on a copy of COARSE_SIDE pixels (a few MB of floats beside it).
    box = region(reduce_large(image, COARSE_SIDE)) if region else None
    if box is not None:
        factor = -(-max(image.size) // COARSE_SIDE)  # each coarse pixel is a factor x factor box
        left, top, right, bottom = (v * factor for v in box)
        left, top, right, bottom = max(0, left), max(0, top), min(image.width, right), min(image.height, bottom)
        if (right - left) * (bottom - top) <= image.width * image.height / 4:
            return reduce_large(image.crop((left, top, right, bottom)))
    return reduce_large(image)  # what matters fills much of the picture: a reduced copy holds it well


# Modes that Image.reduce takes; the others are converted first (grey keeps what the
# preparation reads: the grey level and the transparency).
REDUCIBLE = ("L", "LA", "RGB", "RGBA", "I", "F")
STRIP_PIXELS = 1 << 20  # pixels of the full-size picture reduced at a time


def reduce_large(image: Image.Image, side: int = REDUCE_SIDE) -> Image.Image:
    """`image` with its longer side at most `side`, by box averaging (Image.reduce).

    A box over a few pixels keeps a pen line as a line (fainter, which the ink's stretch in
    vae.data.images undoes). Pillow's reduce copies an RGBA picture whole (to premultiplied
    alpha) and a conversion copies any picture whole, so both run on strips of whole boxes:
    the same result, with a few MB beside the decoded picture instead of its size again.
    """
    width, height = image.size
    factor = -(-max(width, height) // side)
    if factor <= 1:
        return image
    mode = image.mode if image.mode in REDUCIBLE else _reducible_mode(image)
    reduced = Image.new(mode, (-(-width // factor), -(-height // factor)))
    rows = factor * max(1, STRIP_PIXELS // (width * factor))
    for top in range(0, height, rows):
        strip = image.crop((0, top, width, min(height, top + rows)))
        if strip.mode != mode:
            strip = strip.convert(mode)
        reduced.paste(strip.reduce(factor), (0, top // factor))
    return reduced


def _reducible_mode(image: Image.Image) -> str:
    if image.mode in ("PA", "La", "RGBa") or "transparency" in image.info:
        return "LA"
    if image.mode.startswith("I;16"):
        return "I"
    return "RGB" if image.mode in ("CMYK", "YCbCr", "LAB", "HSV") else "L"
