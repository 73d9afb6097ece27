"""Loading real MNIST: IDX parsing, damaged files, the right dataset from the right folder."""

import dataclasses
import functools
import gzip
import hashlib
import http.server
import threading

import numpy as np
import pytest

import vae
from tests.conftest import FASHION_DIR, SHARED_MNIST
from vae.data import idx
from vae.data import sources as data_module

BUNDLED = data_module.BUNDLED_DATA_DIR


def test_the_bundled_test_set_is_the_official_one(mnist_test):
    assert mnist_test.x_test.shape == (10000, 28, 28) and len(mnist_test.x_train) == 0
    assert mnist_test.x_test.dtype == np.float32 and mnist_test.y_test.dtype == np.uint8
    assert 0.0 == mnist_test.x_test.min() and mnist_test.x_test.max() == 1.0
    # Known facts of the official file: the first test digit is a 7; there are 1,135 ones.
    assert mnist_test.y_test[0] == 7 and np.sum(mnist_test.y_test == 1) == 1135
    digest = hashlib.sha256((BUNDLED / "t10k-images-idx3-ubyte.gz").read_bytes()).hexdigest()
    assert digest.startswith("167310007f03")  # the official file, byte for byte
    assert "bundled" in mnist_test.origin and "/" not in mnist_test.origin


def test_the_full_training_set_parses(mnist):
    assert mnist.x_train.shape == (60000, 28, 28) and mnist.y_train[0] == 5


def test_read_idx_checks_the_magic_number():
    with pytest.raises(ValueError, match="wrong magic number 2049"):
        vae.read_idx(BUNDLED / "t10k-labels-idx1-ubyte.gz", expected_magic=2051)


