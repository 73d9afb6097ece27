"""The class board: digits that students send, kept for the teacher's projected map.

A board is named by a short class code ("" is the server's default board). It keeps at
most `MAX_ENTRIES` entries; when full, it drops the oldest digit of the student who holds the
most, so that no one student can push everyone else's digits off it, and counts what it dropped.
The limits on students (one send every `SEND_INTERVAL` seconds, `MAX_SENDS` to a board, a wait
after `MAX_CODE_MISSES` wrong teacher codes) are kept in the store too, per student (a browser,
not a tab: explorer/student.py), so they hold across tabs and app processes. A teacher may
hold new digits until approved: held digits wait apart and reach the board only when approved.
Two stores implement one small interface: `MemoryBoardStore` (one server process, the
default; it forgets everything when the server stops) and `vae.classroom.board_redis.RedisBoardStore`
(several processes behind a proxy, `VAE_BOARD_URL=redis://...`; a board's keys expire `ttl`
seconds after its last change, 24 h by default or `VAE_BOARD_TTL`). Both keep a digit at most `ttl`
seconds. Both are safe under concurrent sends: nothing is lost, nothing is doubled.
"""

from __future__ import annotations

import base64
import collections
import dataclasses
import hmac
import json
import os
import secrets
import threading
import time
import unicodedata

import numpy as np

MAX_ENTRIES = 300
MAX_NAME = 20
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread from a slide
CODE_LENGTH = 5
DEFAULT_TTL = 24 * 3600  # seconds a school's store keeps children's drawings and names
SEND_INTERVAL = 5.0  # seconds between two sends of one student
MAX_SENDS = 20  # digits one student may send to one board
MAX_CODE_MISSES = 5  # wrong teacher codes before a student must wait
CODE_LOCKOUT = 60.0  # seconds it then waits; misses are forgotten that long after the last


def ttl_from_env() -> int:
    """VAE_BOARD_TTL in seconds (default 24 h); raises ValueError for a value that is not one."""
    text = os.environ.get("VAE_BOARD_TTL", "").strip()
    if not text:
        return DEFAULT_TTL
    if not text.isdigit() or int(text) < 60:
        raise ValueError(f"VAE_BOARD_TTL must be a whole number of seconds, at least 60, not {text!r}.")
    return int(text)


@dataclasses.dataclass(frozen=True)
class Entry:
    """One sent digit: the 28x28 input (uint8; 28x28x3 in colour), who sent it (optional), when, and from which model."""

    id: str
    image: np.ndarray
    name: str
    sent_at: float
    model: str
    mean: tuple[float, float]
    student: str = ""  # who sent it, as explorer/student.py names a browser (a digest, never shown)
    label: str = ""  # what the student said it is ("3", "cat"): its class when the class trains on its drawings

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "name": self.name,
                "sent_at": self.sent_at,
                "model": self.model,
                "mean": list(self.mean),
                "image": base64.b64encode(self.image.tobytes()).decode(),
                "student": self.student,
                "label": self.label,
            }
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Entry:
        values = json.loads(text)
        pixels = np.frombuffer(base64.b64decode(values["image"]), np.uint8)
        image = pixels.reshape(28, 28) if pixels.size == 28 * 28 else pixels.reshape(28, 28, 3)
        return cls(
            values["id"],
            image,
            values["name"],
            values["sent_at"],
            values["model"],
            tuple(values["mean"]),
            values.get("student", ""),
            values.get("label", ""),
        )


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


def make_entry(
    image: np.ndarray, name: str | None, model: str, mean, student: str = "", label: str | None = ""
) -> Entry:
    """A board entry: a 28x28 grey picture, or 28x28x3 in colour (an upload to a colour model)."""
    pixels = (np.clip(np.asarray(image, np.float64), 0, 1) * 255).round().astype(np.uint8)
    if pixels.shape not in ((28, 28), (28, 28, 3)):
        raise ValueError(f"A board entry needs a 28x28 (or 28x28x3) image, not {pixels.shape}.")
    mean = (float(mean[0]), float(mean[1]))
    return Entry(secrets.token_hex(6), pixels, clean_name(name), time.time(), model, mean, student, clean_name(label))


def send_wait(count: int, last: float, now: float) -> tuple[float, bool]:
    """(seconds a student must still wait to send, whether they have sent their last), from the
    number of their sends to a board and the time of the last one."""
    if count >= MAX_SENDS:
        return 0.0, True
    return (max(0.0, SEND_INTERVAL - (now - last)) if count else 0.0), False


def code_wait(count: int, last: float, now: float) -> float:
    """Seconds a student must wait before trying the teacher code again (0: they may)."""
    return max(0.0, last + CODE_LOCKOUT - now) if count >= MAX_CODE_MISSES else 0.0


def fair_victim(students: list[str]) -> int:
    """The index (oldest first) of the entry a full board drops: the oldest of the student who
    holds the most entries; among equals, the one whose oldest entry is older."""
    counts = collections.Counter(students)
    most = max(counts.values())
    return next(index for index, student in enumerate(students) if counts[student] == most)


