"""A task sent through Redis runs in a separate Celery worker process against PostgreSQL."""

import sys
import time
import uuid

import psycopg
import pytest
import redis
from celery import Celery

from tests.production.processes import REDIS_BROKER_URL, REDIS_RESULT_URL, production_env, start, stop

pytestmark = pytest.mark.production


@pytest.fixture
def worker_queue(migrated_database, tmp_path):
    """A real worker consuming a queue of its own, so a concurrent run cannot take its task."""
    queue = f"production-test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    worker = start(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1"),
            *("--queues", queue, "--hostname", f"{queue}@%h", "--without-gossip", "--without-mingle"),
        ],
        env=production_env(var_dir=tmp_path, database_url=migrated_database),
        log=log,
    )
    try:
        yield queue, worker, log
    finally:
        stop(worker)
        # Kombu keeps each queue's bindings in Redis; a queue used once leaves nothing behind.
        broker = redis.Redis.from_url(REDIS_BROKER_URL)
        broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        broker.close()


def test_a_task_sent_through_redis_runs_in_a_worker_process(worker_queue, migrated_database):
    queue, worker, log = worker_queue
    client = Celery("production-test-client", broker=REDIS_BROKER_URL, backend=REDIS_RESULT_URL)
    result = client.send_task("lms.tasks.worker_health", queue=queue)

    deadline = time.monotonic() + 90
    while not result.ready():
        if worker.poll() is not None:
            pytest.fail(f"the worker exited with {worker.returncode}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"no result after 90 s; worker log:\n{log.read_text()}")
        time.sleep(0.2)

    with psycopg.connect(migrated_database) as connection:
        (governorates,) = connection.execute("SELECT count(*) FROM lms_governorate").fetchone()
    assert governorates == 18
    assert result.get(timeout=5) == {"database": "postgresql", "governorates": governorates}
    result.forget()
    client.close()
