"""The class board's page (explorer/pages/board.py): what its poll reads from the store."""

import types

import numpy as np

from explorer.pages import board as board_page
from vae.classroom import board


class SendDuringThePoll(board.MemoryBoardStore):
    """A real store where a student's send lands just after the board's poll has read its
    entries, as it can on a school's server (another process, another session's thread)."""

    def __init__(self, late: board.Entry):
        super().__init__()
        self.late = late

    def entries(self, code: str) -> list[board.Entry]:
        read = super().entries(code)
        if self.late is not None:
            self.add(code, self.late)
            self.late = None
        return read


def digit(image: np.ndarray, name: str) -> board.Entry:
    return board.make_entry(image, name, "mnist-vae", (0.0, 0.0))


def test_a_digit_sent_while_the_board_polls_gets_its_dot_at_the_next_poll(bundled_model, mnist_test):
    frame = types.SimpleNamespace(name="mnist-vae", model=bundled_model)
    first, late = (digit(mnist_test.x_test[i], name) for i, name in ((0, "Ada"), (1, "Grace")))
    store = SendDuringThePoll(late)
    store.add("", first)
    entries, means = board_page.on_the_board(frame, store, "")
    assert [e.name for e in entries] == ["Ada"] and len(means) == 1
    # The next poll (a second later) sees both, and has a mean, a dot, for each.
    entries, means = board_page.on_the_board(frame, store, "")
    assert [e.name for e in entries] == ["Ada", "Grace"]
    expected = bundled_model.encode(np.stack([e.image for e in entries]).astype(np.float32) / 255.0)[0]
    np.testing.assert_allclose(means, expected, atol=1e-5)
