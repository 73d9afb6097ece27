"""Where the app keeps things on disk: the cache, the model store, and the pictures sent to it.

The ground floor of `vae/`: it imports nothing of the package, so that both the datasets
(vae/data/: a folder sent to the app is a dataset) and the model store (vae/store/) find
their folders here.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Where trained models are cached: $VAE_CACHE_DIR or ~/.cache/vae-explorer."""
    root = os.environ.get("VAE_CACHE_DIR")
    if root:
        return Path(root)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "vae-explorer"


def models_dir() -> Path:
    """Where trained models are saved and listed: $VAE_MODEL_STORE (a folder every app process
    and training worker sees, such as a network filesystem: deploy/README.md), else the cache's
    `models/` folder."""
    store = os.environ.get("VAE_MODEL_STORE", "").strip()
    return Path(store) if store else cache_dir() / "models"


def pictures_dir() -> Path:
    """Where folders of pictures sent to the app (a zip, the class's drawings) are kept: beside the
    models, so that every app process and training worker that sees the models sees them too.
    A dot-folder: the model listing passes over it."""
    return models_dir() / ".pictures"
