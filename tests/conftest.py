"""Shared fixtures: real MNIST, real models, no network.

The official MNIST test set bundled in assets/mnist is real data and always here: most
tests use it (training tests split it 8,000 / 2,000). Tests that need the 60,000 training
images use ../shared/data/mnist and skip, saying so, where it is absent. In CI (VAE_CI=1)
a skipped test fails: there everything must run.
"""

import fcntl
import os
import socket
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
NEEDS_TRAINING_SET = f"needs the 60,000 MNIST training images in {SHARED_MNIST}"

# Keras must never download during tests, and its cache goes to a throwaway folder.
os.environ["KERAS_HOME"] = str(ROOT / ".pytest_cache" / "keras-home")
os.environ.pop("VAE_DATA_DIR", None)
os.environ.pop("VAE_BOARD_URL", None)
os.environ.pop("VAE_TEACHER_CODE", None)
# No warm trainer (vae/workers/warm.py) in the servers the tests start: each would import
# TensorFlow beside the tests. tests/test_warm.py tests it, and the class recipe's browser test
# turns it on.
os.environ["VAE_WARM_TRAINER"] = "0"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("VAE_CI"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every test must run: {report.longrepr}"


BROWSER_MODULES = ("test_browser_", "test_school")


def pytest_collection_modifyitems(config, items):
    """A browser test that fails is run once more, and both runs are reported (`R` in the
    progress line, "rerun" in the summary): on a loaded 2-core machine (CI, two test workers,
    a server and Chromium each) a page once in a few hundred kept an element from appearing for
    90 s (a different test each time: a drawn digit's panel, the teacher's log-in, a student's
    map), which these tests cannot tell from a real failure. A second failure fails the suite.
    Tests of the engine and the server are never rerun."""
    for item in items:
        if item.module.__name__.split(".")[-1].startswith(BROWSER_MODULES):
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=2))


@pytest.fixture(autouse=True)
def share_the_machine(request):
    """The suite runs on two workers (pytest-xdist). A test marked `alone` times what a
    person waits for (a click while a model trains), so it runs with no test beside it: it
    holds a lock exclusively that every other test holds shared. A turnstile keeps it fair:
    once an `alone` test waits, no new test starts beside the one still running."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run:
        yield
        return
    alone = request.node.get_closest_marker("alone") is not None
    folder = Path(tempfile.gettempdir())
    with (
        open(folder / f"vae-tests-{run}.turnstile", "a") as turnstile,
        open(folder / f"vae-tests-{run}.lock", "a") as lock,
    ):
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        if alone:
            fcntl.flock(lock, fcntl.LOCK_EX)  # waits for the test beside it to end
            fcntl.flock(turnstile, fcntl.LOCK_UN)
        else:
            fcntl.flock(turnstile, fcntl.LOCK_UN)
            fcntl.flock(lock, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Connections to anything but this machine fail, so no test can reach the network."""
    real_connect = socket.socket.connect

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost") and self.family != socket.AF_UNIX:
            raise OSError(f"tests may not reach the network ({host})")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="session")
def mnist_test():
    """The official MNIST test set, bundled with the app (no training images)."""
    from vae.data.sources import bundled_test_set

    return bundled_test_set()


@pytest.fixture(scope="session")
def mnist():
    """All of MNIST (60,000 + 10,000); only for tests that truly need the training set."""
    import vae

    if not SHARED_MNIST.is_dir():
        pytest.skip(NEEDS_TRAINING_SET)
    return vae.load_dataset("mnist", data_dir=SHARED_MNIST)


@pytest.fixture(scope="session")
def split_mnist(mnist_test):
    """Real digits for training tests: the bundled test set split 8,000 (train) / 2,000 (test)."""
    return mnist_test.split_test(8000)


@pytest.fixture(scope="session")
def small_mnist(split_mnist):
    return split_mnist.subset(n_train=300, n_test=500)


@pytest.fixture(scope="session")
def tiny_model(small_mnist):
    """A real model trained for one epoch on 300 real images."""
    import vae

    return vae.train(vae.TrainConfig(epochs=1, batch_size=64, hidden_units=(64, 32)), small_mnist)


@pytest.fixture(scope="session")
def bundled_model():
    import vae

    return vae.load_model()


@pytest.fixture(scope="session")
def idx_folder(tmp_path_factory, split_mnist):
    """A folder with the four official IDX file names, holding real MNIST digits (the split)."""
    import gzip

    import numpy as np

    folder = tmp_path_factory.mktemp("idx") / "mnist"
    folder.mkdir()

    def write(stem, array, magic):
        header = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in array.shape)
        (folder / f"{stem}.gz").write_bytes(gzip.compress(header + array.tobytes()))

    for split in ("train", "test"):
        images = (getattr(split_mnist, f"x_{split}") * 255).round().astype(np.uint8)
        stem = "train" if split == "train" else "t10k"
        write(f"{stem}-images-idx3-ubyte", images, 2051)
        write(f"{stem}-labels-idx1-ubyte", getattr(split_mnist, f"y_{split}").astype(np.uint8), 2049)
    return folder


NEEDS_CHROMIUM = "needs Debian's Chromium at /usr/bin/chromium (apt-get install -y chromium)"


def require_chromium() -> None:
    from tests import browser

    if not Path(browser.CHROMIUM).exists():
        pytest.skip(NEEDS_CHROMIUM)


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    from tests import browser

    require_chromium()

    with sync_playwright() as playwright:
        instance = browser.launch_chromium(playwright)
        yield instance
        instance.close()
