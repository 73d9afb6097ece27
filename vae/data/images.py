"""Turn any picture of a digit into the 28x28 input an MNIST model expects.

MNIST's own recipe (LeCun et al.): the digit is cropped to its ink, scaled so that its
longer side is 20 px (anti-aliased), and centred by its centre of mass in a 28x28 field,
light ink on a dark background. Real uploads need more than that: phone photos of paper
have uneven light and faint ruled lines, and drawings on a large canvas have strokes that
turn hair-thin at 20 px. `prepare_image` finds the ink on its paper (vae/data/ink.py: the
background normalised, faint marks dropped), then here thickens thin strokes to MNIST-like
width before the MNIST recipe.
"""

from __future__ import annotations

import threading

import numpy as np
from PIL import Image, ImageOps

from vae.data.image_files import REDUCE_SIDE, load_first_frame, open_image
from vae.data.ink import blur, clean, focus, grey_and_alpha, ink_map, ink_region

STROKE_SIZE = 100  # longer side of the cropped digit while strokes are measured
TARGET_STROKE = 0.12  # MNIST strokes are about 12% of the digit's longer side
# A picture larger than this is decoded whole before it is reduced (a 49 MP RGBA PNG: 196 MB).
# At most LARGE_AT_ONCE of them are decoded at once in a process; the others wait their turn.
LARGE_PIXELS = REDUCE_SIDE * REDUCE_SIDE
LARGE_AT_ONCE = 2
_large_pictures = threading.BoundedSemaphore(LARGE_AT_ONCE)


def _crop(ink: np.ndarray) -> np.ndarray:
    """The digit's bounding box: rows and columns with a clear stroke (a stray grey speck of
    grain does not widen it), plus the faint anti-aliased edge around them."""
    top, bottom = _extent(ink.max(axis=1))
    left, right = _extent(ink.max(axis=0))
    return ink[top:bottom, left:right]


def _extent(profile: np.ndarray) -> tuple[int, int]:
    """[start, stop) of the clear strokes in a row or column profile, widened by the faint
    edge that touches them (at most 4% of the length)."""
    core = np.flatnonzero(profile > 0.3)
    start, stop = core[0], core[-1] + 1
    reach = max(2, int(0.04 * len(profile)))
    for _ in range(reach):
        if start > 0 and profile[start - 1] > 0.05:
            start -= 1
        if stop < len(profile) and profile[stop] > 0.05:
            stop += 1
    return start, stop


def _to_image(values: np.ndarray) -> Image.Image:
    return Image.fromarray((np.clip(values, 0, 1) * 255).astype(np.uint8))


def _stroke_width(mask: np.ndarray) -> float:
    """Mean stroke width of a binary mask: area / (half the perimeter) for thin shapes."""
    area = mask.sum()
    inner = mask[1:-1, 1:-1] & mask[:-2, 1:-1] & mask[2:, 1:-1] & mask[1:-1, :-2] & mask[1:-1, 2:]
    perimeter = area - inner.sum()
    return float(2.0 * area / max(perimeter, 1))


def _max_filter(pixels: np.ndarray, size: int) -> np.ndarray:
    # Pillow's MaxFilter gives the same pixels (edges repeated), as a rank filter over the whole
    # square: 2-3 ms a picture, most of a small picture's preparation. SciPy's is separable
    # (imported here: 0.3 s that a server's start need not pay).
    from scipy import ndimage

    return ndimage.maximum_filter(pixels, size, mode="nearest")