class MemoryBoardStore:
    """Boards in this process's memory, shared by its sessions; a lock makes sends atomic."""

    def __init__(self, max_entries: int = MAX_ENTRIES, ttl: int = DEFAULT_TTL):
        self.max_entries, self.ttl = max_entries, ttl
        self._lock = threading.Lock()
        self._entries: dict[str, collections.OrderedDict] = collections.defaultdict(collections.OrderedDict)
        self._held: dict[str, collections.OrderedDict] = collections.defaultdict(collections.OrderedDict)
        self._holding: dict[str, bool] = collections.defaultdict(bool)
        self._dropped: dict[str, int] = collections.defaultdict(int)
        self._refused: dict[str, int] = collections.defaultdict(int)
        self._versions: dict[str, int] = collections.defaultdict(int)
        self._codes: set[str] = set()
        self._secrets: dict[str, str] = {}
        self._sends: dict[tuple[str, str], tuple[int, float]] = {}  # (board, student) -> (count, last)
        self._misses: dict[str, tuple[int, float]] = {}  # student -> (wrong codes, time of the last)

    def _expire(self, board: str) -> None:
        # Under the lock: what is older than the time to live is forgotten.
        oldest = time.time() - self.ttl
        for kept in (self._entries[board], self._held[board]):
            for entry_id in [i for i, e in kept.items() if e.sent_at < oldest]:
                del kept[entry_id]
                self._versions[board] += 1

    def add(self, board: str, entry: Entry) -> str:
        """Keep a sent digit: "shown" on the board, or "held" for the teacher's approval."""
        with self._lock:
            if self._holding[board]:
                self._held[board][entry.id] = entry
                self._versions[board] += 1
                return "held"
            self._put(board, entry)
            return "shown"

    def _put(self, board: str, entry: Entry) -> None:
        entries = self._entries[board]
        entries[entry.id] = entry
        while len(entries) > self.max_entries:
            kept = list(entries.values())
            del entries[kept[fair_victim([e.student for e in kept])].id]
            self._dropped[board] += 1
        self._versions[board] += 1

    def sends(self, board: str, student: str) -> tuple[int, float]:
        """(how many digits `student` sent to `board`, when the last one was sent)."""
        with self._lock:
            return self._sends.get((board, student), (0, 0.0))

    def take_send(self, board: str, student: str, now: float | None = None) -> tuple[float, bool]:
        """Count a send of `student` to `board` if the limits allow it, atomically: (0, False)
        when counted, else (seconds to wait, whether they have sent their last)."""
        now = time.time() if now is None else now
        with self._lock:
            count, last = self._sends.get((board, student), (0, 0.0))
            wait, spent = send_wait(count, last, now)
            if wait == 0 and not spent:
                self._sends[(board, student)] = (count + 1, now)
            return wait, spent

    def code_misses(self, student: str, now: float | None = None) -> tuple[int, float]:
        """(wrong teacher codes `student` typed, time of the last), forgotten CODE_LOCKOUT s after the last."""
        now = time.time() if now is None else now
        with self._lock:
            count, last = self._misses.get(student, (0, 0.0))
            return (count, last) if now - last < CODE_LOCKOUT else (0, 0.0)

    def add_code_miss(self, student: str, now: float | None = None) -> int:
        """Count a wrong teacher code of `student`; returns their count."""
        now = time.time() if now is None else now
        with self._lock:  # read and count at once: two tabs' misses both count
            count, last = self._misses.get(student, (0, 0.0))
            count = count + 1 if now - last < CODE_LOCKOUT else 1
            self._misses[student] = (count, now)
            return count

    def entries(self, board: str) -> list[Entry]:
        with self._lock:
            self._expire(board)
            return list(self._entries[board].values())

    def held(self, board: str) -> list[Entry]:
        with self._lock:
            self._expire(board)
            return list(self._held[board].values())

    def approve(self, board: str, entry_id: str) -> bool:
        with self._lock:
            entry = self._held[board].pop(entry_id, None)
            if entry is not None:
                self._put(board, entry)
            return entry is not None

    def set_holding(self, board: str, on: bool) -> None:
        with self._lock:
            self._holding[board] = bool(on)
            self._versions[board] += 1

    def holding(self, board: str) -> bool:
        with self._lock:
            return self._holding[board]

    def count_refused(self, board: str) -> None:
        """A send the app refused (too soon, too many): the teacher's board counts them."""
        with self._lock:
            self._refused[board] += 1

    def refused(self, board: str) -> int:
        with self._lock:
            return self._refused[board]

    def remove(self, board: str, entry_id: str) -> None:
        with self._lock:
            found = self._entries[board].pop(entry_id, None) or self._held[board].pop(entry_id, None)
            if found is not None:
                self._versions[board] += 1

    def clear(self, board: str) -> None:
        with self._lock:
            self._entries[board].clear()
            self._held[board].clear()
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


def open_store(url: str | None = None, ttl: int | None = None):
    """The board store for this server: Redis when `url` (VAE_BOARD_URL) is set, else memory;
    digits are kept `ttl` seconds at most (default: VAE_BOARD_TTL, or 24 h)."""
    ttl = ttl_from_env() if ttl is None else ttl
    if url:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"VAE_BOARD_URL must be a redis:// address, not {url!r}.")
        from vae.classroom.board_redis import RedisBoardStore  # the redis client is imported only for a school

        return RedisBoardStore(url, ttl=ttl)
    return MemoryBoardStore(ttl=ttl)
