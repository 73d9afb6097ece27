"""Widget logic of app.py with Streamlit's AppTest (no browser)."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

TIMEOUT = 120  # importing TensorFlow and encoding the test set take seconds


@pytest.fixture
def app():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def test_app_starts_on_the_bundled_model_and_says_what_it_shows(app):
    assert app.title[0].value == "VAE latent-space explorer"
    caption = " ".join(c.value for c in app.caption)
    assert "test NELBO" in caption and "10,000 test images" in caption
    assert app.sidebar.selectbox[1].value.startswith("Bundled model")


def test_a_chosen_point_is_decoded_and_kept(app):
    app.session_state["chosen"] = {"z": [0.5, -0.25], "index": None, "source": "map"}
    app.run()
    assert any("Decoded z = (0.50, -0.25)" in h.value for h in app.subheader)
    app.sidebar.checkbox[0].uncheck().run()  # an unrelated widget change keeps the point
    assert app.session_state["chosen"]["z"] == [0.5, -0.25]


def test_a_chosen_test_digit_shows_its_label(app):
    app.session_state["chosen"] = {"z": [0.0, 0.0], "index": 0, "source": "map"}
    app.run()
    assert any(h.value == "Test #0: 7" for h in app.subheader)


def test_two_waypoints_make_a_path_of_frames(app):
    [b for b in app.button if b.label == "Add this test image"][0].click().run()
    app.number_input(key="wp_index").set_value(1).run()
    [b for b in app.button if b.label == "Add this test image"][0].click().run()
    assert [w["label"] for w in app.session_state["waypoints"]] == ["test #0", "test #1"]
    app.slider(key="path_steps").set_value(5).run()
    captions = [caption for element in app.main if type(element).__name__ == "Image"
                for caption in element.captions]
    assert "5 frames" in captions


def test_training_without_training_data_explains_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.delenv("VAE_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # no cached download; CI has no internet
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.sidebar.button[0].click().run()  # the form's "Train" button
    errors = " ".join(e.value for e in at.sidebar.error)
    assert "--data-dir" in errors and "VAE_DATA_DIR" in errors
    assert not at.exception


def test_a_damaged_cached_model_falls_back_to_the_bundled_one(tiny_model, tmp_path):
    from vae.saved import WEIGHTS_FILE, cache_dir

    path = tiny_model.save(cache_dir() / "models" / "mnist-dense-e1-b1-damaged")
    weights = path / WEIGHTS_FILE
    weights.write_bytes(weights.read_bytes()[:300])
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.session_state["chosen"] = {"z": [0.5, 0.5], "index": None, "source": "map"}
    at.sidebar.selectbox[1].select("Cached: mnist-dense-e1-b1-damaged").run()
    assert not at.exception
    message = " ".join(e.value for e in at.error)
    assert "model.weights.h5" in message and "bundled model is shown instead" in message
    assert "1024-512-256" in " ".join(c.value for c in at.caption)  # the bundled model's card
    assert at.session_state["chosen"]["z"] == [0.5, 0.5]  # what the user had is kept
