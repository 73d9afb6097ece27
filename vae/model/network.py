"""The VAE itself: a frozen config, functional encoder and decoder, the loss, the trainer.

The encoder maps an image to a distribution q(z|x) = N(z_mean, exp(z_log_var)) and a
sample z drawn with the reparameterization trick; the decoder maps z to Bernoulli logits
for the 784 pixels. Only the trainer subclasses `keras.Model`, and only for `train_step`.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from vae.model.config import TrainConfig


@keras.saving.register_keras_serializable(package="vae")
class Sampling(layers.Layer):
    """z = z_mean + sigma * eps with eps ~ N(0, I): the reparameterization trick.

    Writing the sample this way moves the randomness into eps, so gradients flow
    through z_mean and z_log_var (Kingma & Welling 2014, section 2.4).
    """

    def __init__(self, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = keras.random.normal(ops.shape(z_mean), dtype=z_mean.dtype, seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(package="vae")
class SoftUpperBound(layers.Layer):
    """bound - softplus(bound - x): x itself well below the bound, never above it.

    On the encoder's log-variance it keeps exp(log σ²) in the KL term finite: a rare batch
    that pushes log σ² up would otherwise overflow it and turn the weights into NaN.
    """

    def __init__(self, bound: float, **kwargs):
        super().__init__(**kwargs)
        self.bound = float(bound)

    def call(self, x):
        return self.bound - ops.softplus(self.bound - x)

    def get_config(self):
        return {**super().get_config(), "bound": self.bound}


def activation(name: str):
    """The hidden-layer activation; vae/model/inference.py computes the same functions in NumPy."""
    if name == "gelu":
        # The tanh approximation (Hendrycks & Gimpel 2016), which NumPy can mirror exactly.
        return lambda x: keras.activations.gelu(x, approximate=True)
    return name  # "relu" and "silu" are Keras' own


def image_shape(config: TrainConfig) -> tuple[int, ...]:
    """One input picture's shape: (28, 28) grey, (28, 28, 3) colour."""
    return (28, 28) if config.channels == 1 else (28, 28, config.channels)


def _encoder_trunk(config: TrainConfig, images):
    act = activation(config.activation)
    if config.arch == "conv":
        x = layers.Reshape((28, 28, config.channels))(images)  # (batch, 28, 28[, 3]) -> (batch, 28, 28, channels)
        for filters in config.conv_filters:
            x = layers.Conv2D(filters, 3, strides=2, padding="same", activation=act)(x)
        x = layers.Flatten()(x)  # (batch, 7, 7, filters) -> (batch, 49 * filters)
        return layers.Dense(config.hidden_units[-1], activation=act)(x)
    x = layers.Flatten()(images)  # (batch, 28, 28[, 3]) -> (batch, 784 * channels)
    for units in config.hidden_units:
        x = _dropout(config, layers.Dense(units, activation=act)(x))
    return x


def _dropout(config: TrainConfig, x):
    # Dropout acts in training only and holds no weights: the saved model is the same network.
    return layers.Dropout(config.dropout)(x) if config.dropout else x


def build_encoder(config: TrainConfig) -> keras.Model:
    """Image (batch, 28, 28), or (batch, 28, 28, 3) in colour -> [z_mean, z_log_var, z], each (batch, latent_dim)."""
    images = keras.Input(shape=image_shape(config), name="images")
    x = _encoder_trunk(config, images)
    z_mean = layers.Dense(config.latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(config.latent_dim, name="z_log_var")(x)
    if config.log_var_max is not None:
        z_log_var = SoftUpperBound(config.log_var_max, name="bounded_log_var")(z_log_var)
    z = Sampling(seed=config.seed, name="z")([z_mean, z_log_var])
    return keras.Model(images, [z_mean, z_log_var, z], name="encoder")


def build_decoder(config: TrainConfig) -> keras.Model:
    """Latent (batch, latent_dim) -> pixel logits (batch, 28, 28[, 3]); sigmoid gives [0, 1]."""
    z = keras.Input(shape=(config.latent_dim,), name="z")
    act = activation(config.activation)
    if config.arch == "conv":
        size = 28 // 2 ** len(config.conv_filters)
        x = layers.Dense(config.hidden_units[-1], activation=act)(z)
        x = layers.Dense(size * size * config.conv_filters[-1], activation=act)(x)
        x = layers.Reshape((size, size, config.conv_filters[-1]))(x)
        for filters in reversed(config.conv_filters):
            x = layers.Conv2DTranspose(filters, 3, strides=2, padding="same", activation=act)(x)
        x = layers.Conv2D(config.channels, 3, padding="same", name="pixels")(x)
        logits = layers.Reshape(image_shape(config), name="logits")(x)  # (batch, 28, 28, channels) -> a picture
    else:
        x = z
        for units in config.decoder_widths:
            x = _dropout(config, layers.Dense(units, activation=act)(x))
        x = layers.Dense(28 * 28 * config.channels, name="pixels")(x)
        logits = layers.Reshape(image_shape(config), name="logits")(x)  # (batch, 784 * channels) -> a picture
    return keras.Model(z, logits, name="decoder")


def kl_divergence(z_mean, z_log_var):
    """KL(N(z_mean, exp(z_log_var)) || N(0, I)) per example, summed over latent dims."""
    # Closed form, Kingma & Welling 2014, appendix B: -1/2 * sum(1 + log s^2 - m^2 - s^2).
    return -0.5 * ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1)


