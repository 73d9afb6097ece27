"""Trainings as RQ jobs in Redis: any app process enqueues and watches, any worker machine trains.

With a queue URL (VAE_QUEUE_URL, else VAE_BOARD_URL), a press of Train enqueues one job in the
Redis queue `vae-trainings` (one job per configuration: two presses, in any app process, are
one job). `python -m deploy.worker` takes it when a training slot of its machine is free
(deploy/worker.py) and runs `train_job` below in RQ's work-horse. That horse starts
`python -m vae --progress-json` as a fresh child (TensorFlow never forks: neither the worker nor
its horse imports it) and relays what the child reports into Redis:

    vae:train:state:<key>     the job's state (JSON: status, progress, losses, the last map, result)
    vae:train:control:<key>   a list of commands from the pages: pause, resume, stop, cancel
    vae:train:alive:<key>     set every 2 s while the horse runs (its absence: a killed worker)
    vae:train:seen:<key>      set whenever a page asks; a job nobody has asked about for 90 s is cancelled
    vae:train:slots           hash: machine -> its training slots (the line's "N at a time")

Every app process reads these, so the place in line, the progress, the live map and the end
reach a student's page from whichever process serves it. A job whose worker was killed goes
back to the queue once (RQ's Retry, set off by deploy/worker.py's watch on `alive`); a second
loss fails it with a message. The model is written atomically into the shared store
(VAE_MODEL_STORE, vae/store/cache.py), so no half-written model is ever listed.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time

from vae.model.config import Progress, TrainConfig
from vae.workers.jobs import JobState

QUEUE_NAME = "vae-trainings"
PREFIX = "vae:train:"
ALIVE_TTL_S = 30  # a horse refreshes it every 2 s; a Redis restart of a few seconds keeps it
DEAD_AFTER_S = 20  # a started job with no `alive` for this long, its worker gone: back to the queue
ABANDON_AFTER_S = 90
KEEP_S = 3600  # how long a finished job's state stays readable
WAITING = ("queued", "deferred", "scheduled")


def queue_url() -> str | None:
    """VAE_QUEUE_URL, else VAE_BOARD_URL; None: trainings run in this process's own line."""
    return (os.environ.get("VAE_QUEUE_URL") or os.environ.get("VAE_BOARD_URL") or "").strip() or None


def job_id(key: str) -> str:
    return f"vae-train-{key}"


def key_of(job_id_: str) -> str:
    return job_id_.removeprefix("vae-train-")


def connect(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5, health_check_interval=10)


def state_to_json(state: JobState) -> str:
    return json.dumps(
        {
            "status": state.status,
            "progress": dataclasses.asdict(state.progress) if state.progress else None,
            "losses": state.losses,
            "snapshot": list(state.snapshots[-1]) if state.snapshots else None,
            "result": state.result,
            "error": state.error,
            "reading": state.reading,
        }
    )


def state_from_json(text: str | bytes) -> JobState:
    data = json.loads(text)
    progress = Progress(**data["progress"]) if data.get("progress") else None
    snapshots = [tuple(data["snapshot"])] if data.get("snapshot") else []
    reading = tuple(data["reading"]) if data.get("reading") else None
    return JobState(data["status"], progress, data["losses"], snapshots, data.get("result"), data.get("error"), reading)


# ---- the worker's side: what RQ's work-horse runs ----------------------------------------
def train_job(config_json: str, key: str) -> dict:
    """Train one configuration in a fresh `python -m vae` child and relay its reports to Redis.
    Returns the final state (RQ keeps it as the job's result); never raises for a training that
    failed on its own (bad data, a full disk): that failure is the answer, and a retry would only
    repeat it. Only a killed horse or worker counts as lost (and is retried once)."""
    from rq import get_current_job

    from vae.training.process import die_with_parent
    from vae.workers.jobs import TrainingJob

    die_with_parent()  # a worker killed with SIGKILL takes its horse, and the horse its child
    connection = get_current_job().connection
    config = TrainConfig.from_dict(json.loads(config_json))
    relay = _Relay(connection, key)
    relay.beat()
    if not connection.exists(PREFIX + f"seen:{key}"):
        final = JobState("cancelled", None, {"reconstruction_loss": [], "kl_loss": []}, [], None, None)
        relay.write(final)
        return json.loads(state_to_json(final))
    job = TrainingJob.for_config(config, warm=False)
    try:
        while True:
            relay.beat()
            state = job.state()
            relay.write(state)
            if state.finished:
                break
            relay.obey(job)
            time.sleep(0.5)
    finally:
        job.cancel()  # returns at once when it has ended
    return json.loads(state_to_json(state))


