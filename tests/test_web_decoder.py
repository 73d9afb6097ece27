"""The decoder file the page runs (vae/model/web_decoder.py), held to the NumPy decoder."""

import types

import numpy as np
import pytest

import vae
from vae.model import web_decoder


def forward(header: dict, arrays: list[np.ndarray], z: np.ndarray) -> np.ndarray:
    """An independent forward pass over the file's arrays (float64, the textbook formulas)."""
    activation = {
        "relu": lambda x: np.maximum(x, 0),
        "silu": lambda x: x / (1 + np.exp(-x)),
        "gelu": lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
    }[header["activation"]]
    hidden = z.astype(np.float64)
    pairs = list(zip(arrays[::2], arrays[1::2], strict=True))
    for kernel, bias in pairs[:-1]:
        hidden = activation(hidden @ kernel + bias)
    kernel, bias = pairs[-1]
    return 1 / (1 + np.exp(-(hidden @ kernel + bias)))


def test_the_bundled_decoder_travels_as_float16_without_losing_a_bit(bundled_model):
    content = web_decoder.decoder_file(bundled_model)
    header, arrays = web_decoder.read_decoder_file(content)
    assert header["dtype"] == "f16" and header["activation"] == bundled_model.config.activation
    served = [a for pair in web_decoder.decoder_layers(bundled_model) for a in pair]
    assert all(np.array_equal(a, b) for a, b in zip(arrays, served, strict=True))
    z = np.random.default_rng(0).uniform(-4, 4, size=(200, 2)).astype(np.float32)
    expected = bundled_model.decode(z).reshape(200, 784)
    assert np.abs(forward(header, arrays, z) - expected).max() < 1e-5
    # About half the bytes of float32: 2.3 MB for the largest bundled decoder.
    assert len(content) < 2 * sum(a.size for a in arrays) + 1024


def test_a_model_trained_here_travels_as_float32(tiny_model):
    header, arrays = web_decoder.read_decoder_file(web_decoder.decoder_file(tiny_model))
    assert header["dtype"] == "f32"
    assert [list(shape) for shape in header["layers"]] == [[2, 32], [32, 64], [64, 784]]
    z = np.array([[0.3, -1.2], [2.0, 0.5]], np.float32)
    assert np.abs(forward(header, arrays, z) - tiny_model.decode(z).reshape(2, 784)).max() < 1e-5


def test_the_files_name_changes_with_its_content(bundled_model, tiny_model):
    names = {web_decoder.file_name(web_decoder.decoder_file(m)) for m in (bundled_model, tiny_model)}
    assert len(names) == 2
    again = web_decoder.file_name(web_decoder.decoder_file(bundled_model))
    assert again in names and again.endswith(".bin")


def test_a_convolutional_decoder_is_not_given_to_the_page():
    model = types.SimpleNamespace(config=vae.TrainConfig(arch="conv"))
    with pytest.raises(web_decoder.NotRunnableInPage, match="conv"):
        web_decoder.decoder_file(model)


def test_a_damaged_file_is_refused_with_a_reason(tiny_model):
    content = web_decoder.decoder_file(tiny_model)
    with pytest.raises(ValueError, match="VAED"):
        web_decoder.read_decoder_file(b"PK\x03\x04" + content[4:])
    with pytest.raises(ValueError, match="bytes more"):
        web_decoder.read_decoder_file(content + b"\0\0\0\0")
