"""The models to beat, written the way most people meet them (benchmarks only).

- `tutorial_dense`: encoder 784 -> Dense(256, relu) -> two Dense(2) heads; decoder 2 ->
  Dense(256, relu) -> Dense(784, sigmoid); loss 784 * MSE + KL averaged over latent
  dimensions and batch; Adam(1e-3), batch 128, `model.fit` on the training images.
- `kerasio_conv`: the keras.io convolutional VAE (examples/generative/vae.py): 32/64
  strided convolutions, Dense(16), latent 2, mirrored transposed convolutions; loss BCE
  summed over pixels + KL summed over latent dimensions, both averaged over the batch.

Both are scored by the project's one metric (vae.analysis.metrics.negative_elbo) through
`ProbabilityModel`, which exposes their encoders and decoders as encode/decode_logits.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from vae.model.network import Sampling


class TutorialVAE(keras.Model):
    """Trainer with a pluggable loss; the encoder/decoder pair is built outside."""

    def __init__(self, encoder, decoder, loss_name: str, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder, self.loss_name = encoder, decoder, loss_name
        self.trackers = [keras.metrics.Mean(name=n) for n in ("loss", "reconstruction_loss", "kl_loss")]

    @property
    def metrics(self):
        return self.trackers

    def train_step(self, images):
        with tf.GradientTape() as tape:
            z_mean, z_log_var, z = self.encoder(images, training=True)
            reconstruction = self.decoder(z, training=True)
            flat_x, flat_r = ops.reshape(images, (-1, 784)), ops.reshape(reconstruction, (-1, 784))
            if self.loss_name == "tutorial":
                # The common tutorial loss: 784 * MSE, KL averaged over dimensions and batch.
                recon = 784 * ops.mean(ops.square(flat_x - flat_r))
                kl = ops.mean(-0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var)))
            else:
                recon = ops.mean(
                    ops.sum(
                        keras.losses.binary_crossentropy(ops.expand_dims(flat_x, -1), ops.expand_dims(flat_r, -1)),
                        axis=1,
                    )
                )
                kl = ops.mean(ops.sum(-0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var)), axis=1))
            total = recon + kl
        gradients = tape.gradient(total, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights, strict=False))
        for tracker, value in zip(self.trackers, (total, recon, kl), strict=False):
            tracker.update_state(value)
        return {t.name: t.result() for t in self.trackers}


def tutorial_dense() -> TutorialVAE:
    images = keras.Input((28, 28))
    x = layers.Dense(256, activation="relu")(layers.Flatten()(images))
    z_mean, z_log_var = layers.Dense(2)(x), layers.Dense(2)(x)
    encoder = keras.Model(images, [z_mean, z_log_var, Sampling()([z_mean, z_log_var])])
    z = keras.Input((2,))
    out = layers.Reshape((28, 28))(layers.Dense(784, activation="sigmoid")(layers.Dense(256, activation="relu")(z)))
    model = TutorialVAE(encoder, keras.Model(z, out), "tutorial")
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    return model


def kerasio_conv() -> TutorialVAE:
    images = keras.Input((28, 28))
    x = layers.Reshape((28, 28, 1))(images)
    x = layers.Conv2D(32, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Conv2D(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Dense(16, activation="relu")(layers.Flatten()(x))
    z_mean, z_log_var = layers.Dense(2)(x), layers.Dense(2)(x)
    encoder = keras.Model(images, [z_mean, z_log_var, Sampling()([z_mean, z_log_var])])
    z = keras.Input((2,))
    x = layers.Reshape((7, 7, 64))(layers.Dense(7 * 7 * 64, activation="relu")(z))
    x = layers.Conv2DTranspose(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
    model = TutorialVAE(encoder, keras.Model(z, layers.Reshape((28, 28))(x)), "bce")
    model.compile(optimizer=keras.optimizers.Adam())
    return model


class ProbabilityModel:
    """encode/decode_logits over a decoder that outputs probabilities (for the shared metric)."""

    def __init__(self, trainer: TutorialVAE):
        self.trainer = trainer

    def encode(self, images):
        z_mean, z_log_var, _ = self.trainer.encoder(np.asarray(images, np.float32), training=False)
        return np.asarray(z_mean), np.asarray(z_log_var)

    def decode_logits(self, z):
        p = np.clip(
            np.asarray(self.trainer.decoder(np.asarray(z, np.float32), training=False), np.float64), 1e-7, 1 - 1e-7
        )
        return np.log(p) - np.log1p(-p)
