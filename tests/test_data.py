"""Loading real MNIST: IDX parsing, validation of damaged files, the order of sources."""

import gzip
import hashlib

import numpy as np
import pytest

import vae
from vae import data as data_module
from tests.conftest import SHARED_MNIST


def test_official_idx_files_parse_to_the_documented_shapes(mnist):
    assert mnist.x_train.shape == (60000, 28, 28) and mnist.x_test.shape == (10000, 28, 28)
    assert mnist.x_train.dtype == np.float32 and mnist.y_train.dtype == np.uint8
    assert 0.0 == mnist.x_test.min() and mnist.x_test.max() == 1.0
    # Known facts of the official files: the first test digit is a 7, the first training
    # digit a 5, and the test set holds 1,135 ones.
    assert mnist.y_test[0] == 7 and mnist.y_train[0] == 5
    assert np.sum(mnist.y_test == 1) == 1135
    assert "IDX files" in mnist.source


def test_read_idx_checks_the_magic_number():
    with pytest.raises(ValueError, match="wrong magic number 2049"):
        vae.read_idx(SHARED_MNIST / "t10k-labels-idx1-ubyte.gz", expected_magic=2051)


def test_truncated_idx_file_names_the_file(tmp_path):
    raw = gzip.open(SHARED_MNIST / "t10k-images-idx3-ubyte.gz").read()
    damaged = tmp_path / "t10k-images-idx3-ubyte.gz"
    damaged.write_bytes(gzip.compress(raw[: len(raw) // 2]))
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte.gz.*truncated"):
        vae.read_idx(damaged, 2051)


def test_truncated_gzip_stream_is_a_clear_error(tmp_path):
    damaged = tmp_path / "t10k-labels-idx1-ubyte.gz"
    damaged.write_bytes((SHARED_MNIST / "t10k-labels-idx1-ubyte.gz").read_bytes()[:1000])
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte.gz"):
        vae.read_idx(damaged, 2049)


def test_a_folder_with_mismatched_counts_is_rejected(tmp_path):
    for name in data_module.IDX_FILES.values():
        (tmp_path / f"{name}.gz").write_bytes((SHARED_MNIST / f"{name}.gz").read_bytes())
    labels = gzip.open(SHARED_MNIST / "t10k-labels-idx1-ubyte.gz").read()
    fewer = labels[:4] + (5000).to_bytes(4, "big") + labels[8:5008]
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(fewer))
    with pytest.raises(ValueError, match="5000 labels for 10000 images"):
        vae.load_dataset("mnist", data_dir=tmp_path)


def test_environment_variable_names_the_data_folder(monkeypatch):
    monkeypatch.setenv("VAE_DATA_DIR", str(SHARED_MNIST))
    data = vae.load_dataset("mnist")
    assert str(SHARED_MNIST) in data.source and len(data.x_train) == 60000


def test_keras_style_npz_is_read_without_pickle(tmp_path, small_mnist):
    arrays = {key: (getattr(small_mnist, key) * 255).round().astype(np.uint8)
              if key.startswith("x") else getattr(small_mnist, key)
              for key in ("x_train", "y_train", "x_test", "y_test")}
    np.savez(tmp_path / "mnist.npz", **arrays)
    data = vae.load_dataset("mnist", data_dir=tmp_path)
    np.testing.assert_allclose(data.x_test, small_mnist.x_test, atol=1 / 255)
    assert data.x_train.shape == (300, 28, 28)


def test_bundled_test_set_is_the_official_file():
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        bundled = (data_module.BUNDLED_DATA_DIR / name).read_bytes()
        assert hashlib.sha256(bundled).digest() == hashlib.sha256((SHARED_MNIST / name).read_bytes()).digest()


def test_offline_without_data_falls_back_to_the_bundled_test_set(monkeypatch, tmp_path):
    monkeypatch.delenv("VAE_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # an empty Keras cache
    data = vae.load_dataset("mnist", allow_download=False)
    assert data.source.startswith("bundled MNIST test set")
    assert data.x_test.shape == (10000, 28, 28) and len(data.x_train) == 0
    with pytest.raises(ValueError) as error:
        vae.train(vae.TrainConfig(epochs=1), data)
    message = str(error.value)
    assert "--data-dir" in message and "VAE_DATA_DIR" in message and "load_data()" in message


def test_unknown_dataset_is_rejected():
    with pytest.raises(ValueError, match="Unknown dataset 'cifar'"):
        vae.load_dataset("cifar")


def test_fashion_mnist_comes_from_the_debian_package(monkeypatch):
    monkeypatch.delenv("VAE_DATA_DIR", raising=False)
    data = vae.load_dataset("fashion_mnist")
    assert "dataset-fashion-mnist" in data.source
    assert data.x_train.shape == (60000, 28, 28) and data.class_names[9] == "Ankle boot"
