"""explorer/uploads.py: an upload's caption says which reading of it the model chose, and which model."""

from types import SimpleNamespace

from explorer.text import plain
from explorer.uploads import reading_caption


def test_the_caption_names_the_reading_and_the_model_that_chose_it():
    upload = {"reading": "strokes 16% of its size, turned 8° clockwise", "read_by": "mnist-vae"}
    said = reading_caption(SimpleNamespace(name="mnist-vae"), upload)
    assert said == (
        ": of 30 readings of the picture, the one it explains best (strokes 16% of its size, turned 8° clockwise)"
    )
    # Switched to another model, the upload keeps its picture: the caption says whose choice it was.
    # (Markdown, like every caption: the name's characters escaped.)
    other = reading_caption(SimpleNamespace(name="mnist-vae-16"), upload)
    assert f"the one {plain('mnist-vae')} explains best" in other
    assert reading_caption(SimpleNamespace(name="fashion-vae"), {"reading": ""}) == ""  # pictures as they are
