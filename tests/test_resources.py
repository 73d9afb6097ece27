"""explorer/resources.py: what every session of a server shares."""

import numpy as np

from explorer import resources


def test_the_bundled_test_set_is_read_once_in_a_thread_and_given_to_every_page(mnist_test):
    reading = resources.start_reading_test_set()
    assert resources.start_reading_test_set() is reading  # once per process
    data = reading.result(timeout=120)
    np.testing.assert_array_equal(data.y_test, mnist_test.y_test)
    np.testing.assert_array_equal(data.x_test[:100], mnist_test.x_test[:100])
    assert data.fingerprint() == mnist_test.fingerprint()
    assert resources.test_data.__wrapped__("mnist") is data  # what the pages get (st.cache_resource aside)
