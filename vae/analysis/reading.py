"""An upload as a model reads it: the picture's readings, and the one the model explains best."""

from __future__ import annotations

import numpy as np

from vae.analysis.metrics import loss_terms
from vae.data.folders import fit_channels, prepare_as_is
from vae.data.images import STROKE_READINGS, TURN_READINGS, readings

READINGS = len(STROKE_READINGS) * len(TURN_READINGS)  # of each picture of ink on paper


def prepare_for(model, source) -> np.ndarray:
    """An upload as `model` (a TrainedVAE) reads it: through the preparation its dataset was read
    with ("ink" or "as-is"), in its number of channels.

    Ink on paper has several readings (vae/data/images.py's `readings`: stroke widths, slight
    turns); the model takes the one it explains best, the lowest negative ELBO. On the real
    development set this placed 0.83 of the digits among their own with the 2-D model, against
    0.75 with the one standard reading (bench/README, seventh session)."""
    return best_reading(model, source)[0]


def best_reading(model, source) -> tuple[np.ndarray, str]:
    """`prepare_for`'s picture, and which reading it is, in words for the page ("" as-is)."""
    config = model.config
    if config.preparation != "ink":
        return fit_channels(prepare_as_is(source)[None], config.channels)[0], ""
    options = fit_channels(readings(source), config.channels)
    reconstruction, kl = loss_terms(model, options)
    best = int(np.argmin(reconstruction + kl))
    return options[best], reading_words(best)


def reading_words(index: int) -> str:
    """Reading `index` of `readings`, in words: its strokes, and its turn if any."""
    stroke, turn = STROKE_READINGS[index // len(TURN_READINGS)], TURN_READINGS[index % len(TURN_READINGS)]
    words = f"strokes {stroke:.0%} of its size"
    if turn:
        words += f", turned {abs(turn):.0f}° {'anticlockwise' if turn > 0 else 'clockwise'}"
    return words
