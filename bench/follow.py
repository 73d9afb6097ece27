"""Follow the teacher under a whole class (issue 35), run by `python -m bench.load --follow`.

    python -m bench.load --follow [--sessions 30] [--seconds 20] [--processes 2 --proxy nginx]

The teacher is a protocol session (bench.load.Session: the app's websocket, no browser) that
types the teacher code on the board view, switches "Lead the class" on and opens "Explore one
model". Then, for `--seconds`, it posts its pointer to vae/follow/lead 15 times a second (as its
page's script does) and clicks a test digit every 2 s. Each student is a protocol session on the
explore page with the page's event stream open (what explorer/map/follow.js opens): at each
"state" it sends the follow component's "apply", as the page does, and its run's heading must be
the teacher's.

Reports, from one clock in this process:
- the teacher's click (sent) to each student's page showing the same heading (its run done);
- the pointer: posts that reached each student per second, and post to arrival;
- the server's CPU per student while following (its processes' CPU time over the phase), beside
  the floor of the other design, a polling fragment: the same number of sessions on a page of
  one fragment that reruns 10 times a second (the least such a fragment costs; a real one would
  also read the channel and redraw the cursor).
"""

from __future__ import annotations

import http.client
import json
import queue
import socket
import threading
import time
import urllib.parse
import urllib.request

import psutil

from bench.common import summary, table

CODE = "bench"
POINTER_HZ = 15  # as explorer/map/follow.js posts (POINTER_MS)
CLICK_EVERY = 2.0
POLL_HZ = 10
WARM_UP = 7
# The digits the teacher clicks: test images by number, each a different heading.
DIGITS = (3, 14, 159, 265, 358, 979, 323, 846, 264, 338, 327, 950, 288, 419, 716, 939, 937, 510, 582, 97)


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        times = psutil.Process(pid).cpu_times()
        total += times.user + times.system
    return total


class EventStream:
    """A page's event stream (vae/follow/events), read line by line in a thread of its own."""

    def __init__(self, base_url: str, headers: dict, on_event) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.connection.request("GET", "/vae/follow/events?board=&following=1", headers=headers)
        self.response = self.connection.getresponse()
        if self.response.status != 200:
            raise RuntimeError(f"event stream: HTTP {self.response.status}")
        self.on_event, self.closed = on_event, False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        kind = "message"
        try:
            while not self.closed:
                line = self.response.fp.readline()
                if not line:
                    return
                text = line.decode().rstrip("\n")
                if text.startswith("event: "):
                    kind = text[7:]
                elif text.startswith("data: "):
                    self.on_event(kind, json.loads(text[6:]), time.monotonic())
        except (OSError, ValueError):
            return

    def close(self) -> None:
        self.closed = True
        try:  # wakes the reading thread (a close alone waits for it)
            self.connection.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.thread.join(timeout=5)
        self.connection.close()


