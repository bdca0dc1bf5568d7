"""Certificates under the production profile: PostgreSQL, Redis and a real Celery worker.

- 20 concurrent ``certificate_issue`` calls for one completed participation (20 threads, 20
  database connections) leave exactly one certificate: the unique constraint decides, not luck.
- A worker killed (SIGKILL) in the middle of a batch and started again finishes it with exactly
  one certificate per eligible person: tasks are acknowledged late, so the killed chunk's message
  comes back (beat's sweep puts it back once the dead worker's heartbeat lapses, with
  .env.example's settings) and runs again without issuing twice.
"""

import json
import signal
import sys
import time
import uuid

import psycopg
import pytest
import redis

from tests.production.processes import REDIS_BROKER_URL, env_example, manage, output_of, production_env, start, stop

pytestmark = pytest.mark.production

# Rows for one closed cascade session with ``n`` completers, made directly (the integrity rules
# are not what these tests are about). Prints the session id.
SETUP = """
import json, uuid
from datetime import date
from cascade.models import Participation, TrainingSession
from courses.models import Course
from lms.models import Governorate, Person, TrainingCentre
tag = uuid.uuid4().hex[:8]
gov = Governorate.objects.get(code="BG")
centre = TrainingCentre.objects.create(
    code=f"TC-{tag}", name_en=f"Centre {tag}", name_ar=f"مركز {tag}", governorate=gov
)
session = TrainingSession.objects.create(
    ref=f"S-{tag}", course=Course.objects.get(code="MPS-02"), kind="cascade", training_centre=centre,
    governorate=gov, start_date=date(2023, 5, 7), end_date=date(2023, 5, 11), status="closed",
)
for i in range(__N__):
    person = Person.objects.create(
        service_number=f"P-{tag}-{i}", name_ar=f"علي حسن {i}", name_latin=f"Ali Hassan {i}", gender="M",
        governorate=gov,
    )
    Participation.objects.create(session=session, person=person, outcome="completed", days_attended=5)
print(json.dumps({"session": session.pk}))
"""

CONCURRENT_ISSUE = """
import json, threading
from django.db import connection
from cascade.models import Participation
from certificates.services import certificate_issue
participation = Participation.objects.get(session_id=__SESSION__)
barrier = threading.Barrier(20)
results, errors = [], []

def issue():
    try:
        mine = Participation.objects.select_related("session", "person").get(pk=participation.pk)
        barrier.wait()
        results.append(certificate_issue(participation=mine).pk)
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connection.close()

threads = [threading.Thread(target=issue) for _ in range(20)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({"ids": results, "errors": errors}))
"""


def shell(code: str, env: dict[str, str]) -> dict:
    result = manage("shell", "--no-imports", "-c", code, env=env, timeout=300)
    assert result.returncode == 0, output_of(result)
    return json.loads(result.stdout.strip().splitlines()[-1])


def count(database_url: str, sql: str, *params) -> int:
    with psycopg.connect(database_url) as connection:
        return connection.execute(sql, params).fetchone()[0]


def test_twenty_concurrent_issue_calls_make_one_certificate(migrated_database, tmp_path):
    env = production_env(var_dir=tmp_path, database_url=migrated_database)
    session = shell(SETUP.replace("__N__", "1"), env)["session"]

    outcome = shell(CONCURRENT_ISSUE.replace("__SESSION__", str(session)), env)

    assert outcome["errors"] == []
    assert len(outcome["ids"]) == 20
    assert len(set(outcome["ids"])) == 1
    assert count(migrated_database, "SELECT count(*) FROM certificates_certificate WHERE session_id = %s", session) == 1


START_BATCH = """
import json
from django.contrib.auth import get_user_model
from django.db import transaction
from cascade.models import TrainingSession
from certificates.services import batch_start
from lms.roles import ADMINISTRATOR
from django.contrib.auth.models import Group
user = get_user_model().objects.create_user(username="batch-__TAG__")
user.groups.add(Group.objects.get(name=ADMINISTRATOR))
batch = batch_start(user=user, scope="session", session=TrainingSession.objects.get(pk=__SESSION__))
print(json.dumps({"batch": batch.pk}))
"""


