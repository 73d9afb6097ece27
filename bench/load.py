"""The classroom: many students on one server, sending to the class board while the teacher's
board polls it.

    python -m bench.load [--sessions 30] [--seconds 60] [--training] [--trainers 8] [--processes 2] [--proxy nginx]
    python -m bench.load --proxy nginx --processes 2 --workers 2 --trainers 8 --small-trainings

Each simulated student is a real Streamlit session over the app's websocket (the protocol
the browser speaks, without a browser's rendering cost, so the 2 cores measure the server).
Every 1-3 s a student clicks the map (empty space or a digit), adds a test digit to a path,
or draws a digit and sends it to the class board (the canvas event, then the button). The
teacher's session shows the board (`?view=board`) and reruns its live fragment every second,
as the browser does. With `--training`, student 0 first presses "Train" (15 epochs on
60,000 images). With `--trainers 8`, the first 8 students each press Train with their own
seed (one trains, the others wait in line) and watch their page; the report adds the other
students' clicks meanwhile (issue 19: within 1 s). With `--processes 2`, two app processes share one Redis board
(VAE_BOARD_URL), students split between them, the teacher on the first. Through the proxy,
the school's training workers (`--workers`, deploy/worker.py) train what is pressed: the app
processes train nothing. With `--small-trainings`, each trainer trains 1 epoch on 1,000 images
and watches until the page shows its model; the report says how many trainings ran at once
on this machine and how many students got their own model.

Reports per-action latency (request to the run's end and its images fetched), the teacher's
poll latency, errors, whether each session kept its state, whether the board holds exactly
the digits sent (nothing lost, nothing doubled), the server's memory, and the memory of one
board entry.
"""

from __future__ import annotations

import argparse
import base64
import functools
import io
import json
import os
import re
import shutil
import subprocess
import threading
import time
import tracemalloc
import urllib.request
import warnings

import numpy as np
from PIL import Image, ImageDraw
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.state.session_state import STREAMLIT_INTERNAL_KEY_PREFIX
from websockets.sync.client import connect

from bench.common import conditions, memory_mb, summary, table
from tests.browser import ROOT, free_port, start_server, wait_http

DATA_DIR = ROOT.parent / "shared" / "data" / "mnist"
# The sync websocket client prefers a `with` block; a session object holds it open instead.
warnings.filterwarnings("ignore", category=DeprecationWarning, module=__name__)