class Teacher:
    def __init__(self, url: str) -> None:
        from bench.load import Session, trigger

        self.url = url
        self.session = Session(url, query="view=board")
        self.session.open()
        self.session.run([trigger(self.session.elements["Teacher code"].id, string_value=CODE)])
        self.session.run([trigger(self.session.elements["Lead the class"].id, bool_value=True)])
        self.session.run([trigger(self.session.elements["View"].id, string_value="Explore one model")])
        self.session.open()  # the explore page's second step, as its map asks
        board, role, _, token = json.loads(self.session.element("vae_follow").json)
        if role != "leader":
            raise RuntimeError(f"the teacher's page does not lead ({role})")
        self.board, self.token = board, token
        self.map = "mnist-vae"

    def post(self, message: dict) -> None:
        body = json.dumps({**message, "board": self.board, "token": self.token}).encode()
        request = urllib.request.Request(
            self.url + "/vae/follow/lead",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", **self.session.headers},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def click_digit(self, index: int) -> str:
        """Choose test digit `index` as a click on it does; returns the heading the page shows."""
        # The digit's own coordinates, from the bundled model's encodings of the test set. At one
        # pixel per unit the click snaps to the nearest digit: the digit itself.
        z = self._means()[index]
        click = {"x": float(z[0]), "y": float(z[1]), "scale": 1.0, "hidden": [], "t": time.time()}
        self.session.component_event("vae_map_layer", "click", click)
        return next(h for h in self.session.headings if h.startswith(("Test #", "Decoded")))

    @staticmethod
    def _means():
        if not hasattr(Teacher, "means"):
            import vae
            from vae.data.sources import bundled_test_set

            Teacher.means = vae.load_model().encode(bundled_test_set().x_test)[0]
        return Teacher.means


class Student:
    def __init__(self, url: str, record: dict, sent: dict) -> None:
        from bench.load import Session

        self.session = Session(url)
        self.session.open()
        self.record, self.sent = record, sent
        self.states: queue.Queue = queue.Queue()
        self.stream = EventStream(url, self.session.headers, self.heard)
        self.applier = threading.Thread(target=self.apply_states, daemon=True)
        self.applier.start()

    def heard(self, kind: str, data: dict, at: float) -> None:
        if kind == "pointer" and data.get("x") is not None:
            sent = self.sent.get(int(data["x"]))
            if sent is not None:
                self.record["pointer_ms"].append((at - sent) * 1000)
                self.record["pointer_at"].append(at)
        elif kind == "state":
            self.states.put(data["v"])

    def apply_states(self) -> None:
        while True:
            version = self.states.get()
            if version is None:
                return
            while not self.states.empty():  # a page takes the newest state only
                version = self.states.get_nowait() or version
            try:
                self.session.component_event("vae_follow", "apply", version)
                heading = next((h for h in self.session.headings if h.startswith(("Test #", "Decoded"))), None)
                self.record["shown"].append((time.monotonic(), heading))
            except Exception as error:  # counted and reported
                self.record["errors"].append(repr(error))

    def close(self) -> None:
        self.states.put(None)
        self.applier.join(timeout=30)
        self.stream.close()
        self.session.close()


def follow(urls: list[str], pids: list[int], sessions: int, seconds: float) -> dict:
    """The class follows the teacher for `seconds`; returns what was measured."""
    teacher = Teacher(urls[0])
    # A server that has shown a test digit before, as one in a class has (its first digit of the
    # day imports and fills caches once): the teacher's first click, before the students come.
    teacher.click_digit(WARM_UP)
    sent: dict[int, float] = {}
    records = [{"pointer_ms": [], "pointer_at": [], "shown": [], "errors": []} for _ in range(sessions)]
    students = [Student(urls[n % len(urls)], records[n], sent) for n in range(sessions)]
    time.sleep(2.0)  # every stream open, every page settled
    print(f"{sessions} students follow from now, for {seconds:.0f} s", flush=True)
    clicks, errors = [], []
    cpu_before, started = cpu_seconds(pids), time.monotonic()
    done = threading.Event()
    posted = [0]

    def point() -> None:  # the teacher's hand, beside its clicks, as in the page
        while not done.is_set():
            posted[0] += 1
            sent[posted[0]] = begun = time.monotonic()
            try:
                teacher.post({"type": "pointer", "map": teacher.map, "x": posted[0], "y": 0.0})
            except OSError as error:
                errors.append(repr(error))
            time.sleep(max(0.0, 1 / POINTER_HZ - (time.monotonic() - begun)))

    pointer = threading.Thread(target=point, daemon=True)
    pointer.start()
    for digit in DIGITS:
        if time.monotonic() - started >= seconds:
            break
        begun = time.monotonic()
        clicks.append((begun, teacher.click_digit(digit)))
        time.sleep(max(0.0, CLICK_EVERY - (time.monotonic() - begun)))
    done.set()
    pointer.join(timeout=10)
    sequence = posted[0]
    elapsed = time.monotonic() - started
    time.sleep(2.0)  # the last click's runs
    cpu = cpu_seconds(pids) - cpu_before
    for student in students:
        student.close()
    teacher.session.close()
    reached = []
    for clicked_at, heading in clicks:
        for record in records:
            shown = next((at for at, h in record["shown"] if h == heading and at >= clicked_at), None)
            reached.append(None if shown is None else (shown - clicked_at) * 1000)
    rates = [len(r["pointer_at"]) / elapsed for r in records]
    return {
        "click_ms": [ms for ms in reached if ms is not None],
        "missed": sum(ms is None for ms in reached),
        "pointer_ms": [ms for r in records for ms in r["pointer_ms"]],
        "rates": rates,
        "posted": sequence,
        "cpu_per_student": cpu / elapsed / sessions,
        "errors": errors + [e for r in records for e in r["errors"]],
        "seconds": elapsed,
    }


POLL_PAGE = """import streamlit as st

@st.fragment
def poll():
    st.caption(st.session_state.get("seen", ""))

poll()
"""


def polling_floor(sessions: int, seconds: float) -> float:
    """CPU seconds per second per session of the polling design's floor: each session reruns a
    one-line fragment POLL_HZ times a second on a server of that page alone."""
    import tempfile
    from pathlib import Path

    from bench.load import Session
    from tests.browser import free_port, start_server, wait_http

    folder = Path(tempfile.mkdtemp(prefix="vae-poll-"))
    (folder / "app.py").write_text(POLL_PAGE)
    port = free_port()
    server = start_server(port, {}, script=folder / "app.py")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url, server)
        pages = []
        for _ in range(sessions):
            page = Session(url)
            page.run()
            fragment = next(iter({f for f in page.fragment_of.values() if f}), "")
            pages.append((page, fragment))
        stop = threading.Event()

        def poll(page, fragment) -> None:
            while not stop.is_set():
                begun = time.monotonic()
                page.run(fragment_id=fragment)
                time.sleep(max(0.0, 1 / POLL_HZ - (time.monotonic() - begun)))

        threads = [threading.Thread(target=poll, args=pair, daemon=True) for pair in pages]
        before, started = cpu_seconds([server.pid]), time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        cpu = cpu_seconds([server.pid]) - before
        elapsed = time.monotonic() - started
        for page, _ in pages:
            page.close()
        return cpu / elapsed / sessions
    finally:
        server.terminate()
        server.wait(timeout=20)


