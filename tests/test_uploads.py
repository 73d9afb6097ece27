"""explorer/uploads.py: an upload's panel says which reading of it the model chose, and which model."""

from types import SimpleNamespace

from explorer.text import plain
from explorer.uploads import reading_sentence


def test_the_panel_names_the_reading_and_the_model_that_chose_it():
    upload = {"reading": "strokes 16% of its size, turned 8° clockwise", "read_by": "mnist-vae"}
    said = reading_sentence(SimpleNamespace(name="mnist-vae"), upload)
    assert said == (
        " Of 30 readings of your picture (stroke widths, slight turns), this model took the one it explains "
        "best, the lowest negative ELBO: strokes 16% of its size, turned 8° clockwise."
    )
    # Switched to another model, the upload keeps its picture: the sentence says whose choice it was.
    # (Markdown: the name's characters escaped.)
    other = reading_sentence(SimpleNamespace(name="mnist-vae-16"), upload)
    assert f"{plain('mnist-vae')} took the one it explains best" in other
    assert reading_sentence(SimpleNamespace(name="fashion-vae"), {"reading": ""}) == ""  # pictures as they are