class Session:
    """One browser tab's worth of protocol: runs the script, sends widget events."""

    def __init__(self, base_url: str, query: str = ""):
        self.base_url, self.query = base_url, query
        # The page first, as a browser loads it: behind nginx (deploy/), its answer sets the
        # sticky route cookie that sends this tab's websocket and pictures to one process.
        with urllib.request.urlopen(base_url + "/", timeout=60) as response:
            cookie = response.headers.get("Set-Cookie", "")
            response.read()
        cookies = [cookie.split(";")[0]] if cookie else []
        # Then, as the page's script does, the health check, whose answer sets the browser's XSRF
        # cookie: one per browser, and the name of its student for the board's limits (explorer/student.py).
        request = urllib.request.Request(base_url + "/_stcore/health", headers={"Cookie": "; ".join(cookies)})
        with urllib.request.urlopen(request, timeout=60) as response:
            cookies += [
                c.split(";")[0]
                for c in response.headers.get_all("Set-Cookie") or []
                if c.startswith("_streamlit_xsrf=")
            ]
        self.headers = {"Cookie": "; ".join(cookies)} if cookies else {}
        self.socket = connect(
            base_url.replace("http", "ws") + "/_stcore/stream",
            subprotocols=["streamlit"],
            max_size=None,
            open_timeout=60,
            additional_headers=self.headers,
        )
        self.elements: dict[str, object] = {}  # label, or a component's name -> element proto
        self.blocks: dict[str, str] = {}  # "tabs", or an expander's label -> its widget id
        self.tab = ""  # the panel tab open ("" until the first run: the first tab)
        self.fragment_of: dict[str, str] = {}
        self.markdown: list[str] = []
        self.headings: list[str] = []
        self.image_urls: list[str] = []

    def run(self, widgets=(), fragment_id: str = "", timeout: float = 300) -> float:
        """Send one rerun; wait for it to finish and fetch its images; returns milliseconds."""
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query
        for widget in widgets:
            state.widget_states.widgets.append(widget)
        if fragment_id:
            state.fragment_id = fragment_id
        start = time.perf_counter()
        self.socket.send(message.SerializeToString())
        self.headings, self.image_urls, self.markdown = [], [], []
        deadline = time.monotonic() + timeout
        while True:
            forward = ForwardMsg()
            forward.ParseFromString(self.socket.recv(timeout=max(1.0, deadline - time.monotonic())))
            kind = forward.WhichOneof("type")
            if kind == "delta":
                self._read_delta(forward.delta)
            elif kind == "script_finished":
                if forward.script_finished in (
                    ForwardMsg.FINISHED_SUCCESSFULLY,
                    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
                ):
                    break
                if forward.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise RuntimeError("script error")
        for url in self.image_urls:  # what a browser fetches before the user sees it
            with urllib.request.urlopen(
                urllib.request.Request(self.base_url + url, headers=self.headers), timeout=30
            ) as response:
                response.read()
        return (time.perf_counter() - start) * 1000

    def open(self) -> float:
        """The page as a browser opens it: the first run, then, on the explore page, the map's
        word that its points are drawn, which brings the rest (explorer/first_page.py)."""
        milliseconds = self.run()
        view = self.elements.get("vae_map_view")
        # The map's data: [key, points, spec, digest, whether it asks to be told, the views ahead]
        # (explorer/map_view.py's show).
        if view is not None and json.loads(view.json)[4] is True:
            milliseconds += self.component_event("vae_map_view", "drawn", True)
        return milliseconds

    def _read_delta(self, delta) -> None:
        if delta.WhichOneof("type") == "add_block":
            block = delta.add_block
            kind = block.WhichOneof("type")
            if kind == "tab_container" and block.id:
                self.blocks["tabs"] = block.id
                self.fragment_of["tabs"] = delta.fragment_id  # the explore page's panels are a fragment
            elif kind == "expandable" and block.id:
                self.blocks[block.expandable.label] = block.id
            elif kind == "tab" and not self.tab:
                self.tab = block.tab.label
            return
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            raise RuntimeError(f"app exception: {element.exception.message}")
        if kind == "heading":
            self.headings.append(element.heading.body)
        elif kind == "markdown":
            self.markdown.append(element.markdown.body)
        elif kind == "alert":
            self.markdown.append(element.alert.body)
        elif kind == "imgs":
            self.image_urls += [image.url for image in element.imgs.imgs if image.url.startswith("/")]
        elif kind in ("button", "bidi_component", "number_input", "text_input", "checkbox", "radio", "slider"):
            proto = getattr(element, kind)
            label = getattr(proto, "label", "") or proto.component_name.rsplit(".", 1)[-1]
            for stale in [k for k, e in self.elements.items() if e.id == proto.id and k != label]:
                del self.elements[stale]  # the same widget under its former label ("Sent ✓", "wait 3 s")
            self.elements[label] = proto
            self.fragment_of[label] = delta.fragment_id

    def element(self, label: str):
        return self.elements[label]

    def component_event(self, name: str, event: str, value) -> float:
        """A v2 component's event, as its JavaScript sends it (one trigger per instance)."""
        component = self.element(name)
        events_id = f"{STREAMLIT_INTERNAL_KEY_PREFIX}_{component.id}__events"
        payload = json.dumps([{"event": event, "value": value}])
        return self.run([trigger(events_id, json_trigger_value=payload)], fragment_id=self.fragment_of[name])

    def open_tab(self, label: str) -> float:
        """Click a panel tab, as a person does before using what is on it (0 if it is open)."""
        if label == self.tab:
            return 0.0
        self.tab = label
        return self.run(
            [trigger(self.blocks["tabs"], string_value=label)], fragment_id=self.fragment_of.get("tabs", "")
        )

    def open_expander(self, label: str) -> float:
        return self.run([trigger(self.blocks[label], bool_value=True)])

    def press(self, label: str, timeout: float = 300) -> float:
        return self.run(
            [trigger(self.element(label).id, trigger_value=True)], fragment_id=self.fragment_of[label], timeout=timeout
        )

    def close(self) -> None:
        self.socket.close()


def trigger(widget_id: str, **value):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    state = WidgetState(id=widget_id)
    for key, item in value.items():
        if hasattr(item, "CopyFrom"):  # a message (an array of values)
            getattr(state, key).CopyFrom(item)
        else:
            setattr(state, key, item)
    return state


def drawing(rng) -> str:
    """A drawn digit: a thick ring ('0') at a random place and size, as the canvas sends it."""
    canvas = Image.new("RGB", (280, 280), "white")
    left, top = rng.integers(30, 90, size=2)
    ImageDraw.Draw(canvas).ellipse([left, top, left + 120, top + 170], outline="black", width=18)
    buffer = io.BytesIO()
    canvas.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@functools.cache
