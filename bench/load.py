"""The classroom: many students on one `streamlit run app.py`, one of them training.

    python -m bench.load [--sessions 30] [--seconds 60] [--no-training]

Each simulated student is a real Streamlit session over the app's websocket (the protocol
the browser speaks, without a browser's rendering cost, so the 2 cores measure the server):
every 1-3 s it clicks the map (empty space or a digit), adds a test digit to its path (an
interpolation), or hands in a drawing of a digit (the canvas: `prepare_image`, encoding and
the map overlay, as for an upload). Session 0 presses "Train" with the sidebar's defaults
(10 epochs on 60,000 images) while the others keep working. Reports per-action latency
(request to the run's end and its images fetched), errors, whether each session kept its
state, and the server's peak memory (VmHWM) against the number of sessions.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
import warnings

import numpy as np
from PIL import Image
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.state.session_state import STREAMLIT_INTERNAL_KEY_PREFIX
from websockets.sync.client import connect

from bench.common import conditions, summary, table
from tests.browser import ROOT, free_port

DATA_DIR = ROOT.parent / "shared" / "data" / "mnist"
# The sync websocket client prefers a `with` block; a session object holds it open instead.
warnings.filterwarnings("ignore", category=DeprecationWarning, module=__name__)


def memory_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a process, in MB."""
    values = {}
    for line in open(f"/proc/{pid}/status"):
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


