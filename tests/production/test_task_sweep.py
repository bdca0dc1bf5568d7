"""The sweep (ops.workers.orphans_requeue) against a real Redis: a dead worker's message goes back
on its queue; a live worker's message, or one taken a moment ago, stays where it is."""

import json
import time
import uuid

import pytest
import redis
from kombu import Connection, Exchange, Queue

from config.celery import app
from ops import workers
from tests.production.processes import REDIS_BROKER_URL

pytestmark = pytest.mark.production


@pytest.fixture
def broker(production_services, settings, monkeypatch):
    # Celery reads its configuration from the settings once, on first use: read it now, so that
    # this test's values below never become the rest of the process's (eager tasks off, this broker).
    assert app.conf.task_always_eager is not None
    settings.CELERY_BROKER_URL = REDIS_BROKER_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(app.conf, "broker_url", REDIS_BROKER_URL)
    monkeypatch.setattr(app.conf, "broker_write_url", None)
    client = redis.Redis.from_url(REDIS_BROKER_URL)
    yield client
    client.close()


def take(client, queue_name: str, *, owner: str, taken_ago: float) -> str:
    """Publish one task message and take it as a worker does (off the list, into the unacked hash)."""
    queue = Queue(queue_name, Exchange(queue_name, type="direct"), routing_key=queue_name)
    with Connection(REDIS_BROKER_URL) as connection:
        connection.Producer().publish(
            {"args": [], "kwargs": {}},
            exchange=queue.exchange,
            routing_key=queue_name,
            declare=[queue],
            headers={"task": "lms.tasks.worker_health", "id": uuid.uuid4().hex, "argsrepr": "()"},
        )
    payload = json.loads(client.rpop(queue_name))
    tag = payload["properties"]["delivery_tag"]
    client.hset(workers.UNACKED_KEY, tag, json.dumps([payload, queue_name, queue_name]))
    client.zadd(workers.UNACKED_INDEX_KEY, {tag: time.time() - taken_ago})
    client.hset(workers.OWNERS_KEY, tag, owner)
    return tag


def test_a_dead_worker_s_message_goes_back_and_a_live_one_s_stays(broker, settings):
    queue = f"production-sweep-{uuid.uuid4().hex[:12]}"
    alive = f"alive-{uuid.uuid4().hex[:6]}"
    heartbeat = json.dumps({"hostname": "w", "pid": 1, "started": 0, "seen": 0})
    broker.set(workers.HEARTBEAT_PREFIX + alive, heartbeat, ex=60)
    grace = settings.TASK_SWEEP_GRACE_SECONDS
    dead_tag = take(broker, queue, owner=f"dead-{uuid.uuid4().hex[:6]}", taken_ago=grace + 5)
    live_tag = take(broker, queue, owner=alive, taken_ago=grace + 5)
    fresh_tag = take(broker, queue, owner=f"dead-{uuid.uuid4().hex[:6]}", taken_ago=1)
    try:
        requeued = workers.orphans_requeue()

        assert [message.tag for message in requeued if message.queue == queue] == [dead_tag]
        assert broker.llen(queue) == 1
        assert json.loads(broker.lindex(queue, 0))["properties"]["delivery_info"]["redelivered"] is True
        assert not broker.hexists(workers.UNACKED_KEY, dead_tag)
        assert broker.hexists(workers.UNACKED_KEY, live_tag) and broker.hexists(workers.UNACKED_KEY, fresh_tag)
        # Run again: nothing more to do (idempotent).
        assert [message for message in workers.orphans_requeue() if message.queue == queue] == []
        assert broker.llen(queue) == 1
    finally:
        for tag in (dead_tag, live_tag, fresh_tag):
            broker.hdel(workers.UNACKED_KEY, tag)
            broker.zrem(workers.UNACKED_INDEX_KEY, tag)
            broker.hdel(workers.OWNERS_KEY, tag)
        broker.delete(queue, f"_kombu.binding.{queue}", workers.HEARTBEAT_PREFIX + alive)


@pytest.mark.django_db
def test_the_admin_report_lists_workers_and_the_tasks_they_hold(broker, settings, client, django_user_model):
    from tests.conftest import log_in_verified

    queue = f"production-sweep-{uuid.uuid4().hex[:12]}"
    alive, dead = f"alive-{uuid.uuid4().hex[:6]}", f"dead-{uuid.uuid4().hex[:6]}"
    heartbeat = json.dumps({"hostname": f"{alive}@node-b", "pid": 4242, "started": 0, "seen": time.time()})
    broker.set(workers.HEARTBEAT_PREFIX + alive, heartbeat, ex=60)
    running = take(broker, queue, owner=alive, taken_ago=5)
    orphan = take(broker, queue, owner=dead, taken_ago=settings.TASK_SWEEP_GRACE_SECONDS + 5)
    try:
        log_in_verified(client, django_user_model.objects.create_superuser(username="root", password=None))
        html = client.get("/admin/reports/background-tasks/").content.decode()
        assert f"{alive}@node-b" in html and "4242" in html
        assert html.count("lms.tasks.worker_health") >= 2
        assert dead in html and "<strong>" in html  # the orphan is marked
    finally:
        for tag in (running, orphan):
            broker.hdel(workers.UNACKED_KEY, tag)
            broker.zrem(workers.UNACKED_INDEX_KEY, tag)
            broker.hdel(workers.OWNERS_KEY, tag)
        broker.delete(queue, f"_kombu.binding.{queue}", workers.HEARTBEAT_PREFIX + alive)