def decoder_url() -> str:
    """The bundled VAE's decoder file, as the page names it (explorer/live_decoder.py)."""
    import vae
    from vae.model import web_decoder

    return "/app/static/decoders/" + web_decoder.file_name(web_decoder.decoder_file(vae.load_model()))


def fetch_decoder(session: Session) -> float:
    started = time.perf_counter()
    request = urllib.request.Request(session.base_url + decoder_url(), headers=session.headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
    return (time.perf_counter() - started) * 1000


def student(number: int, url: str, stop_at: float, results: dict, train: bool) -> None:
    rng = np.random.default_rng(number)
    record = results.setdefault(number, {"latencies": [], "errors": [], "kept": None, "actions": {}, "sent": 0})
    try:
        session = Session(url)
        session.open()
        # The page then fetches its model's decoder once (explorer/live_decoder.py); hovering
        # after that sends the server nothing (python -m bench.live counts the messages).
        record["decoder_ms"] = fetch_decoder(session)
        if train:
            started = time.perf_counter()
            session.open_expander("Train a new model")
            session.press("Train", timeout=600)
            record["training_started_ms"] = (time.perf_counter() - started) * 1000
        chosen = None  # the heading of what this student last chose (a click, a drawing)
        while time.monotonic() < stop_at:
            time.sleep(float(rng.uniform(1.0, 3.0)))
            action = str(rng.choice(["click", "click", "path", "send"]))
            if action == "click":
                x, y = (float(v) for v in rng.uniform(-2.5, 2.5, size=2))
                milliseconds = session.component_event(
                    "vae_map_layer", "click", {"x": x, "y": y, "scale": 1.0, "hidden": []}
                )
                chosen = session.headings[0] if session.headings else chosen
            elif action == "path":
                milliseconds = session.open_tab("Path") + session.press("Add this test digit")
            else:
                milliseconds = session.open_tab("Your digit")
                milliseconds += session.component_event("vae_drawing_canvas", "drawing", drawing(rng))
                chosen = next((h for h in session.headings if h.startswith("Your digit")), chosen)
                # Its label says how long to wait when this page sent less than 5 s ago.
                label = next(k for k in session.elements if k.startswith("Send to the class board"))
                milliseconds += session.press(label)
                refused = any(text.startswith("Not sent") for text in session.markdown)
                record["sent"] += 0 if refused else 1
                record["refused"] = record.get("refused", 0) + int(refused)
            record["latencies"].append(milliseconds)
            record.setdefault("order", []).append(action)
            record["actions"][action] = record["actions"].get(action, 0) + 1
        if chosen is not None:  # what was chosen last survived everything since
            session.run()
            record["kept"] = chosen in session.headings
        session.close()
    except Exception as error:  # every failure is counted and reported
        record["errors"].append(repr(error))


SMALL_TRAININGS = False  # --small-trainings
FINISH_WITHIN_S = (
    600.0  # with small trainings, each trainer watches its own until it ends (or this long after the class)
)


def trainer(number: int, url: str, stop_at: float, results: dict) -> None:
    """A student who presses Train with their own seed, then watches their page: its training
    panel reruns every second, as the browser asks, in line or training (issue 19's queue)."""
    record = results.setdefault(number, {"latencies": [], "errors": [], "kept": None, "actions": {}, "sent": 0})
    try:
        session = Session(url)
        session.open()
        session.open_expander("Train a new model")
        seed = trigger(session.element("Seed (same seed, same run)").id, int_value=number)
        small = []
        if SMALL_TRAININGS:  # 1 epoch on 1,000 images: eight of them end within a lesson's minutes
            from streamlit.proto.Common_pb2 import DoubleArray, StringArray

            small = [
                trigger(session.element("Epochs").id, double_array_value=DoubleArray(data=[1.0])),
                trigger(session.element("Training images").id, string_array_value=StringArray(data=["1000"])),
            ]
        started = time.perf_counter()
        session.run([*small, seed, trigger(session.element("Train").id, trigger_value=True)])
        record["train_pressed_ms"] = (time.perf_counter() - started) * 1000
        watching = next(
            (session.fragment_of[label] for label in ("Leave the line", "Cancel") if label in session.fragment_of), ""
        )
        record["place"] = next((m for m in session.markdown if "Waiting in line" in m), "training")
        until = stop_at + (FINISH_WITHIN_S if SMALL_TRAININGS else 0)
        while time.monotonic() < until and watching:
            time.sleep(1.0)
            record.setdefault("polls", []).append(session.run(fragment_id=watching))
            shown = next((m for m in session.markdown if "Now showing" in m), None)
            if shown is not None:  # the training ended and the page switched to its model
                record["model"] = re.search(r"Now showing \*\*([^*]+)\*\*", shown).group(1)
                record["trained_s"] = time.perf_counter() - started
                watching = ""
        for label in ("Leave the line", "Cancel"):  # the class ends: the line is left, the training cancelled
            if label in session.elements and "model" not in record:
                session.press(label)
                break
        session.close()
    except Exception as error:
        record["errors"].append(repr(error))


def teacher(url: str, students_done: threading.Event, record: dict) -> None:
    """The projected board: its live fragment reruns every second, as the browser asks, until
    every student has finished; then it reads the board's count (held plus dropped)."""
    try:
        session = Session(url, query="view=board")
        session.open()
        fragment = session.fragment_of["vae_map_layer"]
        while not students_done.is_set():
            time.sleep(1.0)
            record["latencies"].append(session.run(fragment_id=fragment))
        session.run(fragment_id=fragment)
        text = " ".join(session.markdown)
        held = re.search(r"\*\*(\d+) digits?\*\*", text)
        dropped = re.search(r"(\d+) older ones were dropped", text)
        record["count"] = (int(held.group(1)) if held else 0) + (int(dropped.group(1)) if dropped else 0)
        session.close()
    except Exception as error:
        record["errors"].append(repr(error))


def bytes_per_entry(count: int = 300) -> float:
    """The memory one board entry takes in the in-memory store (measured with tracemalloc)."""
    from vae.classroom import board

    store = board.MemoryBoardStore()
    images = np.random.default_rng(0).uniform(size=(count, 28, 28))
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for image in images:
        store.add("", board.make_entry(image, "a nickname", "mnist-vae", (0.1, 0.2)))
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    return sum(stat.size_diff for stat in after.compare_to(before, "filename")) / count


def start_redis() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    return process, f"redis://127.0.0.1:{port}/0"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--training", action="store_true", help="student 0 trains a model first")
    parser.add_argument("--processes", type=int, default=1, help="app processes sharing one Redis board")
    parser.add_argument(
        "--trainers",
        type=int,
        default=0,
        help="the first N students each press Train with their own seed, then watch their place in line",
    )
    parser.add_argument(
        "--small-trainings",
        action="store_true",
        help="trainers train 1 epoch on 1,000 images and watch until their model is shown",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="with --proxy: training workers (deploy/worker.py) on this machine"
    )
    parser.add_argument("--proxy", choices=["nginx"], default=None, help="students go through nginx (deploy/)")
    parser.add_argument(
        "--follow", action="store_true", help="the teacher leads and the students follow (bench/follow.py)"
    )
    args = parser.parse_args()
    global SMALL_TRAININGS
    SMALL_TRAININGS = args.small_trainings
    print(conditions())
    if args.proxy:
        return through_proxy(args)
    cache = ROOT / ".bench-cache" / f"load-{os.getpid()}"
    cache.mkdir(parents=True, exist_ok=True)
    env = {"VAE_CACHE_DIR": str(cache), "VAE_TEACHER_CODE": "bench"}
    if args.training or args.trainers:
        env["VAE_DATA_DIR"] = str(DATA_DIR)
    redis = None
    if args.processes > 1:
        redis, env["VAE_BOARD_URL"] = start_redis()
    servers, urls = [], []
    for _ in range(args.processes):
        port = free_port()
        servers.append(start_server(port, env, open(cache / f"server-{port}.log", "w")))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url, server in zip(urls, servers, strict=False):
            wait_http(url, server, timeout=120)
            warm = Session(url)
            warm.open()
            warm.close()
        if args.follow:
            return following(args, urls, [server.pid for server in servers])
        results, board_record, idle_mb, peak = drive(args, urls, servers[0].pid)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)
        if redis is not None:
            redis.terminate()
    report(args, results, board_record, idle_mb, peak)


