"""The follow channel's two addresses, served by each app process beside Streamlit (app.py).

    GET  vae/follow/events?board=K7Q2P&following=1   the board's news, as server-sent events
    POST vae/follow/lead                             what a leading teacher's hand does

A student's page keeps one event stream open (explorer/map/follow.js). It learns there that the
teacher's page has a new state (and reruns once to take it), and receives the teacher's pointer,
zoom and scrubber, which it applies in the page: a pointer's move costs the server one message
per student, never a run of a student's page. Streamlit's own websocket carries only runs, so
these two addresses are served beside it (Streamlit's `st.App`): the stream by a middleware of
its own (`EventStreams`), the posts by a Starlette route.

The teacher's page posts its pointer (at most 15 times a second), its zoom, its scrubber and a
beat every 2 s, each with its lead token (vae/classroom/follow.py); a post without a valid token
is refused (403). Server-sent events, not a websocket: one direction is all a student needs, the
browser reconnects by itself, and nginx passes them as any response (unbuffered, by the
`X-Accel-Buffering` header).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import secrets
import signal
import threading
import time
import urllib.parse

from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from vae.classroom.board import clean_code, open_store
from vae.classroom.follow import MAX_MESSAGE, lead_token, open_follow, token_valid

EVENTS = "/vae/follow/events"
LEAD = "/vae/follow/lead"
TOUCH_EVERY = 3.0  # seconds between a following stream's touches (the teacher's count)
KEEPALIVE = 15.0  # seconds of silence before a comment line (proxies close idle streams)
QUEUE = 256  # messages a slow page may fall behind before the oldest pointer moves are dropped

_lock = threading.Lock()
_made: dict[str, object] = {}


def channel():
    """This process's follow channel (memory, or Redis with VAE_BOARD_URL)."""
    with _lock:
        if "channel" not in _made:
            _made["channel"] = open_follow(os.environ.get("VAE_BOARD_URL"))
        return _made["channel"]


def lead_key() -> str:
    """The key that signs lead tokens: the same in every process of a school (the board store's)."""
    with _lock:
        if "key" not in _made:
            store = open_store(os.environ.get("VAE_BOARD_URL"))
            _made["key"] = store.shared_secret("lead_key", lambda: secrets.token_hex(16))
        return _made["key"]


def new_token(board: str) -> str:
    return lead_token(lead_key(), board)


def _board(value: str | None) -> str | None:
    """A board's code ("" is the server's default board), or None when it is not one."""
    value = (value or "").strip()
    code = clean_code(value)
    return code if code or not value else None


