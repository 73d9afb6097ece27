"""The class board's store: one suite, run against memory and against a real Redis server."""

import dataclasses
import shutil
import socket
import subprocess
import threading
import time

import numpy as np
import pytest

from tests.browser import free_port
from vae.classroom import board
from vae.classroom.board_redis import RedisBoardStore


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A real redis-server on a free loopback port (Debian's redis-server; .ci/run installs it)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("needs redis-server (apt-get install -y redis-server)")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(params=["memory", "redis"])
def store(request):
    if request.param == "memory":
        return board.MemoryBoardStore(max_entries=50)
    url = request.getfixturevalue("redis_url")
    store = RedisBoardStore(url, max_entries=50, prefix=f"test-{time.monotonic_ns()}")
    return store


def entry(number: int, name: str = "") -> board.Entry:
    image = np.zeros((28, 28))
    image[number % 28, :] = 1.0
    return board.make_entry(image, name or f"student {number}", "mnist-vae", (number * 0.1, -number * 0.1))


def test_a_sent_digit_comes_back_whole(store):
    sent = entry(3, "Ada")
    store.add("", sent)
    (got,) = store.entries("")
    assert got.id == sent.id and got.name == "Ada" and got.model == "mnist-vae"
    np.testing.assert_array_equal(got.image, sent.image)
    assert got.image.dtype == np.uint8 and got.image.shape == (28, 28)
    assert got.mean == pytest.approx((0.3, -0.3))


def test_boards_of_two_classes_never_mix(store):
    code = store.create_board()
    store.add(code, entry(1))
    store.add("", entry(2))
    assert [e.name for e in store.entries(code)] == ["student 1"]
    assert [e.name for e in store.entries("")] == ["student 2"]
    assert store.board_exists(code) and not store.board_exists("NOPE9")


def test_the_oldest_are_dropped_and_counted(store):
    for number in range(60):
        store.add("", entry(number))
    names = [e.name for e in store.entries("")]
    assert len(names) == 50 and names[0] == "student 10" and names[-1] == "student 59"
    assert store.dropped("") == 10


def test_concurrent_sends_lose_nothing_and_double_nothing(store):
    def send(first):
        for number in range(first, first + 6):
            store.add("", entry(number))

    threads = [threading.Thread(target=send, args=(6 * t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    names = [e.name for e in store.entries("")]
    assert len(names) == 48 and len(set(names)) == 48


def test_remove_clear_and_version(store):
    first, second = entry(1), entry(2)
    before = store.version("")
    store.add("", first)
    store.add("", second)
    assert store.version("") > before
    store.remove("", first.id)
    assert [e.id for e in store.entries("")] == [second.id]
    store.clear("")
    assert store.entries("") == [] and store.dropped("") == 0


def test_every_process_agrees_on_one_secret(store):
    first = store.shared_secret("teacher_code", lambda: "one")
    assert store.shared_secret("teacher_code", lambda: "two") == first == "one"


def test_names_are_cleaned_and_limited():
    assert board.clean_name("  Ada\n\t Lovelace\x00 ") == "Ada Lovelace"
    assert len(board.clean_name("x" * 100)) == board.MAX_NAME
    assert board.clean_name(None) == ""
    assert board.clean_code(" k7q2p ") == "K7Q2P" and board.clean_code("a b!") == ""


def test_codes_are_compared_in_constant_time_and_exactly():
    assert board.codes_match(" s3cret ", "s3cret") and not board.codes_match("s3cre", "s3cret")
    assert not board.codes_match(None, "s3cret")


def test_open_store_refuses_a_url_that_is_not_redis():
    with pytest.raises(ValueError, match="redis://"):
        board.open_store("http://example.invalid/")
    assert isinstance(board.open_store(None), board.MemoryBoardStore)


def test_held_digits_reach_the_board_only_when_approved(store):
    shown = entry(1, "Ada")
    assert store.add("", shown) == "shown"
    store.set_holding("", True)
    assert store.holding("")
    rude, fine = entry(2, "Bo"), entry(3, "Cy")
    assert store.add("", rude) == "held" and store.add("", fine) == "held"
    assert [e.id for e in store.entries("")] == [shown.id]  # nothing held is shown
    assert [e.id for e in store.held("")] == [rude.id, fine.id]
    version = store.version("")
    assert store.approve("", fine.id)
    assert not store.approve("", fine.id)  # approved once
    assert store.version("") > version
    store.remove("", rude.id)
    assert [e.id for e in store.entries("")] == [shown.id, fine.id] and store.held("") == []
    store.set_holding("", False)
    assert store.add("", entry(4)) == "shown"
    # Holding is a board's own: another class's board shows its digits at once.
    assert store.add("K7Q2P", entry(5)) == "shown"


def test_refused_sends_are_counted_per_board(store):
    store.count_refused("")
    store.count_refused("")
    store.count_refused("ABCDE")
    assert store.refused("") == 2 and store.refused("ABCDE") == 1 and store.refused("ZZZZZ") == 0


def test_redis_keeps_a_boards_keys_for_its_time_to_live_only(redis_url):
    store = RedisBoardStore(redis_url, prefix=f"ttl-{time.monotonic_ns()}", ttl=120)
    store.add("", entry(1))
    store.set_holding("", True)
    store.add("", entry(2))
    store.count_refused("")
    for part in ("entries", "held", "holding", "version", "refused"):
        remaining = store.client.ttl(store._key("", part))
        assert 0 < remaining <= 120, part


def test_the_memory_store_forgets_digits_older_than_its_time_to_live():
    store = board.MemoryBoardStore(ttl=3600)
    old, new = entry(1), entry(2)
    store.add("", dataclasses.replace(old, sent_at=time.time() - 3601))
    store.add("", new)
    assert [e.id for e in store.entries("")] == [new.id]


def test_the_time_to_live_comes_from_vae_board_ttl(monkeypatch):
    monkeypatch.setenv("VAE_BOARD_TTL", "3600")
    assert board.open_store().ttl == 3600
    monkeypatch.delenv("VAE_BOARD_TTL")
    assert board.open_store().ttl == 24 * 3600
    monkeypatch.setenv("VAE_BOARD_TTL", "a day")
    with pytest.raises(ValueError, match="VAE_BOARD_TTL"):
        board.open_store()


def test_a_student_sends_once_per_interval_from_any_number_of_tabs(store):
    # Four tabs of one browser press at once (threads: in a school, four app processes).
    results = []
    threads = [threading.Thread(target=lambda: results.append(store.take_send("", "b:ada"))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    accepted = [r for r in results if r == (0.0, False)]
    assert len(accepted) == 1, results
    for wait, spent in results:
        if (wait, spent) != (0.0, False):
            assert not spent and 0 < wait <= board.SEND_INTERVAL
    # Another student, and the same student on another board, are not held back by Ada.
    assert store.take_send("", "b:noor") == (0.0, False)
    assert store.take_send("K7Q2P", "b:ada") == (0.0, False)
    assert store.sends("", "b:ada")[0] == 1


def test_a_student_sends_at_most_max_sends_to_a_board(store):
    now = 1_000_000.0
    for number in range(board.MAX_SENDS):
        assert store.take_send("", "b:ada", now + number * board.SEND_INTERVAL) == (0.0, False)
    assert store.take_send("", "b:ada", now + 10_000) == (0.0, True)
    count, last = store.sends("", "b:ada")
    assert count == board.MAX_SENDS and board.send_wait(count, last, now + 10_000) == (0.0, True)


def test_a_full_board_drops_the_oldest_of_the_student_who_holds_the_most(store):
    # store's boards keep 50: ten students send two each, then one student sends 60.
    for number in range(20):
        store.add("", dataclasses.replace(entry(number), student=f"b:student-{number % 10}"))
    for number in range(60):
        store.add("", dataclasses.replace(entry(number), student="b:flood"))
    kept = store.entries("")
    assert len(kept) == 50 and store.dropped("") == 30
    # Everyone else's 20 stay; the flood keeps its newest 30.
    assert sum(e.student != "b:flood" for e in kept) == 20
    assert [e.name for e in kept if e.student == "b:flood"] == [f"student {n}" for n in range(30, 60)]


def test_wrong_teacher_codes_count_per_student_and_are_forgotten_after_the_lockout(store):
    now = time.time()
    for _ in range(board.MAX_CODE_MISSES):
        store.add_code_miss("b:guesser", now)
    count, last = store.code_misses("b:guesser", now)
    assert count == board.MAX_CODE_MISSES
    assert board.code_wait(count, last, now + 1) == pytest.approx(board.CODE_LOCKOUT - 1, abs=0.01)
    assert board.code_wait(count, last, now + board.CODE_LOCKOUT + 1) == 0
    assert store.code_misses("b:teacher", now) == (0, 0.0)


def test_the_memory_store_forgets_wrong_codes_a_lockout_after_the_last():
    store = board.MemoryBoardStore()
    store.add_code_miss("b:guesser", 1000.0)
    assert store.code_misses("b:guesser", 1000.0 + board.CODE_LOCKOUT + 1) == (0, 0.0)