class Session:
    """One browser tab's worth of protocol: runs the script, sends widget events."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.socket = connect(base_url.replace("http", "ws") + "/_stcore/stream",
                              subprotocols=["streamlit"], max_size=None, open_timeout=60)
        self.elements: dict[str, object] = {}   # widget label/kind -> element proto
        self.fragment_of: dict[str, str] = {}
        self.headings: list[str] = []
        self.image_urls: list[str] = []

    def run(self, widgets=(), fragment_id: str = "", timeout: float = 300) -> float:
        """Send one rerun; wait for it to finish and fetch its images; returns milliseconds."""
        message = BackMsg()
        state = message.rerun_script
        state.query_string = ""
        for widget in widgets:
            state.widget_states.widgets.append(widget)
        if fragment_id:
            state.fragment_id = fragment_id
        start = time.perf_counter()
        self.socket.send(message.SerializeToString())
        self.headings, self.image_urls = [], []
        deadline = time.monotonic() + timeout
        while True:
            forward = ForwardMsg()
            forward.ParseFromString(self.socket.recv(timeout=max(1.0, deadline - time.monotonic())))
            kind = forward.WhichOneof("type")
            if kind == "delta":
                self._read_delta(forward.delta)
            elif kind == "script_finished":
                if forward.script_finished in (ForwardMsg.FINISHED_SUCCESSFULLY,
                                               ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                    break
                if forward.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise RuntimeError("script error")
        for url in self.image_urls:  # what a browser fetches before the user sees it
            with urllib.request.urlopen(self.base_url + url, timeout=30) as response:
                response.read()
        return (time.perf_counter() - start) * 1000

    def _read_delta(self, delta) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            raise RuntimeError(f"app exception: {element.exception.message}")
        if kind == "heading":
            self.headings.append(element.heading.body)
        elif kind == "imgs":
            self.image_urls += [image.url for image in element.imgs.imgs if image.url.startswith("/")]
        elif kind in ("plotly_chart", "button", "bidi_component", "number_input"):
            proto = getattr(element, kind)
            label = getattr(proto, "label", "") or kind
            self.elements[label] = proto
            self.fragment_of[label] = delta.fragment_id

    def widget(self, label: str):
        return self.elements[label]

    def close(self) -> None:
        self.socket.close()


def trigger(widget_id: str, **value):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    state = WidgetState(id=widget_id)
    for key, item in value.items():
        setattr(state, key, item)
    return state


def click_map(session: Session, x: float, y: float, index: int | None) -> float:
    chart = session.widget("plotly_chart")
    point = {"x": x, "y": y, "curve_number": 0, "point_number": 0, "point_index": 0}
    if index is not None:
        point["customdata"] = index
    selection = {"selection": {"points": [point], "point_indices": [0], "box": [], "lasso": []}}
    return session.run([trigger(chart.id, string_value=json.dumps(selection))],
                       fragment_id=session.fragment_of["plotly_chart"])


def digit_png(rng) -> str:
    """A drawn digit: a thick ring ('0') at a random place and size, as the canvas sends it."""
    from PIL import ImageDraw

    canvas = Image.new("RGB", (280, 280), "white")
    left, top = rng.integers(30, 90, size=2)
    ImageDraw.Draw(canvas).ellipse([left, top, left + 120, top + 170], outline="black", width=18)
    buffer = io.BytesIO()
    canvas.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def student(number: int, url: str, stop_at: float, results: dict, train: bool) -> None:
    rng = np.random.default_rng(number)
    record = results.setdefault(number, {"latencies": [], "errors": [], "kept": None, "actions": {}})
    try:
        session = Session(url)
        session.run()
        if train:
            form_button = session.widget("Train")
            started = time.perf_counter()
            session.run([trigger(form_button.id, trigger_value=True)], timeout=600)
            record["training_seconds"] = time.perf_counter() - started
        last_click = None
        while time.monotonic() < stop_at:
            time.sleep(float(rng.uniform(1.0, 3.0)))
            action = rng.choice(["click", "click", "path", "draw"])
            if action == "click":
                x, y = (float(v) for v in rng.uniform(-2.5, 2.5, size=2))
                index = int(rng.integers(0, 10000)) if rng.random() < 0.5 else None
                milliseconds = click_map(session, x, y, index)
                last_click = (x, y, index)
            elif action == "path":
                button = session.widget("Add this test image")
                milliseconds = session.run([trigger(button.id, trigger_value=True)])
            else:
                canvas = session.widget("bidi_component")
                # A v2 component's events reach the server through one trigger per instance.
                events_id = f"{STREAMLIT_INTERNAL_KEY_PREFIX}_{canvas.id}__events"
                payload = json.dumps([{"event": "drawing", "value": digit_png(rng)}])
                milliseconds = session.run([trigger(events_id, json_trigger_value=payload)])
            record["latencies"].append(milliseconds)
            record["actions"][str(action)] = record["actions"].get(str(action), 0) + 1
        if last_click is not None:  # the chosen point survived everything since
            session.run()
            x, y, index = last_click
            expected = f"Test #{index}:" if index is not None else f"Decoded z = ({x:.2f}, {y:.2f})"
            record["kept"] = any(h.startswith(expected) for h in session.headings)
        session.close()
    except Exception as error:  # every failure is counted and reported
        record["errors"].append(repr(error))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--no-training", action="store_true")
    args = parser.parse_args()
    print(conditions())
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cache = ROOT / ".bench-cache" / f"load-{os.getpid()}"
    cache.mkdir(parents=True, exist_ok=True)
    log = open(cache / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "VAE_CACHE_DIR": str(cache), "VAE_DATA_DIR": str(DATA_DIR)})
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.25)
        warm = Session(url)
        warm.run()
        one_session_mb = memory_mb(server.pid)[0]
        results: dict = {}
        peaks = []
        stop_at = time.monotonic() + args.seconds
        threads = [threading.Thread(target=student, args=(n, url, stop_at, results,
                                                          n == 0 and not args.no_training))
                   for n in range(args.sessions)]
        for thread in threads:
            thread.start()
            time.sleep(0.1)
        while any(thread.is_alive() for thread in threads):
            peaks.append(memory_mb(server.pid))
            time.sleep(0.5)
        rss_after, peak = memory_mb(server.pid)
        warm.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    latencies = [ms for r in results.values() for ms in r["latencies"]]
    errors = [e for r in results.values() for e in r["errors"]]
    kept = [r["kept"] for r in results.values() if r["kept"] is not None]
    stats = summary(latencies) if latencies else {"median": 0, "p95": 0, "max": 0, "n": 0}
    print(f"\n{args.sessions} sessions for {args.seconds:.0f} s, training in session 0: "
          f"{not args.no_training}")
    if "training_seconds" in results.get(0, {}):
        print(f"training (10 epochs, 60,000 images) took {results[0]['training_seconds']:.0f} s under load")
    print(table([("all actions (ms)", f"{stats['median']:.0f}", f"{stats['p95']:.0f}",
                  f"{stats['max']:.0f}", stats["n"])], ("measure", "median", "p95", "max", "n")))
    print(f"errors: {len(errors)}" + (f" e.g. {errors[:3]}; server log: {cache / 'server.log'}" if errors else ""))
    print(f"sessions that kept their chosen point: {sum(kept)}/{len(kept)}")
    print(f"server memory: {one_session_mb:.0f} MB with one session, peak {peak:.0f} MB with "
          f"{args.sessions + 1}; {max(0.0, peak - one_session_mb) / args.sessions:.1f} MB per extra session "
          f"(training included)")


if __name__ == "__main__":
    main()
