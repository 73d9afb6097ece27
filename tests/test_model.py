"""The model's shapes and its loss, checked against independent NumPy computations."""

import numpy as np
import pytest

import vae
from vae.model.network import Sampling, build_decoder, build_encoder, kl_divergence, reconstruction_loss


@pytest.mark.parametrize("arch", ["dense", "conv"])
def test_encoder_and_decoder_shapes(arch):
    config = vae.TrainConfig(arch=arch, hidden_units=(64, 32))
    encoder, decoder = build_encoder(config), build_decoder(config)
    z_mean, z_log_var, z = encoder(np.zeros((5, 28, 28), np.float32))
    assert z_mean.shape == z_log_var.shape == z.shape == (5, 2)
    assert decoder(np.zeros((5, 2), np.float32)).shape == (5, 28, 28)


def test_kl_term_matches_numpy_closed_form():
    rng = np.random.default_rng(0)
    mean, log_var = rng.normal(size=(7, 2)), rng.normal(size=(7, 2))
    # KL(N(m, s^2) || N(0, 1)) = log(1/s) + (s^2 + m^2)/2 - 1/2, summed over dimensions.
    sigma = np.exp(0.5 * log_var)
    expected = np.sum(-np.log(sigma) + (sigma**2 + mean**2) / 2 - 0.5, axis=1)
    got = np.asarray(kl_divergence(mean.astype(np.float32), log_var.astype(np.float32)))
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    assert np.all(np.asarray(kl_divergence(np.zeros((1, 2)), np.zeros((1, 2)))) == 0)


def test_reconstruction_loss_is_summed_binary_cross_entropy():
    rng = np.random.default_rng(1)
    images = rng.uniform(size=(3, 28, 28))
    logits = rng.normal(scale=3, size=(3, 28, 28))
    p = 1 / (1 + np.exp(-logits))
    expected = -np.sum(images * np.log(p) + (1 - images) * np.log(1 - p), axis=(1, 2))
    got = np.asarray(reconstruction_loss(images.astype(np.float32), logits.astype(np.float32)))
    np.testing.assert_allclose(got, expected, rtol=1e-4)


def test_sampling_layer_draws_mean_plus_sigma_times_noise():
    mean = np.full((20000, 2), [1.5, -2.0], np.float32)
    log_var = np.full((20000, 2), np.log([0.25, 4.0]), np.float32)
    z = np.asarray(Sampling(seed=3)([mean, log_var]))
    np.testing.assert_allclose(z.mean(axis=0), [1.5, -2.0], atol=0.05)
    np.testing.assert_allclose(z.std(axis=0), [0.5, 2.0], rtol=0.03)


def test_invalid_config_says_what_is_wrong():
    with pytest.raises(ValueError, match="arch must be one of"):
        vae.TrainConfig(arch="transformer")
    with pytest.raises(ValueError, match="beta must be 0 or more"):
        vae.TrainConfig(beta=-1)


def test_config_survives_a_json_round_trip():
    import json

    config = vae.TrainConfig(arch="conv", epochs=3, hidden_units=(128,), beta=0.5)
    assert vae.TrainConfig.from_dict(json.loads(config.to_json())) == config


def test_the_log_variance_can_never_overflow_the_kl_term():
    from vae.model.network import SoftUpperBound

    raw = np.array([[-8.0, 0.0], [5.0, 1e4]], np.float32)
    bounded = np.asarray(SoftUpperBound(6.0)(raw))
    assert bounded.max() <= 6.0 and np.all(np.isfinite(np.asarray(kl_divergence(np.zeros_like(raw), bounded))))
    np.testing.assert_allclose(bounded[0, 0], -8.0, atol=1e-5)  # far below the bound: unchanged