def report(result: dict, sessions: int, processes: int, proxy: str | None, floor: float | None) -> None:
    where = f"{processes} app process(es)" + (f" behind {proxy}" if proxy else "")
    print(f"\n{sessions} students following the teacher for {result['seconds']:.0f} s, {where}")
    rows = []
    for name, values in (
        ("the teacher's click to each student's page showing it (ms)", result["click_ms"]),
        ("the teacher's pointer, post to each student's page (ms)", result["pointer_ms"]),
    ):
        stats = summary(values) if values else {"median": 0, "p95": 0, "max": 0, "n": 0}
        rows.append((name, f"{stats['median']:.0f}", f"{stats['p95']:.0f}", f"{stats['max']:.0f}", stats["n"]))
    print(table(rows, ("measure", "median", "p95", "max", "n")))
    rates = summary(result["rates"])
    print(
        f"pointer updates reaching each student: median {rates['median']:.1f}/s, lowest {min(result['rates']):.1f}/s "
        f"(the teacher posted {result['posted'] / result['seconds']:.1f}/s)"
    )
    print(f"clicks a student's page never showed: {result['missed']}")
    print(f"server CPU per following student: {result['cpu_per_student'] * 1000:.1f} ms per second")
    if floor is not None:
        print(
            f"a polling fragment's floor ({POLL_HZ} reruns a second of a one-line fragment, {sessions} sessions): "
            f"{floor * 1000:.1f} ms per second per student ({floor / max(result['cpu_per_student'], 1e-9):.1f}× this design)"
        )
    print(f"errors: {len(result['errors'])}" + (f" e.g. {result['errors'][:3]}" if result["errors"] else ""))