def _normalise_strokes(ink: np.ndarray, stroke: float = TARGET_STROKE) -> np.ndarray:
    """Resize the cropped digit to STROKE_SIZE and bring its strokes to `stroke` of its longer side."""
    scale = STROKE_SIZE / max(ink.shape)
    image = _to_image(ink)
    if scale < 1:
        # Max-filter before shrinking so a 1-px line survives as a line, not a grey haze.
        size = int(1 / scale) | 1
        if size > 1:
            image = Image.fromarray(_max_filter(np.asarray(image), min(size, 9)))
    new_size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
    image = image.resize(new_size, Image.Resampling.LANCZOS if scale > 1 else Image.Resampling.BOX)
    padded = ImageOps.expand(image, border=STROKE_SIZE // 5, fill=0)
    values = np.asarray(padded, dtype=np.float64) / 255.0
    width = _stroke_width(values > 0.5)
    target = stroke * STROKE_SIZE
    if width < target * 0.75:
        grow = int(round(target - width)) | 1
        values = _max_filter(np.asarray(_to_image(values)), min(grow, 15)) / 255.0
        values = blur(values, 1.0)
    elif width > target * 1.8:
        # A marker's strokes, or a thick digit drawn to fill a small frame: thinned to MNIST's
        # width, so that the encoder sees the shape it learned, not a blob.
        shrink = int(round(width - target)) | 1
        from scipy import ndimage

        thinned = ndimage.minimum_filter(np.asarray(_to_image(values)), min(shrink, 9), mode="nearest") / 255.0
        if (thinned > 0.5).sum() > 0.25 * (values > 0.5).sum():  # never erased
            values = blur(thinned, 1.0)
    return _crop(values)


def _center_in_field(digit: np.ndarray) -> np.ndarray:
    """Scale so the longer side is 20 px and place by centre of mass in a 28x28 field."""
    scale = 20.0 / max(digit.shape)
    size = (max(1, round(digit.shape[1] * scale)), max(1, round(digit.shape[0] * scale)))
    small = np.asarray(_to_image(digit).resize(size, Image.Resampling.LANCZOS), dtype=np.float64) / 255.0
    small = np.clip(small, 0, 1)
    rows, cols = np.indices(small.shape)
    total = small.sum()
    center_row, center_col = (rows * small).sum() / total, (cols * small).sum() / total
    top = int(np.clip(round(14 - center_row), 0, 28 - small.shape[0]))
    left = int(np.clip(round(14 - center_col), 0, 28 - small.shape[1]))
    field = np.zeros((28, 28), np.float32)
    field[top : top + small.shape[0], left : left + small.shape[1]] = small
    return field


def prepare_image(source) -> np.ndarray:
    """Any picture of one digit (bytes, path or PIL image) -> (28, 28) float32 in [0, 1].

    The result is light ink on black like MNIST. Raises ValueError with a message fit to
    show a user when the input cannot be used (empty, damaged, not an image, SVG, too
    many pixels or bytes, or no ink at all). Memory is bounded: a large picture is reduced
    right after decoding, and at most LARGE_AT_ONCE are decoded at once (the others wait).
    """
    return _center_in_field(_normalise_strokes(_digit_ink(source)))


# The readings of one picture (`readings`): MNIST's own digits vary this much in stroke width
# (as a share of the digit's longer side) and in slant, and a person's pen or tilt is one of them.
# A stroke already near a width is left as it is (see _normalise_strokes), so readings may coincide.
STROKE_READINGS = (TARGET_STROKE, 0.08, 0.10, 0.14, 0.16, 0.18)
TURN_READINGS = (0.0, -8.0, 8.0, -15.0, 15.0)  # degrees, anticlockwise


def readings(source) -> np.ndarray:
    """Several equally plausible readings of one picture: (30, 28, 28), every stroke width of
    STROKE_READINGS, each turned by every angle of TURN_READINGS. The first is `prepare_image`'s.

    A model chooses the one it explains best (vae/analysis/reading.py's `prepare_for`): the same
    digit drawn with a thin pen, or tilted, then lands where its thicker or upright twins do.
    The picture is opened and its ink found once; each reading costs about a millisecond.
    Raises ValueError as `prepare_image` does.
    """
    from scipy import ndimage

    digit = _digit_ink(source)
    out = []
    for stroke in STROKE_READINGS:
        field = _center_in_field(_normalise_strokes(digit, stroke))
        for turn in TURN_READINGS:
            turned = ndimage.rotate(field, turn, reshape=False, order=1) if turn else field
            out.append(np.clip(turned, 0.0, 1.0))
    return np.stack(out).astype(np.float32)


def _digit_ink(source) -> np.ndarray:
    """The picture's ink, light on black, cropped to the digit (vae/data/ink.py)."""
    image = open_image(source)
    if image.width * image.height > LARGE_PIXELS:
        with _large_pictures:
            image = load_first_frame(image, region=ink_region)
    else:
        image = load_first_frame(image)
    grey, alpha = focus(*grey_and_alpha(image))
    return _crop(clean(ink_map(grey, alpha)))
