"""The class board: digits that students send, kept for the teacher's projected map.

A board is named by a short class code ("" is the server's default board). It keeps at
most `MAX_ENTRIES` entries, dropping the oldest and counting what it dropped. Two stores
implement one small interface: `MemoryBoardStore` (one server process, the default) and
`RedisBoardStore` (several processes behind a proxy, `VAE_BOARD_URL=redis://...`).
Both are safe under concurrent sends: nothing is lost, nothing is doubled.
"""

from __future__ import annotations

import base64
import collections
import dataclasses
import hmac
import json
import secrets
import threading
import time
import unicodedata

import numpy as np

MAX_ENTRIES = 300
MAX_NAME = 20
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread from a slide
CODE_LENGTH = 5


@dataclasses.dataclass(frozen=True)
class Entry:
    """One sent digit: the 28x28 input (uint8), who sent it (optional), when, and from which model."""

    id: str
    image: np.ndarray
    name: str
    sent_at: float
    model: str
    mean: tuple[float, float]

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "name": self.name,
                "sent_at": self.sent_at,
                "model": self.model,
                "mean": list(self.mean),
                "image": base64.b64encode(self.image.tobytes()).decode(),
            }
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Entry:
        values = json.loads(text)
        image = np.frombuffer(base64.b64decode(values["image"]), np.uint8).reshape(28, 28)
        return cls(values["id"], image, values["name"], values["sent_at"], values["model"], tuple(values["mean"]))


def clean_name(text: str | None) -> str:
    """A first name or nickname as it may be shown: printable characters only, at most 20."""
    text = "".join(c for c in (text or "") if unicodedata.category(c)[0] not in ("C", "Z") or c == " ")
    return " ".join(text.split())[:MAX_NAME]


def clean_code(text: str | None) -> str:
    """A class code as typed (any case, stray spaces); "" when it is not one."""
    code = "".join((text or "").split()).upper()
    return code if 3 <= len(code) <= 12 and code.isalnum() else ""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def codes_match(given: str | None, expected: str) -> bool:
    """Compare a typed teacher code with the real one in constant time."""
    return hmac.compare_digest((given or "").strip().encode(), expected.encode())


def make_entry(image: np.ndarray, name: str | None, model: str, mean) -> Entry:
    pixels = (np.clip(np.asarray(image, np.float64), 0, 1) * 255).round().astype(np.uint8)
    if pixels.shape != (28, 28):
        raise ValueError(f"A board entry needs a 28x28 image, not {pixels.shape}.")
    return Entry(secrets.token_hex(6), pixels, clean_name(name), time.time(), model, (float(mean[0]), float(mean[1])))


class MemoryBoardStore:
    """Boards in this process's memory, shared by its sessions; a lock makes sends atomic."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: dict[str, collections.OrderedDict] = collections.defaultdict(collections.OrderedDict)
        self._dropped: dict[str, int] = collections.defaultdict(int)
        self._versions: dict[str, int] = collections.defaultdict(int)
        self._codes: set[str] = set()
        self._secrets: dict[str, str] = {}

    def add(self, board: str, entry: Entry) -> None:
        with self._lock:
            entries = self._entries[board]
            entries[entry.id] = entry
            while len(entries) > self.max_entries:
                entries.popitem(last=False)
                self._dropped[board] += 1
            self._versions[board] += 1

    def entries(self, board: str) -> list[Entry]:
        with self._lock:
            return list(self._entries[board].values())

    def remove(self, board: str, entry_id: str) -> None:
        with self._lock:
            if self._entries[board].pop(entry_id, None) is not None:
                self._versions[board] += 1

    def clear(self, board: str) -> None:
        with self._lock:
            self._entries[board].clear()
            self._dropped[board] = 0
            self._versions[board] += 1

    def dropped(self, board: str) -> int:
        with self._lock:
            return self._dropped[board]

    def version(self, board: str) -> int:
        """A number that changes whenever the board does: polling compares it, cheaply."""
        with self._lock:
            return self._versions[board]

    def create_board(self) -> str:
        with self._lock:
            code = new_code()
            while code in self._codes:
                code = new_code()
            self._codes.add(code)
            return code

    def board_exists(self, code: str) -> bool:
        with self._lock:
            return code == "" or code in self._codes

    def shared_secret(self, name: str, make) -> str:
        """A value every process of the server agrees on (here: this process)."""
        with self._lock:
            return self._secrets.setdefault(name, make())


class RedisBoardStore:
    """Boards in Redis, shared by several app processes; each send is one atomic transaction."""

    def __init__(self, url: str, max_entries: int = MAX_ENTRIES, prefix: str = "vae-board"):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.max_entries, self.prefix = max_entries, prefix

    def _key(self, board: str, part: str) -> str:
        return f"{self.prefix}:{board or '_'}:{part}"

    def add(self, board: str, entry: Entry) -> None:
        entries = self._key(board, "entries")
        # A Lua script runs atomically in Redis: append, trim the oldest, count what was dropped.
        self.client.eval(
            """
            local n = redis.call('RPUSH', KEYS[1], ARGV[1])
            local over = n - tonumber(ARGV[2])
            if over > 0 then
              redis.call('LTRIM', KEYS[1], over, -1)
              redis.call('INCRBY', KEYS[2], over)
            end
            redis.call('INCR', KEYS[3])
            return n""",
            3,
            entries,
            self._key(board, "dropped"),
            self._key(board, "version"),
            entry.to_json(),
            self.max_entries,
        )

    def entries(self, board: str) -> list[Entry]:
        return [Entry.from_json(raw) for raw in self.client.lrange(self._key(board, "entries"), 0, -1)]

    def remove(self, board: str, entry_id: str) -> None:
        for raw in self.client.lrange(self._key(board, "entries"), 0, -1):
            if json.loads(raw)["id"] == entry_id:
                with self.client.pipeline() as pipe:
                    pipe.lrem(self._key(board, "entries"), 1, raw)
                    pipe.incr(self._key(board, "version"))
                    pipe.execute()
                return

    def clear(self, board: str) -> None:
        with self.client.pipeline() as pipe:
            pipe.delete(self._key(board, "entries"), self._key(board, "dropped"))
            pipe.incr(self._key(board, "version"))
            pipe.execute()

    def dropped(self, board: str) -> int:
        return int(self.client.get(self._key(board, "dropped")) or 0)

    def version(self, board: str) -> int:
        return int(self.client.get(self._key(board, "version")) or 0)

    def create_board(self) -> str:
        while True:
            code = new_code()
            if self.client.sadd(f"{self.prefix}:codes", code):
                return code

    def board_exists(self, code: str) -> bool:
        return code == "" or bool(self.client.sismember(f"{self.prefix}:codes", code))

    def shared_secret(self, name: str, make) -> str:
        """A value every process of the server agrees on: the first one to set it wins."""
        key = f"{self.prefix}:secret:{name}"
        self.client.set(key, make(), nx=True)
        return self.client.get(key).decode()


def open_store(url: str | None = None):
    """The board store for this server: Redis when `url` (VAE_BOARD_URL) is set, else memory."""
    if url:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"VAE_BOARD_URL must be a redis:// address, not {url!r}.")
        return RedisBoardStore(url)
    return MemoryBoardStore()
