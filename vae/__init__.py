"""The VAE latent-space explorer's engine: data, model, training, saved models, latent ops.

    import vae
    data = vae.load_dataset("mnist")
    model = vae.load_model()                  # the bundled model in assets/model
    mean, log_var = model.encode(data.x_test) # (n, 28, 28) -> two (n, 2) arrays
    images = model.decode(mean)               # (n, 2) -> (n, 28, 28) in [0, 1]

This package never imports streamlit. `python -m vae.train` is the command-line trainer;
the function `vae.train` is the library call (do not `import vae.train` as a module).
"""

import os

# TensorFlow's C++ start-up chatter is noise for users of a teaching tool.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from vae.data import CLASS_NAMES, DATASETS, Dataset, load_dataset, read_idx  # noqa: E402
from vae.model import TrainConfig  # noqa: E402
from vae.saved import ModelFileError, TrainedVAE, load_model  # noqa: E402
from vae.training import Progress, evaluate, train, train_cached  # noqa: E402

__all__ = [
    "CLASS_NAMES", "DATASETS", "Dataset", "ModelFileError", "Progress", "TrainConfig",
    "TrainedVAE", "evaluate", "load_dataset", "load_model", "read_idx", "train", "train_cached",
]
