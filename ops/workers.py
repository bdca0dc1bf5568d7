"""Task recovery in minutes: worker heartbeats, who holds which message, and the sweep.

With Redis as broker, a task is acknowledged only when it ends (``CELERY_TASK_ACKS_LATE``); until
then its message sits in Redis's ``unacked`` hash. When the worker holding it dies without a warm
shutdown (killed, machine lost), Redis's transport hands the message out again only after
``CELERY_VISIBILITY_TIMEOUT``, which must stay longer than the longest task (a full audit rebuild
with its dashboards at national scale takes minutes) or a task still running would be started a
second time. So the owner's death is detected directly instead:

- every worker process writes a heartbeat key (``mps:worker:<instance>``) every
  ``WORKER_HEARTBEAT_SECONDS``, expiring after three missed beats; the instance id is unique per
  start, so a worker restarted under the same name does not vouch for its dead predecessor;
- when a worker receives a message it records itself as the owner of the message's delivery tag;
- ``orphans_requeue`` (Celery beat, every ``TASK_SWEEP_SECONDS``) puts back on its queue every
  unacknowledged message older than ``TASK_SWEEP_GRACE_SECONDS`` whose owner has no heartbeat.

A message may still be handed out again while its owner runs it: by the sweep when the owner's
heartbeat stalls, or by the transport when a task outlasts the visibility timeout (a nightly
backup of a large site can). So a task must be safe to run twice, even at the same time, and a new
task must be written so: an import takes its job under a row lock and runs only a queued one
(``imports.services.import_job_run``); the backup to storage holds a lock renewed while it runs and
writes under a prefix of its own per run (``ops.backup.backup_to_storage``). ``broker_state`` is what
the admin's *Background tasks* report shows. Brokers other than Redis (RabbitMQ) give a dead
consumer's messages back by themselves, and the sweep does nothing there.
"""

import contextlib
import datetime as dt
import json
import logging
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass

import redis
from celery import signals
from django.conf import settings

logger = logging.getLogger(__name__)

HEARTBEAT_PREFIX = "mps:worker:"
OWNERS_KEY = "mps:unacked-owner"
SWEEP_LOCK_KEY = "mps:task-sweep-lock"
# Kombu's Redis transport keeps unacknowledged messages under these keys (its defaults).
UNACKED_KEY = "unacked"
UNACKED_INDEX_KEY = "unacked_index"

_instance: str | None = None
_client: redis.Redis | None = None  # the worker's own connection pool (thread-safe), set at start
_stop = threading.Event()


def uses_redis_broker() -> bool:
    return not settings.CELERY_TASK_ALWAYS_EAGER and settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://"))


def broker_client() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=10, socket_connect_timeout=5)


def heartbeat_ttl() -> int:
    return 3 * settings.WORKER_HEARTBEAT_SECONDS


# --- in the worker ----------------------------------------------------------------------------


def _beat(client: redis.Redis, hostname: str, started: float) -> None:
    value = json.dumps({"hostname": hostname, "pid": os.getpid(), "started": started, "seen": time.time()})
    client.set(HEARTBEAT_PREFIX + _instance, value, ex=heartbeat_ttl())


def _heartbeat_loop(hostname: str) -> None:
    client, started = broker_client(), time.time()
    while not _stop.is_set():
        try:
            _beat(client, hostname, started)
        except redis.RedisError as exc:
            logger.warning("worker heartbeat not written: %r", exc)
        _stop.wait(settings.WORKER_HEARTBEAT_SECONDS)


@signals.worker_ready.connect
def heartbeat_start(sender=None, **kwargs) -> None:
    """In the worker's main process (which receives every message, whatever the pool)."""
    global _instance, _client
    if not uses_redis_broker():
        return
    hostname = getattr(sender, "hostname", None) or socket.gethostname()
    _instance = f"{hostname}/{os.getpid()}/{secrets.token_hex(4)}"
    _client = broker_client()
    _stop.clear()
    _beat(_client, hostname, time.time())  # alive before the first message is taken
    threading.Thread(target=_heartbeat_loop, args=(hostname,), name="mps-heartbeat", daemon=True).start()


@signals.worker_shutdown.connect
def heartbeat_stop(**kwargs) -> None:
    if _instance is None:
        return
    _stop.set()
    with contextlib.suppress(redis.RedisError):  # else the key expires by itself
        broker_client().delete(HEARTBEAT_PREFIX + _instance)


