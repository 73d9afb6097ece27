"""Follow the teacher: what a leading teacher's page shows, carried to the pages of a board's students.

A board's channel carries two kinds of news:

- **"state"**: what the teacher's page shows that the server knows (the model, the view, the
  chosen point, the path, the open tab), numbered by a version. It is also kept, so that a page
  that opens or comes back later gets it. A following page reruns once to take it.
- **"pointer", "zoom", "scrub"**: what the teacher's hand does between runs (where it points,
  the map's ranges, the scrubber's place). The following pages apply it in the page, with no
  run on the server; their own decoders draw the pictures.

and the channel's own words: "recall" (Bring everyone back), "stop" (leading switched off).

Who may lead: a page that shows a token made with the server's lead key (`lead_token`), which
the app gives only to a page that was given the teacher code. The token is checked without
asking anyone (an HMAC), so leading survives a restart of Redis. The teacher's page beats
every BEAT seconds while it leads; a board whose last beat is older than ALIVE has no teacher
any more (its page closed).

Followers are counted by their event streams, each of which is touched every few seconds.

`MemoryFollow` serves one process; `RedisFollow` (VAE_BOARD_URL) several, through Redis
pub/sub: each process relays the channel to its own streams (`listen`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable

BEAT = 2.0  # seconds between the leading page's beats
ALIVE = 7.0  # a board whose teacher has not beaten for this long has no teacher
FOLLOWER_TTL = 8.0  # a follower's stream that has not been touched for this long is gone
EPHEMERAL = ("pointer", "zoom", "scrub", "recall", "stop")
MAX_MESSAGE = 64_000  # bytes: a state is a few hundred; a path of twenty 64-D points fits


def lead_token(key: str, board: str) -> str:
    """A token that lets a page lead `board` (a nonce and its HMAC under the server's key)."""
    nonce = secrets.token_hex(8)
    return nonce + "." + _sign(key, board, nonce)


def token_valid(key: str, board: str, token: str | None) -> bool:
    if not token or token.count(".") != 1:
        return False
    nonce, signature = token.split(".")
    return hmac.compare_digest(signature, _sign(key, board, nonce))


_last_version = [0]
_version_lock = threading.Lock()


def next_version() -> int:
    """A state's version: the time in milliseconds, and never less than the last one here. A
    time, not a counter, so that it never goes back, even when Redis forgot its keys."""
    with _version_lock:
        _last_version[0] = max(int(time.time() * 1000), _last_version[0] + 1)
        return _last_version[0]


def _sign(key: str, board: str, nonce: str) -> str:
    return hmac.new(key.encode(), f"lead:{board}:{nonce}".encode(), hashlib.sha256).hexdigest()[:32]


Listener = Callable[[str, dict], None]  # (board, message); called from any thread


class MemoryFollow:
    """The channel of one process: states, beats and followers in memory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, dict] = {}  # board -> {"v", "state", "by", "at"}
        self._zoom: dict[str, dict] = {}
        self._beats: dict[str, float] = {}
        self._followers: dict[str, dict[str, float]] = {}
        self._listeners: list[Listener] = []
        self._revoked: set[tuple[str, str]] = set()
        self.connected = True

    # ---- what the teacher's page sends ----
    def publish_state(self, board: str, state: dict, by: str) -> int:
        version = next_version()
        with self._lock:
            self._states[board] = {"v": version, "state": state, "by": by, "at": time.time()}
            self._beats[board] = time.time()
        self._tell(board, {"type": "state", "v": version, "by": by})
        return version

    def send(self, board: str, message: dict) -> None:
        """An ephemeral message ("pointer", "zoom", "scrub", "recall", "stop")."""
        if message.get("type") not in EPHEMERAL:
            raise ValueError(f"not a message of the channel: {message.get('type')!r}")
        with self._lock:
            if message["type"] == "zoom":
                self._zoom[board] = message
            if message["type"] == "stop":
                self._beats.pop(board, None)
            else:
                self._beats[board] = time.time()
        self._tell(board, message)

    def beat(self, board: str) -> None:
        with self._lock:
            self._beats[board] = time.time()

    def revoke(self, board: str, token: str) -> None:
        """A token whose page switched leading off: its posts still on their way (a beat) must
        not make the board led again."""
        with self._lock:
            self._revoked.add((board, token))

    def revoked(self, board: str, token: str) -> bool:
        with self._lock:
            return (board, token) in self._revoked

    # ---- what the students' pages read ----
    def latest(self, board: str) -> dict | None:
        """{"v", "state", "by", "at", "zoom"?}, or None when nobody led this board."""
        with self._lock:
            found = self._states.get(board)
            return None if found is None else {**found, **({"zoom": self._zoom[board]} if board in self._zoom else {})}

    def leading(self, board: str) -> bool:
        with self._lock:
            return time.time() - self._beats.get(board, 0.0) < ALIVE

    def touch_follower(self, board: str, stream: str) -> None:
        with self._lock:
            self._followers.setdefault(board, {})[stream] = time.time()

    def drop_follower(self, board: str, stream: str) -> None:
        with self._lock:
            self._followers.get(board, {}).pop(stream, None)

    def followers(self, board: str) -> int:
        now = time.time()
        with self._lock:
            streams = self._followers.get(board, {})
            for stream in [s for s, at in streams.items() if now - at > FOLLOWER_TTL]:
                del streams[stream]
            return len(streams)

    # ---- this process's streams ----
    def listen(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def unlisten(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def _tell(self, board: str, message: dict) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(board, message)


class RedisFollow(MemoryFollow):
    """The channel through Redis: every app process publishes to it and relays it to its own
    streams. When Redis goes away, the streams are told ("lost"), and again when it is back
    ("back"); the states this process published are published again if Redis lost them."""

    def __init__(self, url: str, prefix: str = "vae-follow") -> None:
        super().__init__()
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)
        self.prefix = prefix
        self._mine: dict[str, dict] = {}  # board -> the last state this process published
        self._relay: threading.Thread | None = None
        self._stopped = threading.Event()

    def _key(self, board: str, part: str) -> str:
        return f"{self.prefix}:{board}:{part}"

    def publish_state(self, board: str, state: dict, by: str) -> int:
        version = next_version()
        record = {"v": version, "state": state, "by": by, "at": time.time()}
        pipe = self.client.pipeline()
        pipe.set(self._key(board, "state"), json.dumps(record), ex=24 * 3600)
        pipe.set(self._key(board, "beat"), "1", px=int(ALIVE * 1000))
        pipe.publish(self._key(board, "channel"), json.dumps({"type": "state", "v": version, "by": by}))
        pipe.execute()
        with self._lock:
            self._mine[board] = record
        self._start_relay()  # which publishes it again if Redis restarts and forgets it
        return version

    def send(self, board: str, message: dict) -> None:
        if message.get("type") not in EPHEMERAL:
            raise ValueError(f"not a message of the channel: {message.get('type')!r}")
        text = json.dumps(message)
        pipe = self.client.pipeline()
        if message["type"] == "zoom":
            pipe.set(self._key(board, "zoom"), text, ex=24 * 3600)
        if message["type"] == "stop":
            pipe.delete(self._key(board, "beat"))
        else:
            pipe.set(self._key(board, "beat"), "1", px=int(ALIVE * 1000))
        pipe.publish(self._key(board, "channel"), text)
        pipe.execute()

    def beat(self, board: str) -> None:
        self.client.set(self._key(board, "beat"), "1", px=int(ALIVE * 1000))

    def revoke(self, board: str, token: str) -> None:
        key = self._key(board, "revoked")
        pipe = self.client.pipeline()
        pipe.sadd(key, token)
        pipe.expire(key, 24 * 3600)
        pipe.execute()

    def revoked(self, board: str, token: str) -> bool:
        return bool(self.client.sismember(self._key(board, "revoked"), token))

    def latest(self, board: str) -> dict | None:
        state, zoom = self.client.mget(self._key(board, "state"), self._key(board, "zoom"))
        if state is None:
            return None
        return {**json.loads(state), **({"zoom": json.loads(zoom)} if zoom else {})}

    def leading(self, board: str) -> bool:
        return bool(self.client.exists(self._key(board, "beat")))

    def touch_follower(self, board: str, stream: str) -> None:
        self.client.zadd(self._key(board, "followers"), {stream: time.time()})

    def drop_follower(self, board: str, stream: str) -> None:
        self.client.zrem(self._key(board, "followers"), stream)

    def followers(self, board: str) -> int:
        key, now = self._key(board, "followers"), time.time()
        pipe = self.client.pipeline()
        pipe.zremrangebyscore(key, 0, now - FOLLOWER_TTL)
        pipe.zcard(key)
        return int(pipe.execute()[1])

    # ---- the relay: Redis's channel to this process's streams ----
    def listen(self, listener: Listener) -> None:
        super().listen(listener)
        self._start_relay()

    def _start_relay(self) -> None:
        with self._lock:
            if self._relay is None:
                self._relay = threading.Thread(target=self._run_relay, name="vae-follow-relay", daemon=True)
                self._relay.start()

    def close(self) -> None:
        self._stopped.set()

    def _run_relay(self) -> None:
        import redis

        pattern = self._key("*", "channel")
        lost = False
        while not self._stopped.is_set():
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.psubscribe(pattern)
                if lost:
                    lost = False
                    self.connected = True
                    self._restore()
                    self._tell_all({"type": "back"})
                while not self._stopped.is_set():
                    item = pubsub.get_message(timeout=1.0)
                    if item is None or item.get("type") != "pmessage":
                        continue
                    channel = item["channel"].decode()
                    board = channel[len(self.prefix) + 1 : -len(":channel")]
                    try:
                        message = json.loads(item["data"])
                    except (ValueError, TypeError):
                        continue
                    MemoryFollow._tell(self, board, message)
            except (redis.ConnectionError, redis.TimeoutError, OSError):
                if not lost:
                    lost = True
                    self.connected = False
                    self._tell_all({"type": "lost"})
                self._stopped.wait(0.5)
            finally:
                try:
                    pubsub.close()
                except Exception:  # already broken
                    pass

    def _restore(self) -> None:
        """After Redis came back: the states this process published, if Redis lost them."""
        with self._lock:
            mine = dict(self._mine)
        for board, record in mine.items():
            self.client.set(self._key(board, "state"), json.dumps(record), ex=24 * 3600, nx=True)

    def _tell_all(self, message: dict) -> None:
        MemoryFollow._tell(self, "*", message)

    def _tell(self, board: str, message: dict) -> None:  # the relay tells, from Redis's channel
        pass


def open_follow(url: str | None = None):
    """The follow channel for this server: Redis when `url` (VAE_BOARD_URL) is set, else memory."""
    if url:
        return RedisFollow(url)
    return MemoryFollow()
