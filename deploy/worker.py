"""A training worker: takes trainings from the Redis queue and trains them on this machine.

    python -m deploy.worker [--name NAME]

Reads from its environment:
    VAE_QUEUE_URL    the Redis queue (else VAE_BOARD_URL), e.g. redis://:PASSWORD@10.0.0.5:6379/0
    VAE_MODEL_STORE  the folder where models are saved, shared with the app processes (else the cache)
    VAE_DATA_DIR     where the training images are (vae/data/sources.py)
    VAE_CACHE_DIR    this machine's own cache
    VAE_MAX_TRAININGS  this machine's training slots (default: one per 2 cores)

It is an RQ worker (vae/workers/remote.py holds the job itself). While idle it has no child
process and has not imported TensorFlow. For each job, RQ forks a work-horse, which starts
`python -m vae` as a fresh child of its own and relays its progress to Redis; so every training
gets a process that returns its memory when it ends, and TensorFlow never forks.

Machine-wide slots: before it takes a job, a worker holds one of the machine's slot locks
(files in VAE_SLOT_DIR, default /tmp/vae-training-slots): two workers on a 2-core machine train
one at a time, the other waits without taking a job from the queue. The kernel frees a killed
worker's lock.

A killed worker: each worker watches the queue's started jobs; one whose horse has not said
it is alive for 20 s goes back to the queue (once: RQ's Retry), or fails with a message after
a second loss. A lost connection to Redis (a restart) is waited out.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

from vae.workers import remote

SLOT_POLL_S = 5  # an idle worker lets go of its slot this often, so that another may take it


def slots() -> int:
    from vae.workers.queue import default_limit

    return default_limit()


def slot_dir() -> Path:
    return Path(os.environ.get("VAE_SLOT_DIR") or Path(tempfile.gettempdir()) / "vae-training-slots")


def take_slot(count: int):
    """One of this machine's `count` slot locks, held, or None when all are taken."""
    import filelock

    folder = slot_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        lock = filelock.FileLock(folder / f"slot-{index}.lock")
        try:
            lock.acquire(timeout=0)
            return lock
        except filelock.Timeout:
            continue
    return None


def make_worker_class():
    from rq import Worker

    class SlotWorker(Worker):
        """An RQ worker that takes a job only while it holds one of the machine's slots."""

        slot_count = 1
        _slot = None
        stopping = False  # SIGTERM or Ctrl-C: RQ's warm shutdown (a training in progress ends first)

        def request_stop(self, signum, frame):
            self.stopping = True
            return super().request_stop(signum, frame)

        def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
            while True:
                while self._slot is None:
                    self._slot = take_slot(self.slot_count)
                    if self._slot is None:
                        if timeout is None:  # burst: nothing to wait for
                            return None
                        self.heartbeat()
                        time.sleep(1.0)
                        if self.stopping:
                            return None
                result = super().dequeue_job_and_maintain_ttl(timeout, SLOT_POLL_S if timeout is not None else None)
                if result is not None:
                    return result
                self._slot.release()
                self._slot = None
                if timeout is None or self.stopping:
                    return None

        def execute_job(self, job, queue):
            try:
                return super().execute_job(job, queue)
            finally:
                if self._slot is not None:
                    self._slot.release()
                    self._slot = None

    return SlotWorker


def watch_for_lost_jobs(connection, queue, stop: threading.Event) -> None:
    """Every 3 s: a started job whose horse stopped saying it is alive is handed to RQ's own
    handling of abandoned jobs (retried once, then failed), at once instead of RQ's 60 s."""
    import redis

    registry = queue.started_job_registry
    first_seen: dict[str, float] = {}
    while not stop.wait(3.0):
        try:
            members = [m.decode() for m in connection.zrange(registry.key, 0, -1)]
            lost = []
            for member in members:
                job_key = remote.key_of(member.split(":", 1)[0])
                first_seen.setdefault(member, time.monotonic())
                alive = connection.exists(remote.PREFIX + f"alive:{job_key}")
                if not alive and time.monotonic() - first_seen[member] > remote.DEAD_AFTER_S:
                    lost.append(member)
            if lost:
                with connection.lock(remote.PREFIX + "lost-lock", timeout=30, blocking_timeout=1):
                    connection.zadd(registry.key, {member: 1 for member in lost}, xx=True)
                    registry.cleanup()
                for member in lost:
                    first_seen.pop(member, None)
                    logging.getLogger("vae.worker").warning("a lost training went back to the queue: %s", member)
        except (redis.exceptions.RedisError, OSError):
            continue  # Redis away: watched again when it is back


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the app's queued trainings on this machine (RQ worker).")
    parser.add_argument("--name", help="the worker's name in Redis (default: machine and process)")
    args = parser.parse_args(argv)
    url = remote.queue_url()
    if url is None:
        print("error: set VAE_QUEUE_URL (or VAE_BOARD_URL) to the Redis the app processes use.", file=sys.stderr)
        return 2
    try:
        count = slots()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from rq import Queue

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    connection = remote.connect(url)
    machine = socket.gethostname()
    name = args.name or f"vae-{machine}-{os.getpid()}"
    queue = Queue(remote.QUEUE_NAME, connection=connection)
    stop = threading.Event()
    threading.Thread(target=watch_for_lost_jobs, args=(connection, queue, stop), daemon=True).start()
    store = os.environ.get("VAE_MODEL_STORE") or "(the cache: set VAE_MODEL_STORE to share models)"
    print(f"Training worker {name}: {count} slot(s) on {machine}; models go to {store}.", flush=True)
    worker_class = make_worker_class()
    worker_class.slot_count = count
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    import redis

    for attempt in range(1_000_000):
        try:
            connection.hset(remote.PREFIX + "slots", machine, count)
            worker = worker_class(
                [queue],
                connection=connection,
                name=name if attempt == 0 else f"{name}-{attempt}",
                job_monitoring_interval=5,
            )
            worker.work(logging_level="INFO", with_scheduler=False)
            if worker.stopping:
                return 0
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as error:
            print(f"Redis is not answering ({error}); trying again in 2 s.", file=sys.stderr, flush=True)
        time.sleep(2.0)


if __name__ == "__main__":
    sys.exit(main())