def event(kind: str, data: dict) -> str:
    return f"event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def stream(board: str, following: bool):
    """The board's news for one page, as server-sent events (an async generator of text)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE)
    name = secrets.token_hex(8)

    def put(message: dict) -> None:
        if queue.full():  # a page that cannot keep up loses old news, never the newest
            queue.get_nowait()
        queue.put_nowait(message)

    def listener(on: str, message: dict) -> None:
        if on in (board, "*"):
            loop.call_soon_threadsafe(put, message)

    follow = channel()
    follow.listen(listener)

    async def ask(method, *args):
        """A call to the channel, None when Redis is away (the stream says so)."""
        try:
            return await run_in_threadpool(method, *args)
        except Exception:
            return None

    async def body():
        try:
            latest = await ask(follow.latest, board)
            leading = bool(await ask(follow.leading, board))
            yield event(
                "hello",
                {
                    "leading": leading,
                    "v": latest["v"] if latest else 0,
                    "zoom": (latest or {}).get("zoom"),
                    "connected": follow.connected,
                },
            )
            touched = checked = 0.0
            said = time.monotonic()
            grace = time.monotonic() + 3.0
            while not shutting_down():
                try:
                    message = await asyncio.wait_for(queue.get(), timeout=1.0)
                except TimeoutError:
                    message = None
                now = time.monotonic()
                if message is not None:
                    kind = message.get("type", "message")
                    if kind == "back":
                        grace = now + 3.0  # the teacher's next beat is on its way
                        latest = await ask(follow.latest, board)
                        message = {**message, "v": latest["v"] if latest else 0}
                    elif kind == "stop":
                        leading = False
                    elif kind in ("state", "pointer", "zoom", "scrub", "recall"):
                        leading = True
                    yield event(kind, message)
                    said = now
                if following and now - touched > TOUCH_EVERY:
                    touched = now
                    await ask(follow.touch_follower, board, name)
                if leading and now - checked > 1.0 and now > grace and follow.connected:
                    checked = now
                    if await ask(follow.leading, board) is False:
                        leading = False
                        yield event("gone", {})
                        said = now
                if now - said > KEEPALIVE:
                    said = now
                    yield ": still here\n\n"
        finally:
            follow.unlisten(listener)
            if following:
                await ask(follow.drop_follower, board, name)

    return body()


def shutting_down() -> bool:
    """Whether the server is stopping. Uvicorn waits for every open response before it stops,
    and an event stream never ends by itself: each one ends within a second of this. Uvicorn
    says it only to its own signal handler (a bound method of its server), read here."""
    server = getattr(signal.getsignal(signal.SIGTERM), "__self__", None)
    return bool(getattr(server, "should_exit", False))


class EventStreams:
    """ASGI middleware that serves EVENTS itself, ahead of Streamlit's own middleware.

    A stream sends each student a message per move of the teacher's pointer: through Starlette's
    response and Streamlit's session and compression layers, each message took a fifth of the
    server's time while thirty students followed (py-spy); sent here, it is one `send`. Every
    other request goes on to Streamlit unchanged."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not scope["path"].endswith(EVENTS) or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        query = urllib.parse.parse_qs(scope.get("query_string", b"").decode())
        board = _board((query.get("board") or [""])[0])
        if board is None:
            await send({"type": "http.response.start", "status": 400, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"not a board's code"})
            return
        headers = [
            (b"content-type", b"text/event-stream; charset=utf-8"),
            (b"cache-control", b"no-cache"),
            (b"x-accel-buffering", b"no"),  # nginx passes each event at once
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        closed = asyncio.Event()

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            closed.set()

        watcher = asyncio.create_task(watch())
        events = stream(board, (query.get("following") or [""])[0] == "1")
        try:
            async for text in events:
                if closed.is_set():
                    break
                await send({"type": "http.response.body", "body": text.encode(), "more_body": True})
        except OSError:  # the page went away mid-send
            pass
        finally:
            watcher.cancel()
            await events.aclose()


def _number(value, limit: float = 1e6) -> float:
    number = float(value)
    if not math.isfinite(number) or abs(number) > limit:
        raise ValueError
    return number


def clean_lead_message(body: dict) -> dict:
    """What a teacher's page may say, range-checked; raises ValueError otherwise."""
    kind = body.get("type")
    where = str(body.get("map", ""))[:200]  # the map's model and view: students apply it on the same map only
    if kind == "pointer":
        if body.get("x") is None:  # the pointer left the map
            return {"type": "pointer", "map": where, "x": None, "y": None}
        return {"type": "pointer", "map": where, "x": _number(body["x"]), "y": _number(body["y"])}
    if kind == "zoom":
        x, y = body["x"], body["y"]
        if not (isinstance(x, list) and isinstance(y, list) and len(x) == 2 and len(y) == 2):
            raise ValueError
        return {"type": "zoom", "map": where, "x": [_number(v) for v in x], "y": [_number(v) for v in y]}
    if kind == "scrub":
        fraction = body.get("f")
        return {"type": "scrub", "map": where, "f": None if fraction is None else min(1.0, max(0.0, _number(fraction)))}
    if kind in ("beat", "recall"):
        return {"type": kind}
    raise ValueError


async def lead(request: Request) -> Response:
    raw = await request.body()
    if len(raw) > MAX_MESSAGE:
        return JSONResponse({"error": "too large"}, status_code=413)
    try:
        body = json.loads(raw)
        board = _board(body.get("board"))
        message = clean_lead_message(body)
    except (ValueError, TypeError, KeyError, AttributeError):
        return JSONResponse({"error": "not a lead message"}, status_code=400)
    if board is None or not token_valid(lead_key(), board, body.get("token")):
        return JSONResponse({"error": "only the teacher's page leads"}, status_code=403)
    follow = channel()
    try:
        if await run_in_threadpool(follow.revoked, board, body["token"]):
            return JSONResponse({"error": "this page no longer leads"}, status_code=403)
        if message["type"] == "beat":
            await run_in_threadpool(follow.beat, board)
        else:
            await run_in_threadpool(follow.send, board, message)
    except Exception as error:  # Redis away: the page tries again with its next move
        return JSONResponse({"error": f"the class's channel is away ({type(error).__name__})"}, status_code=503)
    return Response(status_code=204)


ROUTES = [Route(LEAD, lead, methods=["POST"])]
MIDDLEWARE = [Middleware(EventStreams)]
