"""A worker killed in the middle of a task: the task is redelivered and completes exactly once.

The backup task is held mid-way by a table lock the test takes; the worker is killed with
SIGKILL (no warm shutdown, nothing acknowledged); a new worker picks the message up once the
visibility timeout has passed, and the backup is written once.
"""

import json
import signal
import sys
import time
import uuid

import psycopg
import pytest
import redis
from celery import Celery

from tests.production.processes import REDIS_BROKER_URL, REDIS_RESULT_URL, production_env, start, stop

pytestmark = pytest.mark.production
VISIBILITY_TIMEOUT = 5


def _worker(queue, env, log):
    return start(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1"),
            *("--queues", queue, "--hostname", f"{queue}-{uuid.uuid4().hex[:4]}@%h", "--without-gossip"),
            *("--without-mingle", "--loglevel", "INFO"),
        ],
        env=env,
        log=log,
    )


def _wait(predicate, timeout, what, log):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} after {timeout} s; worker log:\n{log.read_text()}")
        time.sleep(0.3)


def test_a_killed_worker_s_task_completes_once_after_restart(migrated_database, tmp_path):
    queue = f"production-kill-{uuid.uuid4().hex[:12]}"
    env = production_env(
        var_dir=tmp_path, database_url=migrated_database, CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT)
    )
    out = tmp_path / "backup"
    client = Celery("kill-test", broker=REDIS_BROKER_URL, backend=REDIS_RESULT_URL)
    first_log, second_log = tmp_path / "worker1.log", tmp_path / "worker2.log"
    blocker = psycopg.connect(migrated_database)
    first = second = None
    try:
        # Hold the task mid-way: counting lms_governorate waits for this lock.
        blocker.execute("LOCK TABLE lms_governorate IN ACCESS EXCLUSIVE MODE")
        first = _worker(queue, env, first_log)
        result = client.send_task("ops.tasks.database_backup", args=[str(out)], queue=queue)
        _wait(lambda: "ops.tasks.database_backup" in first_log.read_text(), 90, "the task never started", first_log)
        time.sleep(1)
        assert not (out / "manifest.json").exists()

        first.send_signal(signal.SIGKILL)
        first.wait(30)
        blocker.rollback()  # the lock goes; the killed worker's backend is cleaned up by PostgreSQL
        assert not (out / "manifest.json").exists()

        time.sleep(VISIBILITY_TIMEOUT + 1)
        second = _worker(queue, env, second_log)
        _wait(result.ready, 120, "no result from the restarted worker", second_log)
        outcome = result.get(timeout=5)
        assert outcome["written"] is True
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["tables"]["lms_governorate"] == 18

        # Exactly once: one manifest, and the worker ran the task to completion once.
        assert second_log.read_text().count("succeeded") == 1
        result.forget()
    finally:
        blocker.close()
        for process in (first, second):
            if process is not None:
                stop(process)
        broker = redis.Redis.from_url(REDIS_BROKER_URL)
        broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        broker.close()
        client.close()
