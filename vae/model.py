"""The VAE itself: a frozen config, functional encoder and decoder, the loss, the trainer.

The encoder maps an image to a distribution q(z|x) = N(z_mean, exp(z_log_var)) and a
sample z drawn with the reparameterization trick; the decoder maps z to Bernoulli logits
for the 784 pixels. Only the trainer subclasses `keras.Model`, and only for `train_step`.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers, ops

from vae.config import TrainConfig


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


def _encoder_trunk(config: TrainConfig, images):
    if config.arch == "conv":
        x = layers.Reshape((28, 28, 1))(images)  # (batch, 28, 28) -> (batch, 28, 28, 1)
        for filters in config.conv_filters:
            x = layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu")(x)
        x = layers.Flatten()(x)  # (batch, 7, 7, filters) -> (batch, 49 * filters)
        return layers.Dense(config.hidden_units[-1], activation="relu")(x)
    x = layers.Flatten()(images)  # (batch, 28, 28) -> (batch, 784)
    for units in config.hidden_units:
        x = layers.Dense(units, activation="relu")(x)
    return x


def build_encoder(config: TrainConfig) -> keras.Model:
    """Image (batch, 28, 28) -> [z_mean, z_log_var, z], each (batch, latent_dim)."""
    images = keras.Input(shape=(28, 28), name="images")
    x = _encoder_trunk(config, images)
    z_mean = layers.Dense(config.latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(config.latent_dim, name="z_log_var")(x)
    z = Sampling(seed=config.seed, name="z")([z_mean, z_log_var])
    return keras.Model(images, [z_mean, z_log_var, z], name="encoder")


def build_decoder(config: TrainConfig) -> keras.Model:
    """Latent (batch, latent_dim) -> pixel logits (batch, 28, 28); sigmoid gives [0, 1]."""
    z = keras.Input(shape=(config.latent_dim,), name="z")
    if config.arch == "conv":
        size = 28 // 2 ** len(config.conv_filters)
        x = layers.Dense(config.hidden_units[-1], activation="relu")(z)
        x = layers.Dense(size * size * config.conv_filters[-1], activation="relu")(x)
        x = layers.Reshape((size, size, config.conv_filters[-1]))(x)
        for filters in reversed(config.conv_filters):
            x = layers.Conv2DTranspose(filters, 3, strides=2, padding="same", activation="relu")(x)
        x = layers.Conv2D(1, 3, padding="same")(x)
        logits = layers.Reshape((28, 28), name="logits")(x)  # (batch, 28, 28, 1) -> (batch, 28, 28)
    else:
        x = z
        for units in reversed(config.hidden_units):
            x = layers.Dense(units, activation="relu")(x)
        x = layers.Dense(28 * 28)(x)
        logits = layers.Reshape((28, 28), name="logits")(x)  # (batch, 784) -> (batch, 28, 28)
    return keras.Model(z, logits, name="decoder")


def kl_divergence(z_mean, z_log_var):
    """KL(N(z_mean, exp(z_log_var)) || N(0, I)) per example, summed over latent dims."""
    # Closed form, Kingma & Welling 2014, appendix B: -1/2 * sum(1 + log s^2 - m^2 - s^2).
    return -0.5 * ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1)


def reconstruction_loss(images, logits):
    """Bernoulli negative log-likelihood (binary cross-entropy) summed over the 784 pixels."""
    # BCE from logits, the stable form: softplus(l) - x * l = -[x log p + (1 - x) log(1 - p)].
    per_pixel = ops.softplus(logits) - images * logits
    return ops.sum(ops.reshape(per_pixel, (ops.shape(per_pixel)[0], -1)), axis=-1)


class VAETrainer(keras.Model):
    """Trains an encoder and decoder on reconstruction + beta * KL (beta=0: plain AE)."""

    def __init__(self, encoder: keras.Model, decoder: keras.Model, beta: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.beta = float(beta)
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
        with tf.GradientTape() as tape:
            z_mean, z_log_var, z = self.encoder(images, training=True)
            logits = self.decoder(z, training=True)
            # The loss is computed in float32 even when the layers run in bfloat16.
            z_mean, z_log_var, logits = (ops.cast(t, "float32") for t in (z_mean, z_log_var, logits))
            reconstruction = ops.mean(reconstruction_loss(images, logits))
            kl = ops.mean(kl_divergence(z_mean, z_log_var))
            total = reconstruction + self.beta * kl
        gradients = tape.gradient(total, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
        self.total_loss_tracker.update_state(total)
        self.reconstruction_loss_tracker.update_state(reconstruction)
        self.kl_loss_tracker.update_state(kl)
        return {metric.name: metric.result() for metric in self.metrics}


def build_trainer(config: TrainConfig) -> VAETrainer:
    """A fresh, built (weights allocated) trainer for `config`."""
    keras.utils.set_random_seed(config.seed)
    trainer = VAETrainer(build_encoder(config), build_decoder(config), beta=config.beta)
    trainer.build((None, 28, 28))
    return trainer
