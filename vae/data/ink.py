"""Finding the ink in a picture: the paper and its light told apart from the strokes.

The first half of the upload pipeline (vae/data/images.py is the second: the ink shaped like an
MNIST digit). A picture becomes grey (transparency over white), a large one is cropped to the
region around its ink and reduced, the paper's brightness is estimated (at low resolution for
a photo's uneven light, from the border for a small picture) and taken away, and what stands
out from the paper by more than its grain is stretched to full strength. A picture where
nothing stands out is refused with a sentence (`BLANK`).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

WORK_SIZE = 512  # longer side the digit's region is reduced to before analysis
# Ink must stand out from the paper by this much (of full black) and by this many times the
# paper's own grain: a pencil line 3% darker than clean paper is a digit, JPEG noise is not.
MIN_CONTRAST = 0.03
MIN_SIGNAL_TO_NOISE = 8.0
GRAINY = 0.03
FAINT = 0.2
SMALL = 96  # pixels of the longer side up to which a picture's paper is one level (ink_map)
BLANK = (
    "No digit found: nothing in the picture stands out from its background. If your digit is there, "
    "try a darker pen or more light, and crop closer to the digit."
)


def grey_and_alpha(image: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
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


def blur(values: np.ndarray, radius: float) -> np.ndarray:
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
    smooth = blur(ink, 1.0) if min(ink.shape) >= 48 else ink
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


def clean(ink: np.ndarray) -> np.ndarray:
    """Drop faint marks (ruled lines, paper grain) and stretch strokes to full strength.

    Ink is judged against the picture's own contrast: a light pencil digit, only a few
    percent darker than its paper, is stretched to full strength first.
    """
    paper, strokes, grain = _stroke_level(ink)
    if grain > GRAINY * (strokes - paper):
        # Faint ink on grainy paper: pixel noise rivals the strokes. Smoothing over a couple of
        # pixels keeps the strokes (lines) and averages the grain away.
        ink = blur(ink, max(1.5, 0.01 * max(ink.shape)))
    elif strokes - paper < FAINT:
        # Faint ink on clean paper: stretching it also stretches JPEG's ringing around the
        # strokes; a one-pixel blur removes the ringing and keeps the strokes.
        ink = blur(ink, 1.0)
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
    ink = clean(ink_map(_block_reduce(grey, factor, dark_ink), coarse_alpha))
    rows = np.flatnonzero(ink.max(axis=1) > 0.05)
    cols = np.flatnonzero(ink.max(axis=0) > 0.05)
    margin = max(rows[-1] - rows[0], cols[-1] - cols[0]) // 4 + 2
    top, bottom = max(0, (rows[0] - margin) * factor), min(grey.shape[0], (rows[-1] + 1 + margin) * factor)
    left, right = max(0, (cols[0] - margin) * factor), min(grey.shape[1], (cols[-1] + 1 + margin) * factor)
    return top, bottom, left, right


def ink_region(reduced: Image.Image) -> tuple[int, int, int, int] | None:
    """The box (left, top, right, bottom) around the ink of a reduced large picture, or None
    when it holds none (the whole picture then goes on, to be refused with the reason)."""
    grey, alpha = grey_and_alpha(reduced)
    if max(grey.shape) <= WORK_SIZE:
        return None
    try:
        top, bottom, left, right = _ink_box(grey, alpha, _dark_ink(grey))
    except ValueError:
        return None
    return left, top, right, bottom


def focus(grey: np.ndarray, alpha: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
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
