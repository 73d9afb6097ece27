"""The posterior panel's pieces (explorer/posterior.py) that need no page."""

import numpy as np

import vae
from explorer import posterior


def test_the_code_shown_beside_the_graph_is_the_models_own():
    source = posterior.model_source()
    assert "def call(" in source and "def kl_divergence(" in source


def test_what_the_panel_draws_is_the_same_for_the_same_input_and_epsilon():
    model = vae.load_model()
    image = np.zeros((28, 28), np.float32)
    image[4:24, 13:15] = 1.0
    mean, log_var = (v[0] for v in model.encode(image[None]))
    first = posterior.draw(model, image, mean, log_var, seed=3)
    again = posterior.draw(model, image, mean, log_var, seed=3)
    other = posterior.draw(model, image, mean, log_var, seed=4)
    assert first["strip"] == again["strip"] and first["svg"] == again["svg"]
    assert first["strip"] != other["strip"]
    np.testing.assert_allclose(first["samples"], mean + np.exp(0.5 * log_var) * first["epsilon"])
    assert first["loss"][0] > 0 and first["loss"][1] > 0
