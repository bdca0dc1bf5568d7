"""Production profile: a CSV import of participations is on the dashboard — the page served as
current, its exported coverage table counting the imported rows — when the Celery job that
``sessions_changed`` queued has finished (PostgreSQL, Redis, a real worker); and the writers'
property test passes on PostgreSQL."""

import os
import subprocess
import sys
import time
import uuid

import psycopg
import pytest
import redis

from tests.production.processes import (
    POSTGRES_ADMIN_URL,
    REDIS_BROKER_URL,
    ROOT,
    manage,
    output_of,
    production_env,
    start,
    stop,
)

pytestmark = pytest.mark.production

SETUP = """
from datetime import date
from cascade import services
from cascade.models import SessionKind
from tests.factories import MasterTrainerFactory, PersonFactory, TrainingCentreFactory, course
master = MasterTrainerFactory(service_number="PT-MASTER")
session = services.session_create(
    ref="PT-001", course=course("MPS-01"), kind=SessionKind.TOT, training_centre=TrainingCentreFactory(),
    start_date=date(2023, 2, 5), end_date=date(2023, 2, 9), lead_trainer=master,
)
for n in range(3):
    PersonFactory(service_number=f"PT-{n:03d}")
print("ready", session.pk)
"""


@pytest.fixture
def queue_and_env(migrated_database, tmp_path):
    """A worker on a queue of its own; the same queue is the default of every process of the test."""
    queue = f"production-test-{uuid.uuid4().hex[:12]}"
    env = production_env(var_dir=tmp_path, database_url=migrated_database, CELERY_TASK_DEFAULT_QUEUE=queue)
    log = tmp_path / "worker.log"
    worker = start(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1"),
            *("--queues", queue, "--hostname", f"{queue}@%h", "--without-gossip", "--without-mingle"),
            *("--loglevel", "INFO"),  # the log names each task it ran
        ],
        env=env,
        log=log,
    )
    try:
        yield env, worker, log
    finally:
        stop(worker)
        broker = redis.Redis.from_url(REDIS_BROKER_URL)
        broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        broker.close()


# The dashboard as a signed-in administrator past the second factor sees it: whether the page is
# served as current (not marked outdated, no change left uncounted) and its exported coverage table.
DASHBOARD = """
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import setup_test_environment
from tests.conftest import log_in_verified
setup_test_environment()
user = get_user_model().objects.filter(username="pt-admin").first()
user = user or get_user_model().objects.create_superuser(username="pt-admin", password=None)
client = log_in_verified(Client(), user)
page = client.get("/audit/", secure=True)
assert page.status_code == 200, page.status_code
export = client.get("/audit/export/totals.csv", secure=True, HTTP_ACCEPT_LANGUAGE="en")
assert export.status_code == 200, export.status_code
print("current", not page.context.get("outdated") and not page.context.get("pending"))
print(export.content.decode("utf-8-sig"))
"""


def _dashboard(env: dict[str, str]) -> str:
    # Rendered by the test client in a shell: no collected static files, every count shown.
    shell_env = {**env, "ALLOWED_HOSTS": "testserver", "STATIC_MANIFEST": "0", "AUDIT_SMALL_GROUP_THRESHOLD": "0"}
    seen = manage("shell", "-c", DASHBOARD, env=shell_env)
    assert seen.returncode == 0, output_of(seen)
    return seen.stdout


def test_an_imported_csv_is_on_the_dashboard_when_its_celery_job_has_finished(
    queue_and_env, migrated_database, tmp_path
):
    env, worker, log = queue_and_env
    ready = manage("shell", "-c", SETUP, env=env)
    assert ready.returncode == 0 and "ready" in ready.stdout, output_of(ready)

    csv = tmp_path / "participations.csv"
    rows = [f"PT-001,PT-{n:03d},4,40,{70 + n},completed" for n in range(3)]
    csv.write_text("session_ref,service_number,days_attended,pre_score,post_score,outcome\n" + "\n".join(rows) + "\n")
    imported = manage("import_records", "participations", str(csv), "--language", "en", env=env)
    assert imported.returncode == 0, output_of(imported)
    assert "Stored" in imported.stdout, output_of(imported)

    deadline = time.monotonic() + 90
    while "current True" not in (seen := _dashboard(env)) or "Participations,3" not in seen:
        if worker.poll() is not None:
            pytest.fail(f"the worker exited with {worker.returncode}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"the dashboard did not follow the import within 90 s:\n{seen}\nworker log:\n{log.read_text()}")
        time.sleep(0.5)
    assert "People trained,3" in seen, seen
    assert "audit.tasks.sessions_facts_refresh" in log.read_text()


def test_the_writers_property_test_passes_on_postgresql(production_services):
    """The hypothesis test of every write path, and the writes' own tests, against PostgreSQL."""
    name = f"mps_writers_{uuid.uuid4().hex[:10]}"
    env = {**os.environ, "DATABASE_URL": POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"}
    try:
        result = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [
                *(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--create-db"),
                *("tests/audit/test_figures_property.py", "tests/cascade/test_writes.py"),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=1200,
            check=False,
        )
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "test_{name}" WITH (FORCE)')
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