@signals.task_received.connect
def owner_record(request=None, **kwargs) -> None:
    if _instance is None or _client is None or request is None:
        return
    tag = getattr(getattr(request, "message", None), "delivery_tag", None)
    if tag:
        try:
            _client.hset(OWNERS_KEY, tag, _instance)
        except redis.RedisError as exc:
            logger.warning("owner of message %s not recorded: %r", tag, exc)


# --- the sweep and the report -------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """An unacknowledged message: which task, since when, held by whom, and whether that one lives."""

    tag: str
    task: str
    task_id: str
    args: str
    queue: str
    since: float
    owner: str
    owner_alive: bool

    @property
    def age_seconds(self) -> int:
        return int(time.time() - self.since)

    @property
    def orphaned(self) -> bool:
        return not self.owner_alive and self.age_seconds >= settings.TASK_SWEEP_GRACE_SECONDS


@dataclass(frozen=True)
class Worker:
    instance: str
    hostname: str
    pid: int
    started: float
    seen: float

    @property
    def seen_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.seen, tz=dt.UTC)


@dataclass(frozen=True)
class BrokerState:
    workers: list[Worker]
    held: list[Held]
    waiting: dict[str, int]  # queue name -> messages not yet taken


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def live_workers(client: redis.Redis) -> list[Worker]:
    workers = []
    for key in client.scan_iter(match=HEARTBEAT_PREFIX + "*", count=500):
        raw = client.get(key)
        if raw is None:
            continue
        data = json.loads(raw)
        workers.append(
            Worker(_text(key)[len(HEARTBEAT_PREFIX) :], data["hostname"], data["pid"], data["started"], data["seen"])
        )
    return sorted(workers, key=lambda worker: worker.hostname)


def held_messages(client: redis.Redis) -> list[Held]:
    alive = {worker.instance for worker in live_workers(client)}
    owners = {_text(tag): _text(owner) for tag, owner in client.hgetall(OWNERS_KEY).items()}
    held = []
    for tag, since in client.zrange(UNACKED_INDEX_KEY, 0, -1, withscores=True):
        tag = _text(tag)
        raw = client.hget(UNACKED_KEY, tag)
        if raw is None:
            continue
        payload, _exchange, routing_key = json.loads(raw)
        headers = payload.get("headers") or {}
        owner = owners.get(tag, "")
        held.append(
            Held(
                tag=tag,
                task=headers.get("task", "?"),
                task_id=headers.get("id", ""),
                args=headers.get("argsrepr", ""),
                queue=routing_key,
                since=since,
                owner=owner,
                owner_alive=owner in alive,
            )
        )
    return held


def broker_state() -> BrokerState | None:
    """What the broker holds now; None when the broker is not Redis (or tasks run in-process)."""
    if not uses_redis_broker():
        return None
    client = broker_client()
    held = held_messages(client)
    queues = sorted({settings.CELERY_TASK_DEFAULT_QUEUE, *(message.queue for message in held)})
    return BrokerState(live_workers(client), held, {queue: client.llen(queue) for queue in queues})


def orphans_requeue() -> list[Held]:
    """Put every message whose owner died back on its queue; returns them. Safe to run any time."""
    if not uses_redis_broker():
        return []
    client = broker_client()
    # One sweep at a time (beat could queue the next while a slow one still runs).
    if not client.set(SWEEP_LOCK_KEY, "1", nx=True, ex=max(settings.TASK_SWEEP_SECONDS, 30)):
        return []
    try:
        orphans = [message for message in held_messages(client) if message.orphaned]
        if orphans:
            from config.celery import app

            with app.connection_for_write() as connection:
                qos = connection.default_channel.qos
                for message in orphans:
                    # Kombu's own restore: atomically off the unacked index, back to the queue's head.
                    qos.restore_by_tag(message.tag, leftmost=True)
                    logger.warning(
                        "requeued %s[%s] (held %s s by %s, which stopped)",
                        message.task,
                        message.task_id,
                        message.age_seconds,
                        message.owner or "an unknown worker",
                    )
        # Forget owners of messages that are no longer held (acknowledged or requeued).
        stale = [tag for tag in client.hkeys(OWNERS_KEY) if not client.hexists(UNACKED_KEY, tag)]
        if stale:
            client.hdel(OWNERS_KEY, *stale)
        return orphans
    finally:
        client.delete(SWEEP_LOCK_KEY)