class _Relay:
    """The horse's link to Redis; a Redis that is away for a while loses a few reports, not the training."""

    def __init__(self, connection, key: str):
        self.connection, self.key = connection, key
        self.last_written = None
        self.last_beat = 0.0
        self.unseen_since: float | None = None

    def _quietly(self, action):
        import redis

        try:
            return action()
        except redis.exceptions.RedisError:
            return None

    def beat(self) -> None:
        if time.monotonic() - self.last_beat >= 2.0:
            self.last_beat = time.monotonic()
            self._quietly(lambda: self.connection.set(PREFIX + f"alive:{self.key}", os.getpid(), ex=ALIVE_TTL_S))

    def write(self, state: JobState) -> None:
        text = state_to_json(state)
        if text != self.last_written:
            if self._quietly(lambda: self.connection.set(PREFIX + f"state:{self.key}", text, ex=KEEP_S)):
                self.last_written = text

    def obey(self, job) -> None:
        """The pages' commands, and the cancel of a job nobody has asked about for 90 s."""
        while (command := self._quietly(lambda: self.connection.lpop(PREFIX + f"control:{self.key}"))) is not None:
            action = {b"pause": job.pause, b"resume": job.resume, b"stop": job.stop, b"cancel": job.cancel}.get(command)
            if action is not None:
                action()
        seen = self._quietly(lambda: self.connection.exists(PREFIX + f"seen:{self.key}"))
        if seen == 0:
            self.unseen_since = self.unseen_since or time.monotonic()
            if time.monotonic() - self.unseen_since > 10:  # the key itself lasts ABANDON_AFTER_S
                job.cancel()
        else:
            self.unseen_since = None


# ---- the app's side ----------------------------------------------------------------------
class RemoteJob:
    """A training running on some worker, as the app's panel sees it (the same methods as
    vae.workers.jobs.TrainingJob)."""

    def __init__(self, trainings: RemoteTrainings, key: str):
        self.trainings, self.key = trainings, key
        self.warm = False

    def state(self) -> JobState:
        return self.trainings.state(self.key)

    def _send(self, command: str, status: str) -> None:
        """A command for the horse (vae:train:control), and the status the page shows until it answers."""
        connection = self.trainings.connection
        connection.rpush(PREFIX + f"control:{self.key}", command)
        connection.expire(PREFIX + f"control:{self.key}", KEEP_S)
        self.trainings.note_status(self.key, status)

    def pause(self) -> None:
        self._send("pause", "paused")

    def resume(self) -> None:
        self._send("resume", "running")

    def stop(self) -> None:
        self._send("stop", "stopping")

    def cancel(self) -> None:
        self._send("cancel", "cancelled")