def following(args, urls: list[str], pids: list[int]) -> None:
    """The class follows the teacher (bench/follow.py); on one process without a proxy, beside
    the floor of a polling fragment, measured after it on a server of its own."""
    from bench import follow

    result = follow.follow(urls, pids, args.sessions, args.seconds)
    floor = None if args.proxy or args.processes > 1 else follow.polling_floor(args.sessions, args.seconds)
    follow.report(result, args.sessions, args.processes, args.proxy, floor)


def drive(args, urls: list[str], app_pid: int) -> tuple[dict, dict, float, float]:
    """The class: the teacher's board on the first URL, the students spread over the URLs."""
    idle_mb = memory_mb(app_pid)[0]
    decoder_url()  # named once, before the students' threads
    results, board_record = {}, {"latencies": [], "errors": []}
    stop_at = time.monotonic() + args.seconds
    students_done = threading.Event()
    board = threading.Thread(target=teacher, args=(urls[0], students_done, board_record))
    students = [
        threading.Thread(target=trainer, args=(n, urls[n % len(urls)], stop_at, results))
        if n < args.trainers
        else threading.Thread(target=student, args=(n, urls[n % len(urls)], stop_at, results, n == 0 and args.training))
        for n in range(args.sessions)
    ]
    for thread in [board, *students]:
        thread.start()
        time.sleep(0.05)
    peak = idle_mb
    while any(thread.is_alive() for thread in students):
        peak = max(peak, memory_mb(app_pid)[1])
        time.sleep(0.5)
    students_done.set()
    board.join(timeout=120)
    return results, board_record, idle_mb, peak


