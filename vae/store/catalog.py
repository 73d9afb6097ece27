"""Which models exist, by the names the app lists: the bundled family, then the user's cache.

Names are what `?model=NAME` links and `vae.load_model(NAME)` take: the bundled models
by the names below, cached models by their folder names.
"""

from __future__ import annotations

import os
from pathlib import Path

from vae.store.cache import list_cached_models

MODELS_DIR = Path(__file__).resolve().parents[2] / "assets" / "models"
DEFAULT_MODEL = "mnist-vae"
# name -> (dataset, what it is, in a few words)
BUNDLED = {
    "mnist-vae": ("mnist", "VAE (β = 1), the default"),
    "mnist-ae": ("mnist", "plain autoencoder (β = 0): no KL term"),
    "mnist-beta-vae": ("mnist", "β-VAE: a stronger pull to the prior"),
    "fashion-vae": ("fashion_mnist", "VAE (β = 1) on Fashion-MNIST"),
    "mnist-vae-16": ("mnist", "VAE (β = 1) with 16 latent dimensions, seen on a plane"),
    "mnist-beta-vae-16": ("mnist", "β-VAE with 16 latent dimensions: some go unused"),
}


def bundled_path(name: str = DEFAULT_MODEL) -> Path:
    return MODELS_DIR / name


def available_models(dataset: str | None = None) -> dict[str, Path]:
    """{name: folder} of the models for `dataset` (all datasets when None), bundled first."""
    options = {
        name: bundled_path(name)
        for name, (data, _) in BUNDLED.items()
        if (dataset is None or data == dataset) and bundled_path(name).is_dir()
    }
    for path in list_cached_models():
        if dataset is None or path.name.startswith(dataset + "-"):
            options[path.name] = path
    return options


def describe(name: str) -> str:
    """A label for a model name: the bundled ones say what they are."""
    if name in BUNDLED:
        return f"{name}: {BUNDLED[name][1]}"
    return f"{name} (trained here)"


def resolve(path_or_name: str | os.PathLike | None) -> Path:
    """A model folder from a folder path or a listed name (None: the default bundled VAE)."""
    if path_or_name is None:
        return bundled_path(DEFAULT_MODEL)
    if isinstance(path_or_name, str) and os.sep not in path_or_name and "/" not in path_or_name:
        listed = available_models()
        if path_or_name in listed:
            return listed[path_or_name]
    return Path(path_or_name)