@pytest.fixture
def worker_queue():
    queue = f"production-certificates-{uuid.uuid4().hex[:12]}"
    yield queue
    broker = redis.Redis.from_url(REDIS_BROKER_URL)
    broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    broker.close()


def test_a_worker_killed_mid_batch_and_restarted_leaves_one_certificate_per_person(
    migrated_database, tmp_path, worker_queue, request
):
    # .env.example's Celery settings (a 30-minute visibility timeout) and beat, as in production: the
    # killed worker's chunk comes back through beat's sweep once its heartbeat lapses (ops.workers).
    example = env_example()
    env = production_env(
        var_dir=tmp_path,
        database_url=migrated_database,
        CELERY_TASK_DEFAULT_QUEUE=worker_queue,
        CELERY_VISIBILITY_TIMEOUT=example["CELERY_VISIBILITY_TIMEOUT"],
    )
    beat = start(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "-s", str(tmp_path / "beat-schedule")],
        env=env,
        log=tmp_path / "beat.log",
    )
    request.addfinalizer(lambda: stop(beat))
    completers = 60
    session = shell(SETUP.replace("__N__", str(completers)), env)["session"]
    argv = [
        *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1"),
        *("--queues", worker_queue, "--hostname", f"{worker_queue}-%i@%h", "--without-gossip", "--without-mingle"),
    ]
    ready_sql = (
        "SELECT count(*) FROM certificates_certificate WHERE session_id = %s AND pdf <> '' AND replaces_id IS NULL"
    )

    first = start(argv, env=env, log=tmp_path / "worker-1.log")
    try:
        batch = shell(START_BATCH.replace("__TAG__", uuid.uuid4().hex[:8]).replace("__SESSION__", str(session)), env)[
            "batch"
        ]
        deadline = time.monotonic() + 120
        while count(migrated_database, ready_sql, session) < 3:
            assert first.poll() is None, (tmp_path / "worker-1.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "worker-1.log").read_text()
            time.sleep(0.1)
        first.send_signal(signal.SIGKILL)  # no warm shutdown: the chunk in hand is neither acked nor requeued
        first.wait(10)
    finally:
        stop(first)
    interrupted_at = count(migrated_database, ready_sql, session)
    assert 3 <= interrupted_at < completers

    second = start(argv, env=env, log=tmp_path / "worker-2.log")
    try:
        deadline = time.monotonic() + 300  # within five minutes of the restart
        while (
            count(
                migrated_database,
                "SELECT count(*) FROM certificates_certificatebatch WHERE id = %s AND status = 'done'",
                batch,
            )
            == 0
        ):
            assert second.poll() is None, (tmp_path / "worker-2.log").read_text()
            assert time.monotonic() < deadline, (
                f"batch not done; {count(migrated_database, ready_sql, session)} of {completers} ready\n"
                + (tmp_path / "worker-2.log").read_text()
            )
            time.sleep(0.2)
    finally:
        stop(second)

    per_person = (
        "SELECT count(*) FROM (SELECT person_id FROM certificates_certificate WHERE session_id = %s "
        "GROUP BY person_id HAVING count(*) = 1) AS once"
    )
    assert (
        count(migrated_database, "SELECT count(*) FROM certificates_certificate WHERE session_id = %s", session)
        == completers
    )
    assert count(migrated_database, per_person, session) == completers
    assert count(migrated_database, ready_sql, session) == completers
    assert count(migrated_database, "SELECT done FROM certificates_certificatebatch WHERE id = %s", batch) == completers
    assert (
        count(
            migrated_database,
            "SELECT count(*) FROM certificates_certificatebatch WHERE id = %s AND archive <> ''",
            batch,
        )
        == 1
    )


PAUSE_OR_RESUME = """
import json
from django.contrib.auth import get_user_model
from certificates.models import CertificateBatch
from certificates.services import batch_pause, batch_resume
batch = CertificateBatch.objects.get(pk=__BATCH__)
__ACTION__(batch=batch, user=batch.owner)
print(json.dumps({"status": CertificateBatch.objects.get(pk=batch.pk).status}))
"""

PAUSE_AFTER_FIRST_CHUNK = """
import json, time
from certificates.models import Certificate, CertificateBatch
from certificates.services import batch_pause
ready = Certificate.objects.filter(session_id=__SESSION__).exclude(pdf="")
deadline = time.monotonic() + 120
while not ready.exists() and time.monotonic() < deadline:
    time.sleep(0.05)
batch_pause(batch=batch, user=batch.owner)
status = CertificateBatch.objects.get(pk=batch.pk).status
print(json.dumps({"batch": batch.pk, "status": status, "ready": ready.count()}))
"""

# A whole centre (the test's own: the database is shared with the other tests, whose PDFs are
# stored under their own temporary directories).
START_CENTRE_BATCH = START_BATCH.replace(
    'scope="session", session=TrainingSession.objects.get(pk=__SESSION__)',
    'scope="centre", training_centre=TrainingSession.objects.get(pk=__SESSION__).training_centre',
)


def test_a_batch_paused_on_a_worker_draws_nothing_more_until_resumed(migrated_database, tmp_path, worker_queue):
    env = production_env(var_dir=tmp_path, database_url=migrated_database, CELERY_TASK_DEFAULT_QUEUE=worker_queue)
    eligible = 150
    session = shell(SETUP.replace("__N__", str(eligible)), env)["session"]
    ready_sql = "SELECT count(*) FROM certificates_certificate WHERE pdf <> '' AND session_id = %s"
    argv = [
        *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1"),
        *("--queues", worker_queue, "--hostname", f"{worker_queue}@%h", "--without-gossip", "--without-mingle"),
    ]
    worker = start(argv, env=env, log=tmp_path / "worker.log")
    try:
        # Started and paused from one process, the moment the first chunk's PDFs are stored: a chunk
        # takes about a second, so a process started only then (seconds on a loaded machine) could
        # find the whole batch already drawn.
        paused = shell(
            START_CENTRE_BATCH.replace("__TAG__", uuid.uuid4().hex[:8]).replace("__SESSION__", str(session))
            + PAUSE_AFTER_FIRST_CHUNK.replace("__SESSION__", str(session)),
            env,
        )
        batch = paused["batch"]
        assert paused["status"] == "paused", (tmp_path / "worker.log").read_text()
        assert paused["ready"] >= 1
        # The chunk in hand finishes; the queued ones find the batch paused and draw nothing.
        at_pause, deadline = -1, time.monotonic() + 120
        while (now := count(migrated_database, ready_sql, session)) != at_pause:
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            at_pause = now
            time.sleep(6)
        assert at_pause < eligible

        resumed = shell(PAUSE_OR_RESUME.replace("__BATCH__", str(batch)).replace("__ACTION__", "batch_resume"), env)
        assert resumed["status"] in ("queued", "running")
        deadline = time.monotonic() + 240
        done_sql = "SELECT count(*) FROM certificates_certificatebatch WHERE id = %s AND status = 'done'"
        while count(migrated_database, done_sql, batch) == 0:
            assert worker.poll() is None and time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.2)
    finally:
        stop(worker)
    assert count(migrated_database, ready_sql, session) == eligible
    assert count(migrated_database, "SELECT count(*) FROM certificates_certificate WHERE session_id = %s", session) == (
        eligible
    )
    assert count(migrated_database, "SELECT round FROM certificates_certificatebatch WHERE id = %s", batch) == 1
    assert count(migrated_database, "SELECT done FROM certificates_certificatebatch WHERE id = %s", batch) == eligible