def through_proxy(args) -> None:
    """The class through nginx in front of `--processes` app processes (deploy/school.py)."""
    from deploy.school import school

    cache = ROOT / ".bench-cache" / f"load-{os.getpid()}"
    cache.mkdir(parents=True, exist_ok=True)
    env = {"VAE_CACHE_DIR": str(cache), "VAE_TEACHER_CODE": "bench"}
    if args.training or args.trainers:
        env["VAE_DATA_DIR"] = str(DATA_DIR)
    env["VAE_MODEL_STORE"] = str(cache / "store")  # shared by the app processes and the workers
    env["VAE_SLOT_DIR"] = str(cache / "slots")
    with school(args.processes, env=env, workers=args.workers) as running:
        watcher = TrainingWatch(running.workers)
        watcher.start()
        import redis

        board_redis = redis.Redis.from_url(running.redis_url)
        before, redis_started = board_redis.info("stats"), time.monotonic()
        for port in running.app_ports:  # each process's first page, as in the direct runs
            warm = Session(f"http://127.0.0.1:{port}")
            warm.open()
            warm.close()
        if args.follow:
            return following(args, [running.url], [app.pid for app in running.apps])
        results, board_record, idle_mb, peak = drive(args, [running.url], running.apps[0].pid)
        upstreams = {}
        for _ in range(20):  # how nginx spreads new browsers over the processes (its routes.log)
            with urllib.request.urlopen(running.url + "/_stcore/health", timeout=10) as response:
                route = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
            time.sleep(0.05)  # nginx writes the log line once the response is sent
            upstream = f"process {running.app_of(route)}"
            upstreams[upstream] = upstreams.get(upstream, 0) + 1
        watcher.stop.set()
        after, redis_seconds = board_redis.info("stats"), time.monotonic() - redis_started
        memory = board_redis.info("memory")["used_memory"] / 1e6
        commands = (after["total_commands_processed"] - before["total_commands_processed"]) / redis_seconds
        network = (after["total_net_input_bytes"] + after["total_net_output_bytes"]
                   - before["total_net_input_bytes"] - before["total_net_output_bytes"]) / redis_seconds  # fmt: skip
    print(f"\nthrough the proxy: nginx in front of {args.processes} app processes and {args.workers} training "
          "worker(s); 20 new browsers went to " + ", ".join(f"{v} to {k}" for k, v in sorted(upstreams.items())))  # fmt: skip
    print(
        f"Redis: {commands:.0f} commands/s, {network / 1e3:.0f} kB/s in and out, {memory:.1f} MB used; per student "
        f"{commands / args.sessions:.1f} commands/s and {network / args.sessions / 1e3:.1f} kB/s (the class, board and training queue)"
    )
    if args.trainers:
        models = [results.get(n, {}).get("model") for n in range(args.trainers)]
        print(
            f"trainings on the workers: at most {watcher.most} at once on this machine ({os.cpu_count()} cores); "
            f"{sum(m is not None for m in models)} of {args.trainers} models shown to their students, "
            f"{len(set(m for m in models if m))} different"
        )
        ended = sorted(results[n]["trained_s"] for n in range(args.trainers) if "trained_s" in results.get(n, {}))
        if ended:
            print(f"  from pressing Train to the model shown: first {ended[0]:.0f} s, last {ended[-1]:.0f} s")
    report(args, results, board_record, idle_mb, peak)


