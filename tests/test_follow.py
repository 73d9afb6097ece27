"""The follow channel (vae/classroom/follow.py): in memory, and through a real Redis shared by two
"processes" (two channels), including a restart of Redis under them; and what a teacher's page may post."""

import shutil
import socket
import subprocess
import threading
import time

import pytest

from explorer.follow_routes import clean_lead_message
from tests.browser import free_port
from vae.classroom import follow
from vae.classroom.follow import MemoryFollow, RedisFollow, lead_token, token_valid


class RedisServer:
    """A redis-server on a loopback port that a test may stop and start again (same port)."""

    def __init__(self, folder, appendonly: bool = False):
        self.appendonly = "yes" if appendonly else "no"
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            pytest.skip("needs redis-server (apt-get install -y redis-server)")
        self.port, self.folder, self.process = free_port(), folder, None
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.start()

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", self.appendonly, "--dir", str(self.folder)]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    yield server
    server.stop()


class Heard:
    """What a channel's listener heard, per board."""

    def __init__(self, channel, board: str = "") -> None:
        self.board, self.messages, self.lock = board, [], threading.Lock()
        channel.listen(self)

    def __call__(self, board: str, message: dict) -> None:
        if board in (self.board, "*"):
            with self.lock:
                self.messages.append(message)

    def wait_for(self, kind: str, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                found = [m for m in self.messages if m.get("type") == kind]
            if found:
                return found[-1]
            time.sleep(0.02)
        raise AssertionError(f"no {kind!r} message; heard {self.messages}")


def test_a_token_leads_its_board_only_and_a_forged_one_nothing():
    token = lead_token("key-1", "K7Q2P")
    assert token_valid("key-1", "K7Q2P", token)
    assert not token_valid("key-1", "OTHER", token)
    assert not token_valid("key-2", "K7Q2P", token)
    nonce = token.split(".")[0]
    for forged in (None, "", "nodot", nonce + ".", nonce + "." + "0" * 32, token + "x"):
        assert not token_valid("key-1", "K7Q2P", forged)


def test_in_memory_the_state_is_kept_news_is_told_and_a_silent_teacher_is_gone(monkeypatch):
    channel = MemoryFollow()
    heard = Heard(channel, "K7Q2P")
    assert channel.latest("K7Q2P") is None and not channel.leading("K7Q2P")
    first = channel.publish_state("K7Q2P", {"model": "mnist-vae"}, by="t1")
    second = channel.publish_state("K7Q2P", {"model": "mnist-vae-16"}, by="t1")
    assert second > first  # versions only grow
    assert channel.latest("K7Q2P")["state"] == {"model": "mnist-vae-16"}
    assert heard.wait_for("state")["v"] == second
    channel.send("K7Q2P", {"type": "zoom", "map": "mnist-vae", "x": [-1, 1], "y": [-2, 2]})
    assert channel.latest("K7Q2P")["zoom"]["x"] == [-1, 1]  # a page that opens later gets the zoom
    assert channel.leading("K7Q2P")
    with pytest.raises(ValueError):
        channel.send("K7Q2P", {"type": "state"})  # states go through publish_state only
    monkeypatch.setattr(follow, "ALIVE", 0.2)
    time.sleep(0.3)
    assert not channel.leading("K7Q2P")  # no beat: the teacher's page has closed
    channel.beat("K7Q2P")
    assert channel.leading("K7Q2P")
    channel.send("K7Q2P", {"type": "stop"})
    assert not channel.leading("K7Q2P") and heard.wait_for("stop")
    assert channel.latest("OTHER") is None  # boards are apart


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_a_token_switched_off_stays_off(kind, request):
    channel = MemoryFollow() if kind == "memory" else RedisFollow(request.getfixturevalue("redis_server").url)
    assert not channel.revoked("B", "t1")
    channel.revoke("B", "t1")
    assert channel.revoked("B", "t1") and not channel.revoked("B", "t2") and not channel.revoked("C", "t1")


def test_followers_are_counted_until_their_streams_go_quiet(monkeypatch):
    channel = MemoryFollow()
    channel.touch_follower("B", "s1")
    channel.touch_follower("B", "s2")
    channel.touch_follower("C", "s3")
    assert channel.followers("B") == 2 and channel.followers("C") == 1
    channel.drop_follower("B", "s1")
    assert channel.followers("B") == 1
    monkeypatch.setattr(follow, "FOLLOWER_TTL", 0.1)
    time.sleep(0.2)
    assert channel.followers("B") == 0


def test_through_redis_two_processes_share_states_news_and_followers(redis_server):
    teacher, student = RedisFollow(redis_server.url), RedisFollow(redis_server.url)
    heard = Heard(student, "K7Q2P")
    time.sleep(0.3)  # the relay subscribes
    version = teacher.publish_state("K7Q2P", {"model": "mnist-vae", "tab": "Path"}, by="t1")
    assert heard.wait_for("state")["v"] == version
    assert student.latest("K7Q2P")["state"]["tab"] == "Path"
    teacher.send("K7Q2P", {"type": "pointer", "map": "mnist-vae", "x": 0.5, "y": -1.0})
    assert heard.wait_for("pointer")["x"] == 0.5
    assert student.leading("K7Q2P")
    student.touch_follower("K7Q2P", "s1")
    teacher.touch_follower("K7Q2P", "s2")
    assert teacher.followers("K7Q2P") == student.followers("K7Q2P") == 2
    teacher.close()
    student.close()


def test_a_restart_of_redis_is_told_and_the_teachers_state_comes_back(redis_server):
    teacher, student = RedisFollow(redis_server.url), RedisFollow(redis_server.url)
    heard = Heard(student, "K7Q2P")
    time.sleep(0.3)
    version = teacher.publish_state("K7Q2P", {"model": "mnist-vae"}, by="t1")
    heard.wait_for("state")
    redis_server.stop()
    heard.wait_for("lost")
    assert not student.connected
    redis_server.start()  # without its data: this Redis keeps no file
    heard.wait_for("back")
    assert student.connected
    # The teacher's process published its state again; versions still grow.
    deadline = time.monotonic() + 10
    while student.latest("K7Q2P") is None:
        assert time.monotonic() < deadline, "the teacher's state did not come back"
        time.sleep(0.05)
    assert student.latest("K7Q2P")["v"] == version
    assert teacher.publish_state("K7Q2P", {"model": "mnist-vae-16"}, by="t1") > version
    teacher.close()
    student.close()


@pytest.mark.parametrize(
    "body",
    [
        {"type": "pointer", "x": float("nan"), "y": 0},
        {"type": "pointer", "x": 1e9, "y": 0},
        {"type": "zoom", "x": [0, 1], "y": [0]},
        {"type": "zoom", "x": "0,1", "y": [0, 1]},
        {"type": "state", "state": {}},
        {"type": "eval"},
        {},
    ],
)
def test_a_teachers_page_may_post_only_range_checked_news(body):
    with pytest.raises((ValueError, KeyError, TypeError)):
        clean_lead_message(body)


def test_a_teachers_news_comes_through_cleaned():
    assert clean_lead_message({"type": "pointer", "map": "m", "x": "1.5", "y": -2, "extra": 1}) == {
        "type": "pointer", "map": "m", "x": 1.5, "y": -2.0,
    }  # fmt: skip
    assert clean_lead_message({"type": "pointer", "map": "m", "x": None})["x"] is None  # the pointer left the map
    assert clean_lead_message({"type": "scrub", "map": "m", "f": 3})["f"] == 1.0
