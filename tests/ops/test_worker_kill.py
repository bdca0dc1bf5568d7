"""A worker killed in the middle of a task: the task completes once, within minutes, on the defaults.

The backup task is held mid-way by a table lock the test takes; the worker is killed with
SIGKILL (no warm shutdown, nothing acknowledged). Nothing is shortened for the test: the Celery
settings are .env.example's (a 30-minute visibility timeout), and beat runs as in production.
The dead worker's heartbeat lapses, beat's sweep (ops.workers) puts its message back, and the
restarted worker writes the backup, once, well within five minutes of its start.
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

from tests.production.processes import (
    REDIS_BROKER_URL,
    REDIS_RESULT_URL,
    env_example,
    production_env,
    start,
    stop,
)

pytestmark = pytest.mark.production
RECOVERY_LIMIT = 300  # seconds after the restarted worker starts
CELERY_DEFAULTS = ("CELERY_VISIBILITY_TIMEOUT", "WORKER_HEARTBEAT_SECONDS", "TASK_SWEEP_SECONDS")


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


def _wait(predicate, timeout, what, *logs):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} after {timeout} s; logs:\n" + "\n----\n".join(log.read_text() for log in logs))
        time.sleep(0.5)


def test_a_killed_worker_s_task_completes_once_within_minutes_of_restart(migrated_database, tmp_path):
    queue = f"production-kill-{uuid.uuid4().hex[:12]}"
    example = env_example()
    assert int(example["CELERY_VISIBILITY_TIMEOUT"]) > RECOVERY_LIMIT  # the timeout is not what saves us
    env = production_env(
        var_dir=tmp_path,
        database_url=migrated_database,
        CELERY_TASK_DEFAULT_QUEUE=queue,  # beat's sweep reaches this test's workers
        **{name: example[name] for name in CELERY_DEFAULTS if name in example},
    )
    out = tmp_path / "backup"
    client = Celery("kill-test", broker=REDIS_BROKER_URL, backend=REDIS_RESULT_URL)
    first_log, second_log, beat_log = tmp_path / "worker1.log", tmp_path / "worker2.log", tmp_path / "beat.log"
    blocker = psycopg.connect(migrated_database)
    first = second = beat = None
    try:
        beat = start(
            [sys.executable, "-m", "celery", "-A", "config", "beat", "-s", str(tmp_path / "beat-schedule")],
            env=env,
            log=beat_log,
        )
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

        second = _worker(queue, env, second_log)
        restarted = time.monotonic()
        _wait(result.ready, RECOVERY_LIMIT, "no result from the restarted worker", second_log, beat_log)
        assert time.monotonic() - restarted < RECOVERY_LIMIT
        outcome = result.get(timeout=5)
        assert outcome["written"] is True
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["tables"]["lms_governorate"] == 18

        # Put back by the sweep, and run to completion once.
        log = second_log.read_text()
        assert "requeued ops.tasks.database_backup" in log
        assert log.count(f"ops.tasks.database_backup[{result.id}] succeeded") == 1
        result.forget()
    finally:
        blocker.close()
        for process in (first, second, beat):
            if process is not None:
                stop(process)
        broker = redis.Redis.from_url(REDIS_BROKER_URL)
        broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        broker.close()
        client.close()
