"""Turn any picture of a digit into the 28x28 input an MNIST model expects.

MNIST's own recipe (LeCun et al.): the digit is cropped to its ink, scaled so that its
longer side is 20 px (anti-aliased), and centred by its centre of mass in a 28x28 field,
light ink on a dark background. Real uploads need more than that: phone photos of paper
have uneven light and faint ruled lines, and drawings on a large canvas have strokes that
turn hair-thin at 20 px. `prepare_image` normalises the background, drops faint marks,
and thickens thin strokes to MNIST-like width before the MNIST recipe.
"""

from __future__ import annotations

import threading

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from vae.data.image_files import REDUCE_SIDE, load_first_frame, open_image

WORK_SIZE = 512  # longer side the digit's region is reduced to before analysis
STROKE_SIZE = 100  # longer side of the cropped digit while strokes are measured
TARGET_STROKE = 0.12  # MNIST strokes are about 12% of the digit's longer side
# Ink must stand out from the paper by this much (of full black) and by this many times the
# paper's own grain: a pencil line 3% darker than clean paper is a digit, JPEG noise is not.
MIN_CONTRAST = 0.03
MIN_SIGNAL_TO_NOISE = 8.0
GRAINY = 0.03
FAINT = 0.2
SMALL = 96  # pixels of the longer side up to which a picture's paper is one level (ink_map)
# A picture larger than this is decoded whole before it is reduced (a 49 MP RGBA PNG: 196 MB).
# At most LARGE_AT_ONCE of them are decoded at once in a process; the others wait their turn.
LARGE_PIXELS = REDUCE_SIDE * REDUCE_SIDE
LARGE_AT_ONCE = 2
_large_pictures = threading.BoundedSemaphore(LARGE_AT_ONCE)
BLANK = (
    "No digit found: nothing in the picture stands out from its background. If your digit is there, "
    "try a darker pen or more light, and crop closer to the digit."
)