def reconstruction_loss(images, logits):
    """Bernoulli negative log-likelihood (binary cross-entropy) summed over the pixels (and channels)."""
    # BCE from logits, the stable form: softplus(l) - x * l = -[x log p + (1 - x) log(1 - p)].
    per_pixel = ops.softplus(logits) - images * logits
    return ops.sum(ops.reshape(per_pixel, (ops.shape(per_pixel)[0], -1)), axis=-1)


class VAETrainer(keras.Model):
    """Trains an encoder and decoder on reconstruction + beta * KL (beta=0: plain AE)."""

    def __init__(self, encoder: keras.Model, decoder: keras.Model, beta: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        # A variable, not a number, so that a KL warm-up can change it while the compiled
        # training step runs (vae.training.callbacks.KLWarmup).
        self.beta = keras.Variable(float(beta), trainable=False, name="beta", dtype="float32")
        self.total_loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def call(self, images, training=False):
        _, _, z = self.encoder(images, training=training)
        return self.decoder(z, training=training)

    def train_step(self, images):
        if isinstance(images, (tuple, list)):  # a PyDataset's batch arrives as (images,)
            images = images[0]
        with tf.GradientTape() as tape:
            z_mean, z_log_var, z = self.encoder(images, training=True)
            logits = self.decoder(z, training=True)
            # The loss is computed in float32 even when the layers run in bfloat16.
            z_mean, z_log_var, logits = (ops.cast(t, "float32") for t in (z_mean, z_log_var, logits))
            reconstruction = ops.mean(reconstruction_loss(images, logits))
            kl = ops.mean(kl_divergence(z_mean, z_log_var))
            total = reconstruction + self.beta * kl
        gradients = tape.gradient(total, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights, strict=False))
        self.total_loss_tracker.update_state(total)
        self.reconstruction_loss_tracker.update_state(reconstruction)
        self.kl_loss_tracker.update_state(kl)
        return {metric.name: metric.result() for metric in self.metrics}


def network_variables(trainer: VAETrainer) -> list:
    """The encoder's and the decoder's weights, in the order a saved model stores them:
    the encoder's trunk, its z_mean head, its z_log_var head, then the decoder."""
    encoder = trainer.encoder
    heads = [encoder.get_layer("z_mean"), encoder.get_layer("z_log_var")]
    trunk = [layer for layer in encoder.layers if layer.weights and layer not in heads]
    return [weight for layer in trunk + heads for weight in layer.weights] + list(trainer.decoder.weights)


def build_trainer(config: TrainConfig, pixel_mean=None) -> VAETrainer:
    """A fresh, built (weights allocated) trainer for `config`.

    With `pixel_mean` (the training images' mean, (28, 28[, 3])), the decoder's output bias
    starts at its logit, so that the untrained decoder already draws the average digit
    instead of grey: the first epochs then learn shapes instead of the background.
    """
    keras.utils.set_random_seed(config.seed)
    trainer = VAETrainer(build_encoder(config), build_decoder(config), beta=config.beta)
    trainer.build((None, *image_shape(config)))
    if pixel_mean is not None:
        bias = trainer.decoder.get_layer("pixels").bias
        mean = np.asarray(pixel_mean, np.float64).reshape(-1)
        mean = np.clip(mean if bias.shape[0] == mean.size else mean.mean(keepdims=True), 1e-3, 1 - 1e-3)
        bias.assign(np.log(mean / (1 - mean)).astype("float32"))
    return trainer