class TrainingWatch(threading.Thread):
    """Samples the workers' training children (`python -m vae --progress-json`) every 0.2 s."""

    def __init__(self, workers):
        super().__init__(daemon=True)
        self.workers, self.most, self.stop = workers, 0, threading.Event()

    def run(self) -> None:
        import psutil

        while not self.stop.wait(0.2):
            count = 0
            for worker in self.workers:
                try:
                    children = psutil.Process(worker.pid).children(recursive=True)
                    count += sum("--progress-json" in c.cmdline() for c in children if c.is_running())
                except psutil.Error:
                    pass
            self.most = max(self.most, count)


def of_kind(records, kind: str) -> list[float]:
    """The latencies of one kind of action ("click", "path", "send") in these students' records."""
    return [ms for r in records for ms, a in zip(r["latencies"], r.get("order", []), strict=False) if a == kind]


def report(args, results: dict, board_record: dict, idle_mb: float, peak: float) -> None:
    latencies = [ms for r in results.values() for ms in r["latencies"]]
    errors = [e for r in results.values() for e in r["errors"]] + board_record["errors"]
    kept = [r["kept"] for r in results.values() if r["kept"] is not None]
    sent = sum(r["sent"] for r in results.values())
    print(
        f"\n{args.sessions} students for {args.seconds:.0f} s, {args.processes} app process(es)"
        + (", one Redis board" if args.processes > 1 else "")
        + (f", through the proxy ({args.proxy})" if args.proxy else "")
        + f", training: {args.training}"
        + (f", {args.trainers} of them pressing Train" if args.trainers else "")
    )
    measures = [("student actions (ms)", latencies)]
    kinds = {
        "click": "  of which a click on the map (one run)",
        "path": "  a waypoint: the Path tab, then its button (two runs)",
        "send": "  a digit sent: its tab, the drawing, the button (three runs)",
    }
    measures += [(name, of_kind(results.values(), kind)) for kind, name in kinds.items()]
    measures.append(("teacher's board polls (ms)", board_record["latencies"]))
    if args.trainers:
        visitors = [r for n, r in results.items() if n >= args.trainers]
        clicks = of_kind(visitors, "click")
        polls = [ms for r in results.values() for ms in r.get("polls", [])]
        pressed = [r["train_pressed_ms"] for r in results.values() if "train_pressed_ms" in r]
        measures += [
            ("the other students' clicks, while they train or wait (ms)", clicks),
            ("pressing Train (ms)", pressed),
            ("a training page's poll, each second (ms)", polls),
        ]
    rows = []
    for name, values in measures:
        stats = summary(values) if values else {"median": 0, "p95": 0, "max": 0, "n": 0}
        rows.append((name, f"{stats['median']:.0f}", f"{stats['p95']:.0f}", f"{stats['max']:.0f}", stats["n"]))
    print(table(rows, ("measure", "median", "p95", "max", "n")))
    if args.trainers:
        for n in range(args.trainers):
            place = results.get(n, {}).get("place", "?")
            match = re.search(r"place (\d+) of (\d+)", place)
            print(f"  trainer {n}: " + (f"in line, place {match.group(1)} of {match.group(2)}" if match else place))
    fetched = [r["decoder_ms"] for r in results.values() if "decoder_ms" in r]
    if fetched:
        stats = summary(fetched)
        print(
            f"each student's page fetched the decoder file once: median {stats['median']:.0f} ms, "
            f"max {stats['max']:.0f} ms (hovering itself sends nothing)"
        )
    print(f"errors: {len(errors)}" + (f" e.g. {errors[:3]}" if errors else ""))
    print(
        f"digits sent: {sent} ({sum(r.get('refused', 0) for r in results.values())} presses refused by the "
        f"5-second limit); on the teacher's board: {board_record.get('count')} "
        f"({'nothing lost, nothing doubled' if board_record.get('count') == sent else 'MISMATCH'})"
    )
    print(f"sessions that kept their chosen point: {sum(kept)}/{len(kept)}")
    print(
        f"server memory (process 1): {idle_mb:.0f} MB idle, peak {peak:.0f} MB; "
        f"{max(0.0, peak - idle_mb) / max(1, args.sessions // args.processes):.1f} MB per session"
    )
    print(f"one board entry: {bytes_per_entry() / 1024:.1f} KB in memory")


if __name__ == "__main__":
    main()
