"""The app's logic with Streamlit's AppTest (no browser): state, links, model switching."""

import html
import re
import subprocess
import sys

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

TIMEOUT = 120


def heading(at) -> tuple[str, str]:
    """The page's title and caption, as text (explorer/header.py draws them as one HTML element)."""
    for element in at.get("html"):
        found = re.search(r'<h1 class="vae-title">(.*?)</h1>(?:<p class="vae-caption">(.*?)</p>)?', element.proto.body)
        if found:
            return tuple(html.unescape(re.sub("<[^>]+>", "", part or "")) for part in found.groups())
    return ("", "")


def start(**params) -> AppTest:
    """The app as a browser opens it: the first run, then (the explore page) the run that the
    map's callback asks for once its points are drawn (explorer/first_page.py). AppTest runs
    no JavaScript, so the callback's change is made here; the browser tests walk the real one."""
    at = AppTest.from_file(str(ROOT / "page.py"), default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    if not at.session_state["page_whole"]:
        at.session_state["page_whole"] = True
        at.run()
        assert not at.exception, at.exception
    return at


def test_a_new_page_comes_in_two_steps_the_map_first():
    at = AppTest.from_file(str(ROOT / "page.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    # The first step: the header and the map; the sidebar kept empty, the Link's room kept.
    assert heading(at)[0] == "VAE latent-space explorer" and "mnist-vae" in heading(at)[1]
    assert not at.get("popover")
    assert not at.subheader and not at.info
    assert [type(e).__name__ for e in at.sidebar.children.values()] == ["UnknownElement"]  # its room only
    assert not at.tabs and not at.expander and not at.get("button_group")
    # The map's callback once its points are drawn: the whole page, the map's state kept.
    at.session_state["page_whole"] = True
    at.run()
    assert [tab.label for tab in at.tabs][:2] == ["Your digit", "Path"]
    assert at.sidebar.selectbox(key="model_select").value == "mnist-vae"
    assert len(at.get("button_group")) == 1  # the click mode
    assert [h.value for h in at.subheader] == ["Decoded point"]  # and the hint beside the map
    assert len(at.get("popover")) == 1  # the Link, in its room


def image_captions(at) -> list[str]:
    return [caption for element in at.main if type(element).__name__ == "Image" for caption in element.captions]


def model_selector(at):
    return at.sidebar.selectbox(key="model_select")


def test_the_app_starts_on_the_bundled_model_and_says_what_it_shows():
    at = start()
    title, caption = heading(at)
    assert title == "VAE latent-space explorer"
    assert "mnist-vae" in caption and "test NELBO" in caption and "10,000 test images" in caption
    assert "shared" not in caption and "/" not in caption.replace("β", "")  # no build machine's paths
    assert model_selector(at).value == "mnist-vae"


def test_a_chosen_point_is_decoded_and_kept():
    at = start()
    at.session_state["chosen"] = {"z": [0.5, -0.25], "index": None, "upload": None, "model": "mnist-vae"}
    at.run()
    assert any("Decoded z = (0.50, -0.25)" in h.value for h in at.subheader)
    at.sidebar.checkbox(key="opt_prior").uncheck().run()  # an unrelated change keeps the point
    assert at.session_state["chosen"]["z"] == [0.5, -0.25]


def test_a_link_restores_a_point_a_path_and_a_view():
    at = start(z="2,-1", path="-1.5,1.5;1.5,-1.5")
    assert any("Decoded z = (2.00, -1.00)" in h.value for h in at.subheader)
    assert [w["z"] for w in at.session_state["waypoints"]] == [[-1.5, 1.5], [1.5, -1.5]]
    assert any("frames decoded along the path" in caption for caption in image_captions(at))
    compare = start(view="compare")
    assert heading(compare)[0].startswith("Autoencoder vs VAE")


def test_a_digit_link_chooses_that_test_digit():
    at = start(digit="0")
    assert any(h.value == "Test #0: 7" for h in at.subheader)


def test_bad_link_values_are_ignored_with_a_notice():
    at = start(z="north", model="nonsense", view="3d")
    # Shown as text (explorer/text.py): the values' characters escaped for Markdown.
    notices = " ".join(i.value for i in at.info).replace("\\", "")
    assert "“z=north” was ignored" in notices and "“model=nonsense” was ignored" in notices
    assert model_selector(at).value == "mnist-vae" and at.session_state["chosen"] is None


def cached_tiny_model(tiny_model, name="mnist-dense-e1-b1-tiny"):
    from vae.store.cache import cache_dir

    return tiny_model.save(cache_dir() / "models" / name)


def test_switching_models_moves_everything_to_the_new_model(tiny_model, mnist_test):
    cached_tiny_model(tiny_model)
    at = start()
    image = mnist_test.x_test[3]
    at.session_state["uploads"] = [
        {
            "name": "mine",
            "image": image,
            "mean": np.zeros(2, np.float32),
            "log_var": np.zeros(2, np.float32),
            "model": "mnist-vae",
        }
    ]
    at.session_state["chosen"] = {"z": [9.0, 9.0], "index": 5, "upload": None, "model": "mnist-vae"}
    at.session_state["waypoints"] = [
        {"z": [0.5, 0.5], "label": "free", "index": None, "upload": None, "model": "mnist-vae"},
        {"z": [0.0, 0.0], "label": "mine", "index": None, "upload": "mine", "model": "mnist-vae"},
    ]
    at.run()
    model_selector(at).select("mnist-dense-e1-b1-tiny").run()
    assert not at.exception, at.exception
    assert model_selector(at).value == "mnist-dense-e1-b1-tiny"  # the selector shows the model in use
    mean, _ = tiny_model.encode(np.stack([image, mnist_test.x_test[5]]))
    upload = at.session_state["uploads"][0]
    np.testing.assert_allclose(upload["mean"], mean[0], rtol=1e-5)  # encoded again, input kept
    np.testing.assert_allclose(at.session_state["chosen"]["z"], mean[1], rtol=1e-5)  # test digit #5 re-encoded
    free, mine = at.session_state["waypoints"]
    assert free["z"] == [0.5, 0.5]  # a free point stays where it was
    np.testing.assert_allclose(mine["z"], mean[0], rtol=1e-5)
    assert all(w["model"] == "mnist-dense-e1-b1-tiny" for w in at.session_state["waypoints"])
    notice = " ".join(i.value for i in at.info)
    assert "placed your uploads, the chosen test digit" in notice and "keep their coordinates" in notice
    assert "1024-512-256" not in heading(at)[1]


def test_a_damaged_cached_model_falls_back_to_the_bundled_one(tiny_model):
    from vae.store.files import WEIGHTS_FILE

    path = cached_tiny_model(tiny_model, "mnist-dense-e1-b1-damaged")
    weights = path / WEIGHTS_FILE
    weights.write_bytes(weights.read_bytes()[:300])
    at = start()
    at.session_state["chosen"] = {"z": [0.5, 0.5], "index": None, "upload": None, "model": "mnist-vae"}
    model_selector(at).select("mnist-dense-e1-b1-damaged").run()
    assert not at.exception
    message = " ".join(e.value for e in at.error)
    assert "model.weights.h5" in message and "stays in use" in message
    assert model_selector(at).value == "mnist-vae"
    assert at.session_state["chosen"]["z"] == [0.5, 0.5]  # what the user had is kept


def test_training_without_training_data_says_what_to_do_from_the_browser(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # no cached download; no internet either
    at = start()
    assert not at.sidebar.button  # the training form is filled only once its expander is open
    at.session_state["train_open"] = True  # what opening "Train a new model" does
    at.run()
    at.sidebar.button[0].click().run()  # the form's "Train" button
    errors = " ".join(e.value for e in at.sidebar.error)
    assert "VAE_DATA_DIR" in errors and "not on the computer that runs this app" in errors
    assert any("Download MNIST now" in b.label for b in at.sidebar.button)
    assert not at.exception


@pytest.mark.parametrize("view", ["compare", "board"])
def test_every_view_opens(view):
    at = start(view=view)
    assert not at.exception and heading(at)[0]


def test_one_wrong_teacher_code_counts_once_even_if_it_arrives_twice():
    # The board's poll may rerun with the box's old value before the cleared one reaches the page.
    at = start(view="board")

    def tries_left() -> str:
        return " ".join(e.value for e in at.sidebar.error)

    at.sidebar.text_input(key="teacher_code_typed").set_value("guess-a").run()
    assert "4 more tries" in tries_left()
    at.sidebar.text_input(key="teacher_code_typed").set_value("guess-a").run()
    assert "4 more tries" in tries_left()
    at.sidebar.text_input(key="teacher_code_typed").set_value("guess-b").run()
    assert "3 more tries" in tries_left()
    assert not at.session_state["teacher"]


def test_the_repl_check_that_the_app_skips_is_still_streamlits():
    """page.py marks Streamlit's REPL check as done under `streamlit run` (60 ms of a new
    server's first page) through a name that is not public: an upgrade that drops it is seen."""
    import streamlit.delta_generator

    assert isinstance(streamlit.delta_generator._use_warning_has_been_displayed, bool)
    assert callable(streamlit.delta_generator._maybe_print_use_warning)


def test_run_without_streamlit_run_the_app_still_says_how_to_run_it():
    result = subprocess.run([sys.executable, "app.py"], cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
    assert "streamlit run app.py" in result.stderr + result.stdout
    page = subprocess.run([sys.executable, "page.py"], cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
    assert "streamlit run" in page.stderr + page.stdout


def test_a_point_picked_on_the_map_keeps_its_place_through_a_model_of_another_size():
    at = start()
    at.session_state["chosen"] = {"z": [1.0, -0.5], "index": None, "upload": None, "model": "mnist-vae"}
    at.run()
    model_selector(at).select("mnist-vae-16").run()
    assert not at.exception, at.exception
    assert len(at.session_state["chosen"]["z"]) == 16  # the plane's point (1.0, -0.5), in 16 values
    model_selector(at).select("mnist-vae").run()
    assert at.session_state["chosen"]["z"] == [1.0, -0.5]
    assert any("Decoded z = (1.00, -0.50)" in h.value for h in at.subheader)