def _grey_and_alpha(image: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """Greyscale in [0, 1] (alpha composited on white) and the alpha channel if it varies.

    In float32: at 2,048 pixels a side each array is 17 MB, and two uploads may be prepared at once.
    """
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        values = np.asarray(image, dtype=np.float32)
        top = 65535.0 if values.max() > 255 else 255.0
        return np.clip(values / top, 0, 1), None
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if not has_alpha:
        return np.asarray(image.convert("L"), dtype=np.float32) / 255.0, None
    rgba = image.convert("RGBA")
    alpha = np.asarray(rgba.getchannel("A"), dtype=np.float32) / 255.0
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    grey = np.asarray(Image.alpha_composite(white, rgba).convert("L"), dtype=np.float32) / 255.0
    return grey, (alpha if alpha.min() < 0.98 else None)


def _blur(values: np.ndarray, radius: float) -> np.ndarray:
    image = Image.fromarray((np.clip(values, 0, 1) * 255).astype(np.uint8))
    return np.asarray(image.filter(ImageFilter.GaussianBlur(radius)), dtype=np.float64) / 255.0


def _background(grey: np.ndarray, dark_ink: bool) -> np.ndarray:
    """Local paper brightness (or darkness), estimated at low resolution and smoothed.

    A rank filter at low resolution wipes out the strokes and keeps the slow changes of
    light across a photo; the blur removes the blockiness of the small image.
    """
    small = Image.fromarray((grey * 255).astype(np.uint8))
    small.thumbnail((32, 32), Image.Resampling.BOX)
    rank = ImageFilter.MaxFilter(5) if dark_ink else ImageFilter.MinFilter(5)
    small = small.filter(rank).filter(ImageFilter.GaussianBlur(1.5))
    full = small.resize((grey.shape[1], grey.shape[0]), Image.Resampling.BILINEAR)
    return np.asarray(full, dtype=np.float64) / 255.0


def _otsu(values: np.ndarray) -> float:
    """Otsu's threshold of values in [0, 1] (maximises between-class variance)."""
    hist, edges = np.histogram(values, bins=64, range=(0, 1))
    centers = (edges[:-1] + edges[1:]) / 2
    weight = np.cumsum(hist)
    mean = np.cumsum(hist * centers)
    total_weight, total_mean = weight[-1], mean[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (total_mean * weight - mean * total_weight) ** 2 / (weight * (total_weight - weight))
    return float(centers[np.nanargmax(between[:-1])])


def smooth_extremes(grey: np.ndarray) -> tuple[float, float]:
    """The darkest and lightest level of a stroke's size, not of one noisy pixel: from the picture
    averaged over blocks of about 1/256 of its size (Pillow's reduce), or blurred by a pixel when small."""
    if min(grey.shape) < 16:
        return float(grey.min()), float(grey.max())
    factor = max(1, max(grey.shape) // 256)
    image = Image.fromarray((np.clip(grey, 0, 1) * 255).astype(np.uint8))
    smooth = np.asarray(image.reduce(factor) if factor > 1 else image.filter(ImageFilter.GaussianBlur(1.0)))
    return float(smooth.min()) / 255.0, float(smooth.max()) / 255.0


def _dark_ink(grey: np.ndarray) -> bool:
    """Whether the ink is darker than the paper.

    The paper is the picture's border; the ink is what stands out from it the most, so dark
    pen on mid-grey paper (a photo in dim light: paper at 0.4) is dark ink although the paper is
    under half-bright. When neither side stands out three times more than the other, the
    paper's brightness decides: light paper, dark ink.
    """
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    paper = float(np.median(border))
    darkest, lightest = smooth_extremes(grey)
    darker, lighter = paper - darkest, lightest - paper
    if darker >= 3 * lighter:
        return True
    if lighter >= 3 * darker:
        return False
    return paper >= 0.5


def ink_map(grey: np.ndarray, alpha: np.ndarray | None = None) -> np.ndarray:
    """Ink strength in [0, 1] (1 = full stroke) from a greyscale picture, background removed."""
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    dark_ink = _dark_ink(grey)
    if max(grey.shape) <= SMALL:
        # A small picture (a 28x28 export, a tight crop) has even light, and its strokes fill
        # much of it: a local estimate of the paper would follow the strokes. Its border is the paper.
        background = np.full_like(grey, float(np.median(border)))
    else:
        background = _background(grey, dark_ink)
    if dark_ink:
        # Dividing by the local paper brightness cancels uneven light (shading, shadows).
        ink = 1.0 - grey / np.maximum(background, 1e-3)
    else:
        ink = grey - background
    ink = np.clip(ink, 0.0, 1.0)
    if ink.max() < 0.15 and alpha is not None:
        ink = alpha  # strokes carried only in transparency (e.g. white strokes on a clear canvas)
    return ink


def _stroke_level(ink: np.ndarray) -> tuple[float, float, float]:
    """(paper, strokes, grain): the ink values of the paper and of the strongest strokes,
    and the spread of the paper's values.

    Both are measured on a lightly blurred copy: a stroke is a line several pixels wide and
    keeps its strength, while paper grain and JPEG noise average out. The strokes must
    stand out from the paper by more than the paper's own grain (a robust spread of its
    values). Raises ValueError when nothing does (a blank page, a photo of plain paper).
    """
    # A 28x28 drawing has strokes two or three pixels wide: a blur would halve them.
    smooth = _blur(ink, 1.0) if min(ink.shape) >= 48 else ink
    paper = float(np.median(smooth))
    grain = 1.4826 * float(np.median(np.abs(smooth - paper)))
    strokes = float(smooth.max())
    if strokes - paper >= max(MIN_CONTRAST, MIN_SIGNAL_TO_NOISE * grain):
        return paper, strokes, grain
    # Strokes that fill much of the picture (a thick digit cropped tight, a 28x28 drawing)
    # pull the median and its spread towards the ink. Then the paper is what Otsu's split
    # puts on the paper's side, when the split is a clear one: two levels far apart for their
    # spreads (a digit), not one level cut in two (grain, noise, a blank page).
    split = _clear_split(smooth)
    if split is not None:
        paper, grain = split
        if strokes - paper >= max(MIN_CONTRAST, MIN_SIGNAL_TO_NOISE * grain):
            return paper, strokes, grain
    raise ValueError(BLANK)


def _clear_split(values: np.ndarray, separation: float = 2.2) -> tuple[float, float] | None:
    """(paper level, paper grain) from Otsu's two classes, or None when they are not two
    levels at least `separation` times their spreads apart."""
    if float(values.max() - values.min()) < 1e-6:
        return None  # one level: nothing to split
    threshold = _otsu(values)
    paper, ink = values[values <= threshold], values[values > threshold]
    if paper.size < 0.2 * values.size or ink.size < 10:
        return None
    spread = float(paper.std() + ink.std())
    if float(ink.mean() - paper.mean()) < separation * max(spread, 1e-3):
        return None
    level = float(np.median(paper))
    return level, 1.4826 * float(np.median(np.abs(paper - level)))


def _clean(ink: np.ndarray) -> np.ndarray:
    """Drop faint marks (ruled lines, paper grain) and stretch strokes to full strength.

    Ink is judged against the picture's own contrast: a light pencil digit, only a few
    percent darker than its paper, is stretched to full strength first.
    """
    paper, strokes, grain = _stroke_level(ink)
    if grain > GRAINY * (strokes - paper):
        # Faint ink on grainy paper: pixel noise rivals the strokes. Smoothing over a couple of
        # pixels keeps the strokes (lines) and averages the grain away.
        ink = _blur(ink, max(1.5, 0.01 * max(ink.shape)))
    elif strokes - paper < FAINT:
        # Faint ink on clean paper: stretching it also stretches JPEG's ringing around the
        # strokes; a one-pixel blur removes the ringing and keeps the strokes.
        ink = _blur(ink, 1.0)
    ink = np.clip((ink - paper) / (strokes - paper), 0.0, 1.0)
    threshold = max(_otsu(ink), 0.15)
    strokes = ink[ink > threshold]
    if strokes.size < 10:
        raise ValueError(
            "No digit found: the marks in the picture are too small or too faint to be a digit. "
            "Write it larger with a darker pen, or crop closer to it."
        )
    high = np.percentile(strokes, 75)
    low = threshold * 0.6
    return np.clip((ink - low) / max(high - low, 1e-3), 0.0, 1.0)


def _block_reduce(values: np.ndarray, factor: int, keep_dark: bool) -> np.ndarray:
    """Shrink by an integer factor keeping each block's darkest (or lightest) value.

    Averaging would fade a 2-px pen line on a 4000-px photo into the paper; taking the
    extreme of each block keeps every stroke.
    """
    height, width = values.shape
    padded = np.pad(values, ((0, -height % factor), (0, -width % factor)), mode="edge")
    blocks = padded.reshape(padded.shape[0] // factor, factor, padded.shape[1] // factor, factor)
    return blocks.min(axis=(1, 3)) if keep_dark else blocks.max(axis=(1, 3))


def _ink_box(grey: np.ndarray, alpha: np.ndarray | None, dark_ink: bool) -> tuple[int, int, int, int]:
    """(top, bottom, left, right): the region around the ink of a picture larger than WORK_SIZE,
    found on a coarse copy, with a margin of a quarter of the digit's size."""
    factor = -(-max(grey.shape) // WORK_SIZE)
    coarse_alpha = None if alpha is None else _block_reduce(alpha, factor, keep_dark=False)
    ink = _clean(ink_map(_block_reduce(grey, factor, dark_ink), coarse_alpha))
    rows = np.flatnonzero(ink.max(axis=1) > 0.05)
    cols = np.flatnonzero(ink.max(axis=0) > 0.05)
    margin = max(rows[-1] - rows[0], cols[-1] - cols[0]) // 4 + 2
    top, bottom = max(0, (rows[0] - margin) * factor), min(grey.shape[0], (rows[-1] + 1 + margin) * factor)
    left, right = max(0, (cols[0] - margin) * factor), min(grey.shape[1], (cols[-1] + 1 + margin) * factor)
    return top, bottom, left, right


def _ink_region(reduced: Image.Image) -> tuple[int, int, int, int] | None:
    """The box (left, top, right, bottom) around the ink of a reduced large picture, or None
    when it holds none (the whole picture then goes on, to be refused with the reason)."""
    grey, alpha = _grey_and_alpha(reduced)
    if max(grey.shape) <= WORK_SIZE:
        return None
    try:
        top, bottom, left, right = _ink_box(grey, alpha, _dark_ink(grey))
    except ValueError:
        return None
    return left, top, right, bottom


def _focus(grey: np.ndarray, alpha: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Crop a large picture to the region around its ink, then reduce it to WORK_SIZE.

    A small digit on a huge canvas or photo would shrink to a few pixels if the whole
    picture were reduced; locating the ink on a coarse copy and cropping the full-size
    picture keeps the digit's detail.
    """
    if max(grey.shape) <= WORK_SIZE:
        return grey, alpha
    dark_ink = _dark_ink(grey)  # once: the box and the reduction below share it
    top, bottom, left, right = _ink_box(grey, alpha, dark_ink)
    grey = grey[top:bottom, left:right]
    alpha = None if alpha is None else alpha[top:bottom, left:right]
    if max(grey.shape) > WORK_SIZE:
        factor = -(-max(grey.shape) // WORK_SIZE)
        grey = _block_reduce(grey, factor, dark_ink)
        alpha = None if alpha is None else _block_reduce(alpha, factor, keep_dark=False)
    return grey, alpha


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


def _normalise_strokes(ink: np.ndarray) -> np.ndarray:
    """Resize the cropped digit to STROKE_SIZE and thicken strokes thinner than MNIST's."""
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
    target = TARGET_STROKE * STROKE_SIZE
    if width < target * 0.75:
        grow = int(round(target - width)) | 1
        values = _max_filter(np.asarray(_to_image(values)), min(grow, 15)) / 255.0
        values = _blur(values, 1.0)
    elif width > target * 1.8:
        # A marker's strokes, or a thick digit drawn to fill a small frame: thinned to MNIST's
        # width, so that the encoder sees the shape it learned, not a blob.
        shrink = int(round(width - target)) | 1
        from scipy import ndimage

        thinned = ndimage.minimum_filter(np.asarray(_to_image(values)), min(shrink, 9), mode="nearest") / 255.0
        if (thinned > 0.5).sum() > 0.25 * (values > 0.5).sum():  # never erased
            values = _blur(thinned, 1.0)
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
    image = open_image(source)
    if image.width * image.height > LARGE_PIXELS:
        with _large_pictures:
            image = load_first_frame(image, region=_ink_region)
    else:
        image = load_first_frame(image)
    grey, alpha = _focus(*_grey_and_alpha(image))
    ink = _clean(ink_map(grey, alpha))
    return _center_in_field(_normalise_strokes(_crop(ink)))
