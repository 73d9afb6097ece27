"""The class board in Redis, for several app processes behind a proxy (VAE_BOARD_URL).

The same interface as `vae.board.MemoryBoardStore`; each send is one atomic Lua script, and
every key of a board expires `ttl` seconds after the board last changed.
"""

from __future__ import annotations

import json

from vae.board import DEFAULT_TTL, MAX_ENTRIES, Entry, new_code

# Lua, run atomically by Redis: the append-and-trim that a send and an approval share.
APPEND = """
-- Append ARGV[1] to the list KEYS[1], keep its newest ARGV[2], count the dropped in KEYS[2].
local function append(list, dropped, entry, most)
  local n = redis.call('RPUSH', list, entry)
  local over = n - tonumber(most)
  if over > 0 then
    redis.call('LTRIM', list, over, -1)
    redis.call('INCRBY', dropped, over)
  end
end
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