class RemoteTrainings:
    """The line for trainings in Redis: the methods the app's panel calls (explorer/training.py),
    as vae.workers.queue.TrainingQueue has them for the in-process line."""

    def __init__(self, url: str):
        from rq import Queue

        self.connection = connect(url)
        self.queue = Queue(QUEUE_NAME, connection=self.connection)
        self.configs: dict[str, TrainConfig] = {}
        self._noted: dict[str, str] = {}  # key -> a status this process asked for, until the worker says

    @property
    def limit(self) -> int:
        """Trainings the connected workers run at once: per machine, its workers, at most its
        slots (0: no worker is connected yet)."""
        from rq import Worker

        slots = {k.decode(): int(v) for k, v in self.connection.hgetall(PREFIX + "slots").items()}
        per_machine: dict[str, int] = {}
        for worker in Worker.all(queue=self.queue):
            per_machine[worker.hostname] = per_machine.get(worker.hostname, 0) + 1
        return sum(min(count, slots.get(machine, 1)) for machine, count in per_machine.items())

    def _fetch(self, key: str):
        from rq.exceptions import NoSuchJobError
        from rq.job import Job

        try:
            return Job.fetch(job_id(key), connection=self.connection)
        except NoSuchJobError:
            return None

    def _seen(self, key: str) -> None:
        self.connection.set(PREFIX + f"seen:{key}", 1, ex=ABANDON_AFTER_S)

    def request(self, key: str, config: TrainConfig, seconds: float) -> str:
        """Enqueue `config` (or join its job): "running" or "waiting"."""
        from rq import Retry

        self.configs[key] = config
        with self.connection.lock(PREFIX + f"lock:{key}", timeout=10, blocking_timeout=10):
            self._seen(key)
            job = self._fetch(key)
            status = job.get_status() if job is not None else None
            if status in (*WAITING, "started"):
                return "running" if status == "started" else "waiting"
            if job is not None:
                job.delete()
            self.connection.delete(PREFIX + f"state:{key}", PREFIX + f"control:{key}")
            self._noted.pop(key, None)
            self.queue.enqueue(
                train_job,
                config.to_json(),
                key,
                job_id=job_id(key),
                job_timeout=int(seconds * 6 + 900),
                retry=Retry(max=1),
                result_ttl=KEEP_S,
                failure_ttl=KEEP_S,
                meta={"seconds": seconds},
                description=f"train {key}",
            )
            return "waiting"

    def promote(self) -> None:
        """Workers take jobs themselves; nothing to start here."""

    def remember(self, student: str, key: str) -> None:
        """This student's training, for their other tabs and their page after a reload on any process."""
        self.connection.set(PREFIX + f"student:{student}", key, ex=KEEP_S)

    def mine(self, student: str) -> str | None:
        key = self.connection.get(PREFIX + f"student:{student}")
        return key.decode() if key else None

    def forget(self, student: str, key: str) -> None:
        name = PREFIX + f"student:{student}"
        if self.connection.get(name) == key.encode():
            self.connection.delete(name)

    def config(self, key: str) -> TrainConfig | None:
        if key not in self.configs:
            job = self._fetch(key)
            if job is not None:
                self.configs[key] = TrainConfig.from_dict(json.loads(job.args[0]))
        return self.configs.get(key)

    def position(self, key: str) -> tuple[int, int] | None:
        """(place, of how many) while the job waits in the queue, 1-based; else None."""
        job = self._fetch(key)
        if job is None or job.get_status() not in WAITING:
            return None
        self._seen(key)
        place = job.get_position()
        count = self.queue.count
        return (place + 1 if place is not None else count, max(count, 1))

    def wait_seconds(self, key: str) -> float:
        from rq.job import Job

        ids = self.queue.get_job_ids()
        ahead = ids[: ids.index(job_id(key))] if job_id(key) in ids else []
        seconds = [float((job.meta or {}).get("seconds", 60)) for job in Job.fetch_many(ahead, self.connection) if job]
        running = len(self.queue.started_job_registry.get_job_ids())
        return (sum(seconds) + 30.0 * running) / max(1, self.limit)

    def leave(self, key: str) -> None:
        job = self._fetch(key)
        if job is not None and job.get_status() in WAITING:
            job.cancel()
            job.delete()

    def job(self, key: str) -> RemoteJob | None:
        """The job to watch once it has left the line (running or finished), else None."""
        job = self._fetch(key)
        if job is None:
            return None
        return RemoteJob(self, key)

    def note_status(self, key: str, status: str) -> None:
        self._noted[key] = status

    def state(self, key: str) -> JobState:
        self._seen(key)
        text = self.connection.get(PREFIX + f"state:{key}")
        job = self._fetch(key)
        status = job.get_status() if job is not None else None
        empty = {"reconstruction_loss": [], "kl_loss": []}
        if text is not None:
            state = state_from_json(text)
        else:
            state = JobState("running", None, empty, [], None, None)
        if status == "failed" and not state.finished:
            result = job.latest_result()
            reason = (result.exc_string or "").strip().splitlines() if result else []
            error = "The training's worker stopped twice before it finished (killed, or its machine went away)"
            if reason and "Abandoned" not in reason[-1]:
                error = f"Training failed on its worker: {reason[-1]}"
            return JobState("failed", state.progress, state.losses, state.snapshots, None, error)
        if status in (*WAITING, None) and not state.finished:
            return JobState("running", None, empty, [], None, None)  # back in line after a lost worker
        noted = self._noted.get(key)
        if noted and not state.finished:
            if noted == state.status:
                self._noted.pop(key, None)  # the horse has answered
            else:  # (a cancel shows as "stopping" until the horse has ended the training)
                return dataclasses.replace(state, status="stopping" if noted == "cancelled" else noted)
        return state
