"""An upload as a model reads it (vae/analysis/reading.py): the reading it explains best."""

import dataclasses
import io

import numpy as np
from PIL import Image

from bench import handwriting
from vae.analysis.metrics import loss_terms
from vae.analysis.reading import prepare_for
from vae.data.images import readings


def png(picture: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, "PNG")
    return buffer.getvalue()


def test_an_upload_is_read_the_way_its_model_explains_best(bundled_model, mnist_test):
    chosen = []
    for index in range(12):
        data = handwriting.pen(mnist_test.x_test[index], width=3)
        options = readings(data)
        reconstruction, kl = loss_terms(bundled_model, options)
        image = prepare_for(bundled_model, data)
        best = int(np.argmin(reconstruction + kl))
        np.testing.assert_array_equal(image, options[best])
        chosen.append(best)
    assert set(chosen) != {0}  # not always the standard reading: the choice is the model's
    # A model of pictures as they are (not ink on paper) reads an upload as it is, in its channels.
    colour = dataclasses.replace(bundled_model.config, preparation="as-is", channels=3)
    as_is = type("Model", (), {"config": colour})()
    picture = prepare_for(as_is, png(np.full((40, 40, 3), 128, np.uint8)))
    assert picture.shape == (28, 28, 3)


def test_a_reading_is_said_in_words():
    from vae.analysis.reading import READINGS, reading_words
    from vae.data.images import TURN_READINGS

    assert READINGS == 30 and TURN_READINGS[:3] == (0.0, -8.0, 8.0)
    assert reading_words(0) == "strokes 12% of its size"  # the standard reading
    assert reading_words(1) == "strokes 12% of its size, turned 8° clockwise"
    assert reading_words(len(TURN_READINGS) + 2) == "strokes 8% of its size, turned 8° anticlockwise"
