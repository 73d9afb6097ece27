"""explorer/resources.py: what every session of a server shares."""

import numpy as np
import pytest

from explorer import resources


def test_the_bundled_test_set_is_read_once_in_a_thread_and_given_to_every_page(mnist_test):
    reading = resources.start_reading_test_set()
    assert resources.start_reading_test_set() is reading  # once per process
    data = reading.result(timeout=120)
    np.testing.assert_array_equal(data.y_test, mnist_test.y_test)
    np.testing.assert_array_equal(data.x_test[:100], mnist_test.x_test[:100])
    assert data.fingerprint() == mnist_test.fingerprint()
    assert resources.test_data.__wrapped__("mnist") is data  # what the pages get (st.cache_resource aside)


def test_a_failed_read_is_said_and_the_next_page_reads_again(monkeypatch, mnist_test):
    reads = []

    def damaged_then_mended():
        reads.append(1)
        if len(reads) == 1:
            raise ValueError("The bundled MNIST test set in assets/mnist is damaged.")
        return mnist_test

    monkeypatch.setattr(resources, "bundled_test_set", damaged_then_mended)
    resources.start_reading_test_set.cache_clear()
    try:
        with pytest.raises(ValueError, match="damaged"):
            resources.test_data.__wrapped__("mnist")
        assert resources.test_data.__wrapped__("mnist") is mnist_test  # the files mended meanwhile
        assert len(reads) == 2
    finally:
        resources.start_reading_test_set.cache_clear()  # later tests read the real files
