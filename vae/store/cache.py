"""The user's model cache: where trained models go, what is there, and one training per config.

Models the app or `python -m vae` train without `--out` live in
`$VAE_CACHE_DIR/models/<key>/` (default `~/.cache/vae-explorer`), one folder per
configuration and training data. A cross-process file lock per configuration makes two
requests for the same model train it once: the second waits, then loads the first's.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from vae.model.config import LEGACY_VALUES, TrainConfig
from vae.places import cache_dir, models_dir, pictures_dir

__all__ = ["cache_dir", "models_dir", "pictures_dir"]  # where things are: vae/places.py, named here too

KEYED_ONLY_WHEN_SET = ("channels", "preparation")

if TYPE_CHECKING:
    import filelock


def cache_key(config: TrainConfig, data_source: str) -> str:
    """A readable, stable folder name for a config trained on a data source."""
    values = dataclasses.asdict(config)
    for key in KEYED_ONLY_WHEN_SET:  # fields added later: the folders of models trained before keep their names
        if values[key] == LEGACY_VALUES[key]:
            del values[key]
    text = json.dumps(values, indent=2, sort_keys=True)
    digest = hashlib.sha256((text + data_source).encode()).hexdigest()[:12]
    return f"{config.dataset}-{config.arch}-e{config.epochs}-b{config.beta:g}-{digest}"


def cached_model_path(config: TrainConfig, data_source: str) -> Path:
    return models_dir() / cache_key(config, data_source)


def list_cached_models() -> list[Path]:
    """Complete model folders in the cache (partial saves are hidden dot-folders)."""
    root = models_dir()
    try:
        return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []


def cache_problem() -> str | None:
    """A sentence for the user when the model cache cannot be read or written, else None."""
    root = cache_dir()
    probe = root
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not os.access(probe, os.W_OK | os.X_OK) or (
        (root / "models").exists() and not os.access(root / "models", os.R_OK | os.X_OK)
    ):
        return (
            f"The model cache {root} cannot be read or written, so cached models are not "
            "listed and new ones cannot be saved. Fix its permissions, or set VAE_CACHE_DIR "
            "to a folder you own. The bundled models work as usual."
        )
    return None


def training_lock(config: TrainConfig, data_source: str) -> filelock.FileLock:
    """An exclusive, cross-process lock per (config, data): `with training_lock(...):`."""
    import filelock  # here, not at the top: a new server's first page lists models, and never locks

    lock_path = cache_dir() / "locks" / f"{cache_key(config, data_source)}.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    return filelock.FileLock(lock_path)
