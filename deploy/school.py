"""A school on one machine: Redis, several app processes, and nginx in front of them.

    python -m deploy.school [--processes 2] [--workers 1] [--port 8080] [--address 0.0.0.0]

Starts Debian's redis-server and nginx (apt-get install -y redis-server nginx) as the user who
runs it, with their files in a temporary folder, `streamlit run app.py` N times on loopback
ports, all sharing one class board and training queue (VAE_BOARD_URL, with a password made for
this start) and one cookie secret, and M training workers (`python -m deploy.worker`: the app
processes train nothing themselves; the workers share the machine's slots, one training per
2 cores). Redis keeps an append-only file, so queued trainings outlive its restart. Started as root (as in most containers), nginx's workers run as `nobody`,
and the folders where they keep request bodies (a photo) belong to that user. Students open
http://<this machine>:PORT. Ctrl-C stops everything. The tests and `bench.load --proxy nginx`
start the same school from Python (`school()`), on loopback ports, and stop it.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import grp
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).with_name("nginx.conf.template")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start on port {port}") from None
            time.sleep(0.1)


def nginx_config(run: Path, listen: str, app_ports: list[int], daemon: bool = False) -> str:
    """nginx's configuration: its files in `run`; as root, its workers as `nobody`, writing
    request bodies to `run/temp`, a folder of theirs (nginx_folders makes it)."""
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" for port in app_ports)
    worker = worker_user()
    return (
        TEMPLATE.read_text()
        .replace(
            "@USER@", f"user {worker[0]} {worker[1]};" if worker else "# workers run as the user who started nginx"
        )
        .replace("@TEMP@", str(run / "temp"))
        .replace("@RUN@", str(run))
        .replace("@LISTEN@", listen)
        .replace("@SERVERS@", servers)
        .replace("@MAX_BODY@", f"{upload_limit_mb() * 1024 + 64}k")
        .replace("@DAEMON@", "on" if daemon else "off")
    )


def worker_user() -> tuple[str, str] | None:
    """(user, group) nginx's workers run as when it is started as root; None otherwise (they
    then run as the user who started it). nginx's own default user, `nobody`, named so."""
    if os.geteuid() != 0:
        return None
    user = pwd.getpwnam("nobody")
    return user.pw_name, grp.getgrgid(user.pw_gid).gr_name


def nginx_folders(run: Path) -> None:
    """The folder nginx's workers write request bodies to: theirs. The run folder (0700 from
    mkdtemp) lets them pass through to it, and shows them nothing else."""
    temp = run / "temp"
    temp.mkdir(mode=0o700, exist_ok=True)
    worker = worker_user()
    if worker:
        user = pwd.getpwnam(worker[0])
        os.chown(temp, user.pw_uid, user.pw_gid)
        run.chmod(0o711)


def upload_limit_mb() -> int:
    """Streamlit's upload limit (server.maxUploadSize, MB) for this app: from its environment
    variable, else .streamlit/config.toml, else Streamlit's default."""
    value = os.environ.get("STREAMLIT_SERVER_MAX_UPLOAD_SIZE")
    if value is None:
        found = re.search(r"^\s*maxUploadSize\s*=\s*(\d+)", (ROOT / ".streamlit" / "config.toml").read_text(), re.M)
        value = found.group(1) if found else "200"
    return int(value)


