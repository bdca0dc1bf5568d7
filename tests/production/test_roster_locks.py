"""Who waits for whom when one roster is saved by several people at once (PostgreSQL row locks).

A save of marks (attendance, scores, outcome) of people already on the roster holds the session
under a shared lock and each participant's row under its own, so while one such save is still
open (its transaction not yet committed):

- a save of another participant's marks goes through without waiting;
- a save of the same participant's marks waits, and once the first commits, it is applied over
  what the first stored;
- a write that changes the session as a whole (its dates, or a name added to the roster) waits.

"Waits" is read from PostgreSQL's ``lock_timeout``: the waiting write gives up with
``lock_not_available`` (55P03) instead of hanging the test; those that must not wait have a
generous one.
"""

import json

import pytest

from tests.production.processes import manage, output_of, production_env

pytestmark = pytest.mark.production

SCRIPT = """
import json, threading, uuid
from datetime import timedelta
from decimal import Decimal
from django.db import connection, transaction
from django.utils import timezone
from cascade import services
from cascade.models import Participation, SessionKind
from courses.models import Course
from lms.models import Governorate, Person, TrainingCentre

tag = uuid.uuid4().hex[:8]
gov = Governorate.objects.get(code="BG")
centre = TrainingCentre.objects.create(
    code=f"TC-{tag}", name_en=f"Centre {tag}", name_ar=f"مركز {tag}", governorate=gov
)

def person(i):
    return Person.objects.create(
        service_number=f"L-{tag}-{i}", name_ar=f"علي حسن {i}", name_latin=f"Ali Hassan {i}", gender="M", governorate=gov
    )

today = timezone.localdate()
session = services.session_create(
    ref=f"S-{tag}", course=Course.objects.get(code="MPS-02"), kind=SessionKind.DIRECT, training_centre=centre,
    start_date=today - timedelta(days=1), end_date=today + timedelta(days=1), lead_trainer=person("lead"),
)
first, second, newcomer = person(1), person(2), person(3)
services.roster_record(session=session, entries=[services.RosterEntry(person=p) for p in (first, second)])

holding, release = threading.Event(), threading.Event()

def described(exc):
    # 55P03 lock_not_available: the statement waited for a lock longer than lock_timeout
    if getattr(exc.__cause__, "sqlstate", None) == "55P03":
        return "waited"
    return type(exc).__name__ + ": " + str(exc).splitlines()[0]
outcome = {}

def attempt(write, *, timeout):
    # run write() on this thread's own connection, giving up on any lock after the timeout
    def run():
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = '{timeout}'")
            write()
            return "saved"
        except Exception as exc:
            return described(exc)
        finally:
            connection.close()
    return run

def marks(person, score, *, timeout, hold=False):
    def write():
        with transaction.atomic():
            services.roster_record(session=session, entries=[services.RosterEntry(person=person, pre_score=score)])
            if hold:
                holding.set()
                release.wait(120)
    return attempt(write, timeout=timeout)

def in_thread(name, run):
    def target():
        outcome[name] = run()
    thread = threading.Thread(target=target)
    thread.start()
    return thread

open_save = in_thread("first, held open", marks(first, 41, timeout="30s", hold=True))
holding.wait(60)
in_thread("second participant", marks(second, 52, timeout="30s")).join()
in_thread("same participant", marks(first, 63, timeout="2s")).join()
later = lambda: services.session_update(
    session=session, start_date=session.start_date, end_date=session.end_date + timedelta(days=1),
    headcount_male=0, headcount_female=0,
)
in_thread("dates", attempt(later, timeout="2s")).join()
add = lambda: services.participation_record(session=session, person=newcomer)
in_thread("a name added", attempt(add, timeout="2s")).join()
release.set()
open_save.join()
in_thread("same participant, after", marks(first, 74, timeout="30s")).join()

stored = {p.person_id: str(p.pre_score) for p in Participation.objects.filter(session=session)}
outcome["stored"] = {
    "first": stored.get(first.pk), "second": stored.get(second.pk), "newcomer": stored.get(newcomer.pk, "absent")
}
outcome["history"] = Participation.history.filter(session_id=session.pk, history_type="~").count()
print(json.dumps(outcome))
"""


def test_marks_of_different_participants_do_not_wait_for_each_other_but_session_writes_do(migrated_database, tmp_path):
    env = production_env(var_dir=tmp_path, database_url=migrated_database, CELERY_TASK_ALWAYS_EAGER="1")
    result = manage("shell", "--no-imports", "-c", SCRIPT, env=env, timeout=300)
    assert result.returncode == 0, output_of(result)
    outcome = json.loads(result.stdout.strip().splitlines()[-1])

    assert outcome["first, held open"] == "saved"
    assert outcome["second participant"] == "saved"  # while the first save was still open
    assert outcome["same participant"] == "waited", outcome
    assert outcome["dates"] == "waited", outcome
    assert outcome["a name added"] == "waited", outcome
    assert outcome["same participant, after"] == "saved"
    assert outcome["stored"] == {"first": "74.00", "second": "52.00", "newcomer": "absent"}
    assert outcome["history"] == 3  # one row per save that changed a mark; the refused ones wrote none
