"""Liveness and readiness, for a load balancer and for the operator's smoke test.

``/health/live`` answers 200 while the process can answer at all (it touches nothing else).
``/health/ready`` answers 200 only when every part a request or task needs is there: the
database reachable and every migration applied, the cache answering, the Celery broker reachable
(unless tasks run in-process, the embedded default), and the file storages (media, certificates,
import uploads) reachable: local folders writable, or the object store's buckets answering with the
configured keys. Otherwise 503, naming each failing part. The caller learns only each part's name
and ``ok`` or ``fail``: why a part fails (a folder, a bucket, how many migrations, an error) goes
to the log, and ``manage.py health_ready`` prints it from a shell. The answer is computed at most
once every ``READY_CACHE_SECONDS`` per process, so a load balancer polling every second does not
ask the storage, the broker and the database each time. The web server lets only the load
balancer and the local network ask (docs/deploy/nginx.conf).
"""

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import storages
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

OK = "ok"
FAIL = "fail"
NOT_USED = "not used"
READY_CACHE_SECONDS = 5
_migrations_applied = False  # once true in a process it stays true (code changes need a restart)


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return OK


def check_migrations() -> str:
    global _migrations_applied
    if _migrations_applied:
        return OK
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return f"{len(plan)} migrations not applied (run manage.py migrate)"
    _migrations_applied = True
    return OK


def check_cache() -> str:
    cache.get("ops:health:probe")  # a round trip to the cache server, writing nothing
    return OK


def check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return f"{NOT_USED} (tasks run in the web process)"
    from config.celery import app

    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
        client = getattr(broker.default_channel, "client", None)
        if client is not None:
            client.ping()  # Redis connects lazily: ask it something
    return OK


# What each storage holds, by its STORAGES name (config.storage).
STORAGE_PARTS = {"media": "default", "certificates": "certificates", "imports": "imports"}


def _storage_state(part: str, storage) -> str | None:
    """Why ``storage`` cannot be used, or None. A bucket is asked for its head (no object is written
    on every probe); a folder must take a new file."""
    bucket = getattr(storage, "bucket_name", None)
    if bucket is not None:
        try:
            storage.connection.meta.client.head_bucket(Bucket=bucket)
        except Exception as exc:  # noqa: BLE001 - unreachable, refused or missing: named below
            logger.warning("readiness: %s bucket %s: %r", part, bucket, exc)
            return f"{part} bucket {bucket} unreachable ({type(exc).__name__})"
        return None
    directory = Path(storage.location)
    try:
        directory.mkdir(parents=True, exist_ok=True)  # once: a new site's folder
    except OSError as exc:
        return f"{part} folder {directory} cannot be made ({exc.strerror or exc})"
    if not os.access(directory, os.W_OK | os.X_OK):  # asked of the system: no file written per probe
        return f"{part} folder {directory} is not writable"
    return None


def check_storage() -> str:
    checked: dict[tuple, str | None] = {}
    missing = []
    for part, name in STORAGE_PARTS.items():
        storage = storages[name]
        where = (getattr(storage, "endpoint_url", None), getattr(storage, "bucket_name", None) or storage.location)
        if where not in checked:  # the private storages share one bucket: ask it once
            checked[where] = _storage_state(part, storage)
            if checked[where]:
                missing.append(checked[where])
    return "; ".join(missing) or OK


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "migrations": check_migrations,
    "cache": check_cache,
    "broker": check_broker,
    "storage": check_storage,
}


def readiness() -> dict[str, str]:
    """Each part's state: ``ok``, or why not (a database that cannot be reached skips migrations)."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name == "migrations" and results.get("database") != OK:
            results[name] = "not checked (no database)"
            continue
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready", named below
            logger.warning("readiness check %s failed: %r", name, exc)
            results[name] = f"unreachable ({type(exc).__name__})"
    return results


def failing(results: dict[str, str]) -> list[str]:
    return [name for name, state in results.items() if state != OK and not state.startswith(NOT_USED)]


_answer_lock = threading.Lock()
_answer: tuple[float, dict[str, str]] | None = None  # (when computed, each part's public state)


def readiness_public() -> dict[str, str]:
    """Each part's state as the caller of /health/ready sees it: ``ok``, ``fail`` or ``not used``,
    computed at most once every READY_CACHE_SECONDS in this process; why a part fails is logged."""
    global _answer
    with _answer_lock:  # concurrent probes wait for one computation rather than each running it
        if _answer is not None and time.monotonic() - _answer[0] < READY_CACHE_SECONDS:
            return _answer[1]
        results = readiness()
        bad = failing(results)
        for name in bad:
            logger.warning("not ready: %s: %s", name, results[name])
        public = {
            name: FAIL if name in bad else (NOT_USED if state.startswith(NOT_USED) else OK)
            for name, state in results.items()
        }
        _answer = (time.monotonic(), public)
        return public


def readiness_forget() -> None:
    """Compute the next answer afresh (tests, and a process whose settings changed)."""
    global _answer
    with _answer_lock:
        _answer = None


@never_cache
@require_GET
def live(request):
    return HttpResponse("ok\n", content_type="text/plain")


@never_cache
@require_GET
def ready(request):
    results = readiness_public()
    bad = [name for name, state in results.items() if state == FAIL]
    return JsonResponse({"status": FAIL if bad else OK, "failing": bad, "checks": results}, status=503 if bad else 200)


# Included at /health/ by config.urls.
urlpatterns = [
    path("live", live, name="health_live"),
    path("ready", ready, name="health_ready"),
]
