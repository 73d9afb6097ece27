"""The class board in Redis, for several app processes behind a proxy (VAE_BOARD_URL).

The same interface as `vae.classroom.board.MemoryBoardStore`; each send is one atomic Lua script, and
every key of a board expires `ttl` seconds after the board last changed.
"""

from __future__ import annotations

import json
import time

from vae.classroom.board import CODE_LOCKOUT, DEFAULT_TTL, MAX_ENTRIES, MAX_SENDS, SEND_INTERVAL, Entry, new_code

# Lua, run atomically by Redis: the append-and-trim that a send and an approval share. A full
# board drops the oldest entry of the student who holds the most (vae.classroom.board.fair_victim).
APPEND = """
-- Append ARGV[1] to the list KEYS[1], keep at most ARGV[2], count the dropped in KEYS[2].
local function append(list, dropped, entry, most)
  local n = redis.call('RPUSH', list, entry)
  while n > tonumber(most) do
    local all = redis.call('LRANGE', list, 0, -1)
    local students, counts, top = {}, {}, 0
    for i, raw in ipairs(all) do
      local student = cjson.decode(raw)['student'] or ''
      students[i] = student
      counts[student] = (counts[student] or 0) + 1
      if counts[student] > top then top = counts[student] end
    end
    for i, student in ipairs(students) do
      if counts[student] == top then
        redis.call('LSET', list, i - 1, '__dropped__')
        redis.call('LREM', list, 1, '__dropped__')
        break
      end
    end
    redis.call('INCR', dropped)
    n = n - 1
  end
end
"""

# Check a student's sends to a board against the limits and count this one, atomically:
# returns {wait in ms, spent (0/1)}, {0, 0} when the send was counted.
TAKE_SEND = """
local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
local now, interval, most = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if count >= most then return {0, 1} end
if count > 0 and now - last < interval then return {math.min(interval * 1000, math.ceil((interval - (now - last)) * 1000)), 0} end
redis.call('HSET', KEYS[1], 'count', count + 1, 'last', ARGV[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return {0, 0}
"""