def start_redis(folder: Path, port: int) -> tuple[subprocess.Popen, str]:
    """redis-server on loopback with a password made now (in a 0600 file, never on a command
    line that `ps` shows); returns the process and the URL the app processes share."""
    password = secrets.token_urlsafe(24)
    config = folder / "redis.conf"
    config.touch(mode=0o600)
    config.write_text(
        f'port {port}\nbind 127.0.0.1\nrequirepass {password}\nsave ""\nappendonly yes\nappendfsync everysec\ndir {folder}\n'
    )
    process = subprocess.Popen(["redis-server", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, f"redis://:{password}@127.0.0.1:{port}/0"


@dataclasses.dataclass
class School:
    url: str  # nginx: what students open
    app_ports: list[int]
    apps: list[subprocess.Popen]
    redis_url: str
    nginx: subprocess.Popen
    folder: Path
    redis: subprocess.Popen | None = None
    workers: list[subprocess.Popen] = dataclasses.field(default_factory=list)
    env: dict = dataclasses.field(default_factory=dict)

    def start_worker(self, env: dict | None = None) -> subprocess.Popen:
        """One more training worker (`python -m deploy.worker`), its output in workers.log."""
        with open(self.folder / "workers.log", "a") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "deploy.worker"], cwd=ROOT, env={**self.env, **(env or {})},
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.workers.append(worker)
        return worker

    def stop_redis(self) -> None:
        """Kill Redis (an operator's restart, or a crash)."""
        self.redis.kill()
        self.redis.wait(timeout=10)

    def start_redis(self) -> None:
        """Start Redis again from its file of settings (and its append-only file: the queue's jobs
        come back; what was written in its last second may not)."""
        port = int(self.redis_url.rsplit(":", 1)[1].split("/")[0])
        self.redis = subprocess.Popen(
            ["redis-server", str(self.folder / "redis.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_port(port, self.redis, "redis-server")

    def app_of(self, route: str) -> int | None:
        """The index of the app process that last served a browser's `vae_route` cookie (from
        nginx's routes.log), or None if it served none yet."""
        served = None
        for line in (self.folder / "routes.log").read_text().splitlines():
            # "time route status upstream[, upstream...]": the last upstream tried is the one that answered.
            parts = line.split()
            if len(parts) >= 4 and parts[1] == route and parts[-1].startswith("127.0.0.1:"):
                port = int(parts[-1].rsplit(":", 1)[1])
                served = self.app_ports.index(port) if port in self.app_ports else served
        return served


def start_app(port: int, env: dict, log) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
        "--server.port", str(port), "--server.address", "127.0.0.1",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def school(
    processes: int = 2, port: int | None = None, address: str = "127.0.0.1", env: dict | None = None, workers: int = 1
):
    """Redis, `processes` app processes, nginx and `workers` training workers, started and (on
    exit) stopped; yields a School."""
    for binary in ("redis-server", "nginx"):
        if shutil.which(binary) is None and not Path(f"/usr/sbin/{binary}").exists():
            raise RuntimeError(f"needs {binary} (apt-get install -y redis-server nginx)")
    folder = Path(tempfile.mkdtemp(prefix="vae-school-"))
    started: list[subprocess.Popen] = []
    log = open(folder / "apps.log", "w")
    try:
        redis_port = free_port()
        redis, redis_url = start_redis(folder, redis_port)
        started.append(redis)
        wait_for_port(redis_port, redis, "redis-server")
        app_env = {
            **os.environ,
            "VAE_BOARD_URL": redis_url,
            # One secret for all processes: a page that moves to another process keeps its
            # cookies valid there (Streamlit signs its XSRF cookie with it).
            "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(16),
            **(env or {}),
        }
        app_ports = [free_port() for _ in range(processes)]
        apps = [start_app(p, app_env, log) for p in app_ports]
        started += apps
        for app_port, app in zip(app_ports, apps, strict=True):
            wait_for_port(app_port, app, "the app")
        port = port or free_port()
        config = folder / "nginx.conf"
        config.write_text(nginx_config(folder, f"{address}:{port}", app_ports))
        nginx_folders(folder)
        nginx_binary = shutil.which("nginx") or "/usr/sbin/nginx"
        nginx = subprocess.Popen(
            [nginx_binary, "-c", str(config), "-p", str(folder)], stdout=subprocess.DEVNULL, stderr=log
        )
        started.append(nginx)
        wait_for_port(port, nginx, "nginx")
        url = f"http://127.0.0.1:{port}"
        for app_port in app_ports:  # each app answers (its first page is slow to import)
            urllib.request.urlopen(f"http://127.0.0.1:{app_port}/_stcore/health", timeout=60).read()
        running = School(url, app_ports, apps, redis_url, nginx, folder, redis, env=app_env)
        for _ in range(workers):
            running.start_worker()
        yield running
    finally:
        if "running" in locals():
            for worker in running.workers:
                stop(worker)
        for process in reversed(started):
            stop(process)
        if "running" in locals() and running.redis is not redis:
            stop(running.redis)  # restarted by a test
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="Redis, N app processes and nginx in front of them.")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument(
        "--workers", type=int, default=1, help="training workers (they share the machine: one training per 2 cores)"
    )
    parser.add_argument("--port", type=int, default=8080, help="the port students open")
    parser.add_argument("--address", default="0.0.0.0", help="where nginx listens (0.0.0.0: the network)")
    args = parser.parse_args()
    with school(args.processes, args.port, args.address, workers=args.workers) as running:
        print(f"The school is open: http://<this machine's address>:{args.port} ({args.processes} app processes, ")
        print(f"{args.workers} training worker(s), one Redis with a password of its own). Ctrl-C stops it.", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            while all(p.poll() is None for p in [*running.apps, running.nginx]):
                time.sleep(1)
            print("A process of the school stopped; stopping the rest.", file=sys.stderr)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
