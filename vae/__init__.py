"""The VAE latent-space explorer's engine: data, model, training, saved models, latent ops.

    import vae
    data = vae.load_dataset("mnist")
    model = vae.load_model()                  # the bundled VAE; or a folder, or a listed name
    mean, log_var = model.encode(data.x_test) # (n, 28, 28) -> two (n, 2) arrays
    images = model.decode(mean)               # (n, 2) -> (n, 28, 28) in [0, 1]

This package never imports streamlit. `python -m vae` is the command-line trainer.
"""

import os

# TensorFlow's C++ start-up chatter is noise for users of a teaching tool. TensorFlow itself
# is imported only to train or to run a convolutional model; dense models run on NumPy.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from vae.analysis.metrics import evaluate  # noqa: E402
from vae.data.dataset import CLASS_NAMES, Dataset  # noqa: E402
from vae.data.idx import DATASETS, read_idx  # noqa: E402
from vae.data.images import prepare_image  # noqa: E402
from vae.data.sources import load_dataset  # noqa: E402
from vae.model.config import Progress, TrainConfig  # noqa: E402
from vae.store.catalog import available_models  # noqa: E402
from vae.store.files import ModelFileError  # noqa: E402
from vae.store.trained import TrainedVAE, load_model  # noqa: E402


def train(config, data, **callbacks):
    """Train a VAE (see `vae.training.fit.train` for the callbacks); imports TensorFlow on first use."""
    from vae.training.fit import train as train_with_keras

    return train_with_keras(config, data, **callbacks)


def train_cached(config, data, **callbacks):
    """Load `config`'s model from the cache or train it once (see `vae.training.fit.train_cached`)."""
    from vae.training.fit import train_cached as train_cached_with_keras

    return train_cached_with_keras(config, data, **callbacks)


__all__ = [
    "CLASS_NAMES",
    "DATASETS",
    "Dataset",
    "ModelFileError",
    "Progress",
    "TrainConfig",
    "TrainedVAE",
    "available_models",
    "evaluate",
    "load_dataset",
    "load_model",
    "prepare_image",
    "read_idx",
    "train",
    "train_cached",
]
