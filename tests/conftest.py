"""Shared fixtures. Tests read real MNIST from ../shared/data/mnist and never use the network."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")

# Keras must never try to download during tests, and caches go to a throwaway folder.
os.environ.setdefault("KERAS_HOME", str(ROOT / ".pytest_cache" / "keras-home"))


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="session")
def mnist():
    import vae

    if not SHARED_MNIST.is_dir():
        pytest.fail(f"{SHARED_MNIST} is missing; the tests need the shared MNIST IDX files.")
    return vae.load_dataset("mnist", data_dir=SHARED_MNIST)


@pytest.fixture(scope="session")
def small_mnist(mnist):
    return mnist.subset(n_train=300, n_test=500)


@pytest.fixture(scope="session")
def tiny_model(small_mnist):
    """A real model trained for one epoch on 300 real images."""
    import vae

    return vae.train(vae.TrainConfig(epochs=1, batch_size=64, hidden_units=(64, 32)), small_mnist)


@pytest.fixture(scope="session")
def bundled_model():
    import vae

    return vae.load_model()