def test_truncated_idx_file_names_the_file(tmp_path):
    raw = gzip.open(BUNDLED / "t10k-images-idx3-ubyte.gz").read()
    damaged = tmp_path / "t10k-images-idx3-ubyte.gz"
    damaged.write_bytes(gzip.compress(raw[: len(raw) // 2]))
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte.gz.*truncated"):
        vae.read_idx(damaged, 2051)


def test_truncated_gzip_stream_is_a_clear_error(tmp_path):
    damaged = tmp_path / "t10k-labels-idx1-ubyte.gz"
    damaged.write_bytes((BUNDLED / "t10k-labels-idx1-ubyte.gz").read_bytes()[:1000])
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte.gz"):
        vae.read_idx(damaged, 2049)


def test_a_folder_with_mismatched_counts_is_rejected(tmp_path, idx_folder):
    for path in idx_folder.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    labels = gzip.open(idx_folder / "t10k-labels-idx1-ubyte.gz").read()
    fewer = labels[:4] + (500).to_bytes(4, "big") + labels[8:508]
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(fewer))
    with pytest.raises(ValueError, match="500 labels for 2000 images"):
        vae.load_dataset("mnist", data_dir=tmp_path)


def test_the_environment_variable_names_the_data_folder(monkeypatch, idx_folder):
    monkeypatch.setenv("VAE_DATA_DIR", str(idx_folder))
    data = vae.load_dataset("mnist")
    assert str(idx_folder) in data.source and len(data.x_train) == 8000


def test_an_mnist_folder_is_never_read_as_fashion_mnist(monkeypatch, idx_folder):
    monkeypatch.setenv("VAE_DATA_DIR", str(idx_folder))
    with pytest.raises(ValueError, match=r"holds MNIST \(handwritten digits\), not Fashion-MNIST"):
        vae.load_dataset("fashion_mnist")
    with pytest.raises(ValueError, match="holds MNIST"):
        vae.load_dataset("fashion_mnist", data_dir=BUNDLED)


def test_each_dataset_has_its_own_subfolder(tmp_path, monkeypatch, idx_folder):
    if not FASHION_DIR.is_dir():
        pytest.skip("needs Debian's dataset-fashion-mnist")
    (tmp_path / "mnist").symlink_to(idx_folder)
    (tmp_path / "fashion_mnist").symlink_to(FASHION_DIR)
    monkeypatch.setenv("VAE_DATA_DIR", str(tmp_path))
    digits, clothes = vae.load_dataset("mnist"), vae.load_dataset("fashion_mnist")
    assert len(digits.x_train) == 8000 and clothes.class_names[9] == "Ankle boot"
    assert idx.identify((clothes.x_test * 255).astype(np.uint8)) == "fashion_mnist"
    assert idx.identify((digits.x_test * 255).astype(np.uint8)) == "mnist"
    # A Fashion-MNIST folder given for MNIST is refused the same way.
    with pytest.raises(ValueError, match="holds Fashion-MNIST"):
        vae.load_dataset("mnist", data_dir=FASHION_DIR)


def test_keras_style_npz_is_read_without_pickle(tmp_path, small_mnist):
    arrays = {
        key: (getattr(small_mnist, key) * 255).round().astype(np.uint8)
        if key.startswith("x")
        else getattr(small_mnist, key)
        for key in ("x_train", "y_train", "x_test", "y_test")
    }
    np.savez(tmp_path / "mnist.npz", **arrays)
    data = vae.load_dataset("mnist", data_dir=tmp_path)
    np.testing.assert_allclose(data.x_test, small_mnist.x_test, atol=1 / 255)
    assert data.x_train.shape == (300, 28, 28)


def test_offline_without_data_falls_back_to_the_bundled_test_set(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # an empty Keras cache
    data = vae.load_dataset("mnist", allow_download=False)
    assert data.source.startswith("bundled MNIST test set")
    with pytest.raises(ValueError) as error:
        vae.train(vae.TrainConfig(epochs=1), data)
    message = str(error.value)
    assert "VAE_DATA_DIR" in message and "--data-dir" in message and "internet" in message
    assert not vae.data.sources.training_data_available("mnist")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def local_mirror(tmp_path, small_mnist):
    """A real HTTP server on this machine that serves a keras-style mnist.npz."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    np.savez(
        folder / "mnist.npz",
        **{
            key: (getattr(small_mnist, key) * 255).round().astype(np.uint8)
            if key.startswith("x")
            else getattr(small_mnist, key)
            for key in ("x_train", "y_train", "x_test", "y_test")
        },
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=folder))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_download_fills_keras_cache_and_loads(monkeypatch, tmp_path, local_mirror):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    data = vae.data.sources.download_dataset("mnist", base_url=local_mirror)
    assert data.x_train.shape == (300, 28, 28) and "Keras" in data.source
    assert vae.data.sources.training_data_available("mnist")
    assert vae.load_dataset("mnist", allow_download=False).x_train.shape == (300, 28, 28)


def test_an_unreachable_server_is_reported_as_offline(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    with pytest.raises(ValueError, match="seems to be offline"):
        vae.data.sources.download_dataset("mnist", base_url="http://127.0.0.1:9/")  # nothing listens on port 9


def test_other_download_failures_are_not_called_network_problems(monkeypatch, tmp_path):
    import keras

    def broken(*args, **kwargs):
        raise RuntimeError("the TensorFlow installation is broken")

    monkeypatch.setattr(keras.utils, "get_file", broken)
    with pytest.raises(RuntimeError, match="installation is broken"):
        vae.data.sources.download_dataset("mnist", base_url="http://127.0.0.1:9/")


def test_unknown_dataset_is_rejected():
    with pytest.raises(ValueError, match="Unknown dataset 'cifar'"):
        vae.load_dataset("cifar")


def test_fashion_mnist_comes_from_the_debian_package():
    if not FASHION_DIR.is_dir():
        pytest.skip("needs Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist)")
    data = vae.load_dataset("fashion_mnist", allow_download=False)
    assert "dataset-fashion-mnist" in data.source
    assert data.x_train.shape == (60000, 28, 28) and data.class_names[9] == "Ankle boot"


def test_shared_folder_holds_mnist(mnist):
    assert idx.identify((mnist.x_train[:2000] * 255).astype(np.uint8)) == "mnist"
    assert str(SHARED_MNIST) in mnist.source


def test_the_fingerprint_is_the_digest_of_the_rounded_pixels(mnist_test):
    """Stepped through the images in blocks, it is still the digest of every 0-255 value."""
    part = dataclasses.replace(mnist_test, x_test=mnist_test.x_test[:1234], y_test=mnist_test.y_test[:1234])
    whole = hashlib.blake2b(digest_size=8)
    whole.update(np.round(part.x_test * 255).astype(np.uint8).tobytes())
    whole.update(part.y_test.tobytes())
    assert part.fingerprint() == whole.hexdigest()
    changed = part.x_test.copy()
    changed[-1, 27, 27] = 1.0 - changed[-1, 27, 27]  # one pixel of the last, partial block
    assert dataclasses.replace(part, x_test=changed).fingerprint() != part.fingerprint()
