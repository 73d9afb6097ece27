"""A dense model's decoder as one binary file for the page (explorer/map/decoder.js).

The browser decodes under the pointer with the same layers as `vae.model.inference.DenseNetwork`:
the decoder's hidden layers from z outwards, then its output layer, then the sigmoid. The
file holds plain numbers and a JSON header, nothing that runs:

    b"VAED" | uint32 header length | header (JSON, UTF-8, space-padded to 4 bytes) | arrays

The header names the activation, the layers' shapes in order and the arrays' type. Arrays
follow in the order of the header's layers, each kernel (inputs, outputs) row-major then its
bias, little-endian. They are float16 when every weight is a float16 value already (the
bundled models are stored that way: `TrainedVAE.round_to_float16`), so the page computes
with exactly the weights the server uses at half the bytes; float32 otherwise.
"""

from __future__ import annotations

import hashlib
import json
import struct

import numpy as np

MAGIC = b"VAED"
VERSION = 1


class NotRunnableInPage(ValueError):
    """The model's decoder has layers the page's decoder does not have (a convolutional one)."""


def decoder_layers(model) -> list[tuple[np.ndarray, np.ndarray]]:
    """The decoder's (kernel, bias) pairs from z outwards, output layer last, as served."""
    if model.config.arch != "dense":
        raise NotRunnableInPage(
            f"The page runs dense decoders only; this model's is {model.config.arch!r} (it decodes on the server)."
        )
    network = model.network
    return [*network.decoder_layers, network.output_layer]


def _fits_float16(arrays: list[np.ndarray]) -> bool:
    return all(np.array_equal(a.astype(np.float16).astype(np.float32), a) for a in arrays)


def decoder_file(model) -> bytes:
    """The model's decoder as the page reads it; raises NotRunnableInPage for a conv model."""
    layers = decoder_layers(model)
    arrays = [np.asarray(a, np.float32) for pair in layers for a in pair]
    dtype = "<f2" if _fits_float16(arrays) else "<f4"
    header = {
        "version": VERSION,
        "activation": model.config.activation,
        "latent_dim": model.config.latent_dim,
        "dtype": "f16" if dtype == "<f2" else "f32",
        "layers": [list(kernel.shape) for kernel, _ in layers],  # [inputs, outputs] per layer
    }
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 4)
    body = b"".join(a.astype(dtype).tobytes() for a in arrays)
    return MAGIC + struct.pack("<I", len(text)) + text + body


def file_name(content: bytes) -> str:
    """A name for the file that changes with its content: the browser may keep it for ever."""
    return hashlib.blake2b(content, digest_size=10).hexdigest() + ".bin"


def read_decoder_file(content: bytes) -> tuple[dict, list[np.ndarray]]:
    """The header and the arrays of a decoder file (for tests and tools; the page has its own reader)."""
    if content[:4] != MAGIC:
        raise ValueError("Not a decoder file: it does not start with VAED.")
    (length,) = struct.unpack("<I", content[4:8])
    header = json.loads(content[8 : 8 + length])
    dtype = "<f2" if header["dtype"] == "f16" else "<f4"
    arrays, offset = [], 8 + length
    for inputs, outputs in header["layers"]:
        for shape in ((inputs, outputs), (outputs,)):
            count = int(np.prod(shape))
            arrays.append(np.frombuffer(content, dtype, count, offset).astype(np.float32).reshape(shape))
            offset += count * np.dtype(dtype).itemsize
    if offset != len(content):
        raise ValueError(f"The decoder file has {len(content) - offset} bytes more than its header names.")
    return header, arrays
