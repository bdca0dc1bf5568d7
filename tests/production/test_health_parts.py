"""/health/ready on a production-profile web node answers 503 naming the part that stopped
(PostgreSQL, Redis, the object store) and 200 again once it is back.

The node's services are its own, so they can be stopped without touching the shared ones: a
throwaway redis-server, a throwaway moto S3 server (started again on the same port with its
buckets, as a store comes back with its data), and, for PostgreSQL, a forwarder between the node
and the shared server (``tcp_forward.py``): stopping it closes the node's connections and refuses
new ones, as a stopped database would.
"""

import os
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from tests.production.object_store import s3_env, s3_server
from tests.production.processes import (
    ROOT,
    free_port,
    production_env,
    start,
    stop,
    wait_until_listening,
)

pytestmark = pytest.mark.production
PATH_ONLY = {"PATH": os.environ.get("PATH", "")}


def ready(port: int) -> tuple[int, list[str]]:
    response = requests.get(f"http://127.0.0.1:{port}/health/ready", timeout=60)
    return response.status_code, response.json()["failing"]


def test_ready_names_the_stopped_part_and_recovers_when_it_returns(migrated_database, tmp_path, request):
    db_port, redis_port, s3_port, web_port = free_port(), free_port(), free_port(), free_port()
    parts = urlsplit(migrated_database)
    database_url = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{db_port}"))

    def forwarder():
        argv = [sys.executable, str(ROOT / "tests/production/tcp_forward.py"), str(db_port)]
        process = start([*argv, parts.hostname, str(parts.port or 5432)], env=PATH_ONLY, log=tmp_path / "forward.log")
        wait_until_listening(db_port, process, tmp_path / "forward.log")
        return process

    def redis_server():
        argv = ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        process = start(argv, env=PATH_ONLY, log=tmp_path / "redis.log")
        wait_until_listening(redis_port, process, tmp_path / "redis.log")
        return process

    services = {"database": forwarder(), "redis": redis_server()}
    store = s3_server(tmp_path, port=s3_port)
    endpoint = store.__enter__()
    request.addfinalizer(lambda: [stop(process) for process in services.values()])
    env = production_env(
        var_dir=tmp_path / "node",
        database_url=database_url,
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/2",
        CELERY_BROKER_URL=f"redis://127.0.0.1:{redis_port}/0",
        CELERY_RESULT_BACKEND=f"redis://127.0.0.1:{redis_port}/1",
        **s3_env(endpoint),
    )
    log = tmp_path / "gunicorn.log"
    argv = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{web_port}", "--workers", "1"]
    web = start([*argv, "--no-control-socket"], env=env, log=log)
    request.addfinalizer(lambda: stop(web))
    wait_until_listening(web_port, web, log)

    def answer(status: int, failing: set[str], what: str) -> None:
        deadline = time.monotonic() + 60
        while (got := ready(web_port)) != (status, sorted(failing, key=list(FAILING_ORDER).index)):
            assert time.monotonic() < deadline, f"{what}: /health/ready said {got}\n{log.read_text()[-3000:]}"
            time.sleep(0.5)

    try:
        answer(200, set(), "with every part there")

        stop(services.pop("database"))
        answer(503, {"database", "migrations"}, "PostgreSQL stopped")
        services["database"] = forwarder()
        answer(200, set(), "PostgreSQL back")

        stop(services.pop("redis"))
        answer(503, {"cache", "broker"}, "Redis stopped")
        services["redis"] = redis_server()
        answer(200, set(), "Redis back")

        store.__exit__(None, None, None)
        answer(503, {"storage"}, "the object store stopped")
        store = s3_server(tmp_path, port=s3_port)
        store.__enter__()
        answer(200, set(), "the object store back")
    finally:
        store.__exit__(None, None, None)


FAILING_ORDER = ("database", "migrations", "cache", "broker", "storage")