class RedisBoardStore:
    """Boards in Redis, shared by several app processes; each send is one atomic transaction.

    Every key of a board expires `ttl` seconds after the board last changed, so a school's
    store does not keep children's drawings and names for ever.
    """

    PARTS = ("entries", "held", "holding", "dropped", "refused", "version")

    def __init__(self, url: str, max_entries: int = MAX_ENTRIES, prefix: str = "vae-board", ttl: int = DEFAULT_TTL):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.max_entries, self.prefix, self.ttl = max_entries, prefix, ttl

    def _key(self, board: str, part: str) -> str:
        return f"{self.prefix}:{board or '_'}:{part}"

    def _keys(self, board: str) -> list[str]:
        return [self._key(board, part) for part in self.PARTS]

    def add(self, board: str, entry: Entry) -> str:
        """Keep a sent digit: "shown" on the board, or "held" for the teacher's approval."""
        # A Lua script runs atomically in Redis: hold it, or append, trim the oldest and count
        # what was dropped; then every key of the board lives `ttl` seconds more.
        where = self.client.eval(
            APPEND
            + """
            local result = 'shown'
            if redis.call('GET', KEYS[3]) == '1' then
              redis.call('RPUSH', KEYS[2], ARGV[1])
              result = 'held'
            else
              append(KEYS[1], KEYS[4], ARGV[1], ARGV[2])
            end
            redis.call('INCR', KEYS[6])
            for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], tonumber(ARGV[3])) end
            return result""",
            len(self.PARTS),
            *self._keys(board),
            entry.to_json(),
            self.max_entries,
            self.ttl,
        )
        return where.decode() if isinstance(where, bytes) else str(where)

    def _touch(self, pipe, board: str) -> None:
        pipe.incr(self._key(board, "version"))
        for key in self._keys(board):
            pipe.expire(key, self.ttl)

    def entries(self, board: str) -> list[Entry]:
        return [Entry.from_json(raw) for raw in self.client.lrange(self._key(board, "entries"), 0, -1)]

    def held(self, board: str) -> list[Entry]:
        return [Entry.from_json(raw) for raw in self.client.lrange(self._key(board, "held"), 0, -1)]

    def approve(self, board: str, entry_id: str) -> bool:
        for raw in self.client.lrange(self._key(board, "held"), 0, -1):
            if json.loads(raw)["id"] == entry_id:
                if not self.client.lrem(self._key(board, "held"), 1, raw):
                    return False  # another process approved or removed it first
                self.client.eval(
                    APPEND + "append(KEYS[1], KEYS[2], ARGV[1], ARGV[2])",
                    2,
                    self._key(board, "entries"),
                    self._key(board, "dropped"),
                    raw,
                    self.max_entries,
                )
                with self.client.pipeline() as pipe:
                    self._touch(pipe, board)
                    pipe.execute()
                return True
        return False

    def set_holding(self, board: str, on: bool) -> None:
        with self.client.pipeline() as pipe:
            pipe.set(self._key(board, "holding"), "1" if on else "0")
            self._touch(pipe, board)
            pipe.execute()

    def holding(self, board: str) -> bool:
        return self.client.get(self._key(board, "holding")) == b"1"

    def count_refused(self, board: str) -> None:
        with self.client.pipeline() as pipe:
            pipe.incr(self._key(board, "refused"))
            pipe.expire(self._key(board, "refused"), self.ttl)
            pipe.execute()

    def refused(self, board: str) -> int:
        return int(self.client.get(self._key(board, "refused")) or 0)

    def remove(self, board: str, entry_id: str) -> None:
        for part in ("entries", "held"):
            for raw in self.client.lrange(self._key(board, part), 0, -1):
                if json.loads(raw)["id"] == entry_id:
                    with self.client.pipeline() as pipe:
                        pipe.lrem(self._key(board, part), 1, raw)
                        self._touch(pipe, board)
                        pipe.execute()
                    return

    def clear(self, board: str) -> None:
        with self.client.pipeline() as pipe:
            pipe.delete(self._key(board, "entries"), self._key(board, "held"), self._key(board, "dropped"))
            self._touch(pipe, board)
            pipe.execute()

    def dropped(self, board: str) -> int:
        return int(self.client.get(self._key(board, "dropped")) or 0)

    def version(self, board: str) -> int:
        return int(self.client.get(self._key(board, "version")) or 0)

    def _sends_key(self, board: str, student: str) -> str:
        return f"{self.prefix}:{board or '_'}:sends:{student}"

    def sends(self, board: str, student: str) -> tuple[int, float]:
        """(how many digits `student` sent to `board`, when the last one was sent)."""
        values = self.client.hmget(self._sends_key(board, student), "count", "last")
        return int(values[0] or 0), float(values[1] or 0.0)

    def take_send(self, board: str, student: str, now: float | None = None) -> tuple[float, bool]:
        """Count a send of `student` to `board` if the limits allow it, atomically: (0, False)
        when counted, else (seconds to wait, whether they have sent their last)."""
        now = time.time() if now is None else now
        wait_ms, spent = self.client.eval(
            TAKE_SEND, 1, self._sends_key(board, student), repr(now), SEND_INTERVAL, MAX_SENDS, self.ttl
        )
        return int(wait_ms) / 1000, bool(spent)

    def _misses_key(self, student: str) -> str:
        return f"{self.prefix}:code-misses:{student}"

    def code_misses(self, student: str, now: float | None = None) -> tuple[int, float]:
        """(wrong teacher codes `student` typed, time of the last), forgotten CODE_LOCKOUT s after the last."""
        values = self.client.hmget(self._misses_key(student), "count", "last")
        return int(values[0] or 0), float(values[1] or 0.0)

    def add_code_miss(self, student: str, now: float | None = None) -> int:
        """Count a wrong teacher code of `student`; returns their count."""
        now = time.time() if now is None else now
        with self.client.pipeline() as pipe:  # MULTI/EXEC: atomic
            pipe.hincrby(self._misses_key(student), "count", 1)
            pipe.hset(self._misses_key(student), "last", repr(now))
            pipe.expire(self._misses_key(student), max(1, round(CODE_LOCKOUT)))
            count, *_ = pipe.execute()
        return int(count)

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
