"""Running a trained network on a batch: NumPy for dense models, Keras for convolutional ones.

The explorer only ever runs the trained networks forward. For the dense architecture
that is a few matrix products, which NumPy does as fast as TensorFlow does; serving from
NumPy keeps TensorFlow (2 s to import, hundreds of MB) out of the app until someone trains.
Weights are a list of arrays in the order Keras creates them for `vae.model.network.build_trainer`.
"""

from __future__ import annotations

import numpy as np

from vae.model.config import TrainConfig


def dense_weight_shapes(config: TrainConfig) -> list[tuple[int, ...]]:
    """Shapes of the dense VAE's variables, in Keras' order (encoder, heads, decoder)."""
    shapes, width = [], 28 * 28 * config.channels
    for units in config.hidden_units:
        shapes += [(width, units), (units,)]
        width = units
    shapes += [(width, config.latent_dim), (config.latent_dim,)] * 2  # z_mean, z_log_var
    width = config.latent_dim
    for units in config.decoder_widths:
        shapes += [(width, units), (units,)]
        width = units
    return shapes + [(width, 28 * 28 * config.channels), (28 * 28 * config.channels,)]


def weight_shapes(config: TrainConfig) -> list[tuple[int, ...]]:
    if config.arch == "dense":
        return dense_weight_shapes(config)
    from vae.model.network import build_trainer, network_variables  # the conv layout is Keras' to decide

    return [tuple(variable.shape) for variable in network_variables(build_trainer(config))]


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0, out=x)


def _silu(x: np.ndarray) -> np.ndarray:
    return x * (0.5 + 0.5 * np.tanh(0.5 * x))  # x * sigmoid(x), without overflow


def _gelu(x: np.ndarray) -> np.ndarray:
    # The tanh approximation, as vae.model.network uses it (Hendrycks & Gimpel 2016, section 2):
    # 0.5 x (1 + tanh(sqrt(2/pi) x (1 + 0.044715 x^2))), in one buffer. Without temporaries
    # it takes 0.3 s instead of 0.5-0.65 s over the 60,000 training images' first layer, half
    # of encoding them for the 5-NN after training (issue 22: ready within 3 s).
    inner = x * x
    inner *= 0.044715
    inner += 1.0
    inner *= x
    inner *= 0.7978845608028654
    np.tanh(inner, out=inner)
    inner += 1.0
    inner *= x
    inner *= 0.5
    return inner


ACTIVATIONS = {"relu": _relu, "silu": _silu, "gelu": _gelu}


class DenseNetwork:
    """The dense encoder and decoder as float32 NumPy matrix products."""

    def __init__(self, config: TrainConfig, weights: list[np.ndarray]):
        self.activation = ACTIVATIONS[config.activation]
        self.log_var_max = config.log_var_max
        self.picture = (28, 28) if config.channels == 1 else (28, 28, config.channels)
        pairs = [(weights[i].astype(np.float32), weights[i + 1].astype(np.float32)) for i in range(0, len(weights), 2)]
        depth = len(config.hidden_units)
        self.encoder_layers = pairs[:depth]
        self.mean_head, self.log_var_head = pairs[depth], pairs[depth + 1]
        # The rest, from z outwards: the decoder's hidden layers, then its output layer.
        self.decoder_layers = pairs[depth + 2 : -1]
        self.output_layer = pairs[-1]

    def _hidden_stack(self, x: np.ndarray, layers) -> np.ndarray:
        for kernel, bias in layers:
            x = x @ kernel
            x += bias
            x = self.activation(x)
        return x

    def encode(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        hidden = self._hidden_stack(images.reshape(len(images), -1), self.encoder_layers)  # (n, 784) -> (n, h)
        log_var = hidden @ self.log_var_head[0] + self.log_var_head[1]
        if self.log_var_max is not None:  # vae.model.network.SoftUpperBound
            log_var = self.log_var_max - np.logaddexp(0.0, self.log_var_max - log_var)
        return hidden @ self.mean_head[0] + self.mean_head[1], log_var

    def decode_logits(self, z: np.ndarray) -> np.ndarray:
        hidden = self._hidden_stack(z, self.decoder_layers)
        logits = hidden @ self.output_layer[0] + self.output_layer[1]
        return logits.reshape(len(z), *self.picture)  # (n, 784 * channels) -> (n, 28, 28[, channels])


class KerasNetwork:
    """Any architecture, through Keras: a traced graph per direction, called directly."""

    def __init__(self, config: TrainConfig, weights: list[np.ndarray], trainer=None):
        import tensorflow as tf

        from vae.model.network import build_trainer, image_shape, network_variables

        if trainer is None:
            trainer = build_trainer(config)
            for variable, values in zip(network_variables(trainer), weights, strict=True):
                variable.assign(values.astype(variable.dtype))
        encoder, decoder = trainer.encoder, trainer.decoder
        # A direct call of a traced graph costs well under a millisecond where `predict`
        # costs tens, and graphs are safe to call from many sessions' threads at once.
        self._encode = tf.function(
            lambda images: encoder(images, training=False)[:2],
            input_signature=[tf.TensorSpec((None, *image_shape(config)), tf.float32)],
        )
        self._decode = tf.function(
            lambda z: decoder(z, training=False), input_signature=[tf.TensorSpec((None, config.latent_dim), tf.float32)]
        )

    def encode(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean, log_var = self._encode(images)
        return mean.numpy(), log_var.numpy()

    def decode_logits(self, z: np.ndarray) -> np.ndarray:
        return self._decode(z).numpy()


def build_network(config: TrainConfig, weights: list[np.ndarray]):
    return DenseNetwork(config, weights) if config.arch == "dense" else KerasNetwork(config, weights)
