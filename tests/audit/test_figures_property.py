"""The dashboard's figures equal the records after every write, whatever path wrote it.

Hypothesis draws sequences of writes through every writer — the workspace's services, the admin
session form (create and delete: the writer's ``sessions_delete``), imports of sessions and of
participations and of people, the admin's person, police unit and qualification screens, person merge,
anonymisation, closing a session, a restore's wholesale recount — and
after each step the dashboard's tables (totals, programme
summary, by governorate, by course, generations, trainers) are compared with a brute-force recount
from the raw rows: each participation's fact worked out in Python, generations by walking the
sessions from the master trainers. The after-commit work (``sessions_changed`` and the audit's
refresh) runs as it would after a real commit.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, Phase, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from audit.cells import cell_figures, cells_stale
from audit.models import ParticipationFact
from audit.selectors import AuditScope, dashboard_figures
from audit.services import facts_state
from cascade import services
from cascade.models import (
    Outcome,
    SessionKind,
    TrainerQualification,
    TrainerRole,
    TrainingSession,
)
from cascade.signals import sessions_note
from imports.columns import PARTICIPATIONS, PEOPLE, SESSIONS
from imports.merge import person_merge
from imports.services import records_import
from lms.models import Gender, Governorate, Person, PoliceUnit
from ops.privacy import person_anonymise
from tests.audit.recount import assert_exports_equal_recount, facts_from_records, recount
from tests.conftest import log_in_verified
from tests.factories import PersonFactory, PoliceUnitFactory, TrainingCentreFactory, governorate
from tests.imports.helpers import dataset

pytestmark = [pytest.mark.django_db]

START = date(2022, 1, 9)
SESSION_HEADERS = [c.name for c in SESSIONS]
PARTICIPATION_HEADERS = [c.name for c in PARTICIPATIONS]
PEOPLE_HEADERS = [c.name for c in PEOPLE]

# --- what the property test compares --------------------------------------------------------


def _stored_facts() -> list[dict]:
    return [
        {
            "participation": f.participation_id,
            "person": f.person_id,
            "session": f.session_id,
            "course": f.course_id,
            "kind": f.kind,
            "governorate": f.governorate_id,
            "centre": f.training_centre_id,
            "unit": f.unit_id,
            "station": f.station_id,
            "serves_in": f.serves_in_id,
            "lead": f.lead_trainer_id,
            "gender": f.gender,
            "generation": f.generation,
            "start": f.start_date,
            "outcome": f.outcome,
            "completed": f.completed,
            "pre": f.pre_score,
            "post": f.post_score,
            "gain": f.gain,
            "master_led_tot": f.master_led_tot,
            "qualified": f.qualified,
        }
        for f in ParticipationFact.objects.all()
    ]


def _shown(figures: dict) -> dict:
    return {
        "totals": figures["totals"],
        "programme": figures["programme"],
        "by_governorate": figures["by_governorate"],
        "by_course": figures["by_course"],
        "generations": [{k: row[k] for k in ("key", "people", "trainers")} for row in figures["generations"]],
        "trainers": sorted(
            (r["trainer"], r["course"], r["scored"], r["mean_gain"]) for r in figures["trainers"]["rows"]
        ),
    }


def _key(row: dict) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in row.items()))


def _assert_figures_equal_records(step, client=None) -> None:
    expected = facts_from_records()
    assert sorted(map(_key, _stored_facts())) == sorted(map(_key, expected)), step
    figures = dashboard_figures(AuditScope(everything=True), ParticipationFact.objects.all(), {})
    assert _shown(figures) == recount(expected), step
    # The summary cells the dashboard reads, kept by the same refresh: equal to a rebuild, and their
    # figures (national, and trained in each governorate) equal to the recount.
    assert cells_stale() == [], step
    facts, state = ParticipationFact.objects.all(), facts_state()
    assert _shown(cell_figures(AuditScope(everything=True), {}, facts, state=state)) == recount(expected), step
    for place in Governorate.objects.filter(pk__in={r["governorate"] for r in expected}):
        alone = [r for r in expected if r["governorate"] == place.pk]
        from_cells = cell_figures(AuditScope(everything=True), {"governorate": place}, facts, state=state)
        assert _shown(from_cells) == recount(alone), (step, place.code)
    if client is not None:
        assert_exports_equal_recount(client, recount(expected), step)


# --- the world and the writes -----------------------------------------------------------------


class World:
    def __init__(self, cascade, client, admin) -> None:
        self.cascade, self.client, self.admin = cascade, client, admin
        self.centres = [cascade.centre, TrainingCentreFactory(governorate=governorate("BA"))]
        self.trainers = [cascade.master, cascade.qualified_trainer(), cascade.qualified_trainer()]
        self.places = [PoliceUnitFactory(governorate=governorate(code)) for code in ("BG", "BA")]
        self.pool = [PersonFactory(gender=Gender.FEMALE if i % 3 == 0 else Gender.MALE) for i in range(8)]
        self.n = 0

    def ref(self) -> str:
        self.n += 1
        return f"HYP-{self.n:03d}"

    def session(self, i: int) -> TrainingSession | None:
        sessions = list(TrainingSession.objects.filter(ref__startswith="HYP-").order_by("pk"))
        return sessions[i % len(sessions)] if sessions else None

    def person(self, i: int) -> Person:
        alive = list(Person.objects.filter(pk__in=[p.pk for p in self.pool]).order_by("pk"))
        return alive[i % len(alive)]


KINDS = [SessionKind.TOT, SessionKind.CASCADE, SessionKind.DIRECT]


def _create(world: World, a: int, b: int, c: int) -> None:
    kind = KINDS[a % 3]
    lead = world.trainers[b % 3] if kind != SessionKind.CASCADE else world.trainers[1 + b % 2]
    services.session_create(
        ref=world.ref(),
        course=world.cascade.course,
        kind=kind,
        training_centre=world.centres[c % 2],
        start_date=START + timedelta(days=7 * (c % 5)),
        end_date=START + timedelta(days=7 * (c % 5) + 4),
        lead_trainer=lead,
    )


def _record(world: World, a: int, b: int, c: int) -> None:
    session = world.session(a)
    if session is not None:
        services.participation_record(
            session=session,
            person=world.person(b),
            pre_score=Decimal(30 + c % 20),
            post_score=Decimal(50 + (c * 7) % 50),
            outcome=[Outcome.COMPLETED, Outcome.INCOMPLETE][c % 2],
        )


def _remove(world: World, a: int, b: int, c: int) -> None:
    session = world.session(a)
    participation = session.participations.first() if session else None
    if participation is not None:
        services.participation_remove(session=session, person=participation.person)


def _close(world: World, a: int, b: int, c: int) -> None:
    session = world.session(a)
    if session is not None and not session.is_closed:
        services.session_close(session=session)


def _admin_create(world: World, a: int, b: int, c: int) -> None:
    kind = KINDS[a % 3]
    lead = world.trainers[b % 3] if kind != SessionKind.CASCADE else world.trainers[1 + b % 2]
    start = START + timedelta(days=7 * (c % 5))
    people = {world.person(b + k).pk for k in range(1 + c % 2)}
    data = nested_form_data(
        {
            "ref": world.ref(),
            "kind": kind,
            "course": world.cascade.course.pk,
            "training_centre": world.centres[c % 2].pk,
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=4)).isoformat(),
            "headcount_male": 0,
            "headcount_female": 0,
            "notes": "",
            "trainers": inline_formset([{"person": lead.pk, "role": TrainerRole.LEAD}]),
            "participations": inline_formset(
                [
                    {
                        "person": pk,
                        "days_attended": 3,
                        "pre_score": "40",
                        "post_score": str(60 + c % 30),
                        "outcome": "completed",
                    }
                    for pk in sorted(people)
                ]
            ),
        }
    )
    world.client.post("/admin/sessions/add/", data)


def _admin_delete(world: World, a: int, b: int, c: int) -> None:
    session = world.session(a)
    if session is not None:
        world.client.post(f"/admin/sessions/delete/{session.pk}/")


def _import_session(world: World, a: int, b: int, c: int) -> None:
    kind = KINDS[a % 3]
    lead = world.trainers[b % 3] if kind != SessionKind.CASCADE else world.trainers[1 + b % 2]
    start = START + timedelta(days=7 * (c % 5))
    values = {
        "session_ref": world.ref(),
        "course_code": world.cascade.course.code,
        "kind": kind,
        "training_centre": world.centres[c % 2].code,
        "governorate": "",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=4)).isoformat(),
        "lead_trainer_service_number": lead.service_number,
    }
    row = [values.get(name, "") for name in SESSION_HEADERS]
    records_import(kind="sessions", dataset=dataset(SESSION_HEADERS, [row]), dry_run=False, user=world.admin)


def _import_participations(world: World, a: int, b: int, c: int) -> None:
    session = world.session(a)
    if session is None:
        return
    rows = []
    for k in range(1 + c % 3):
        values = {
            "session_ref": session.ref,
            "service_number": world.person(b + k).service_number,
            "days_attended": 2,
            "pre_score": 35,
            "post_score": 55 + (c + k) % 40,
            "outcome": ["completed", "incomplete"][(c + k) % 2],
        }
        rows.append([values.get(name, "") for name in PARTICIPATION_HEADERS])
    records_import(kind="participations", dataset=dataset(PARTICIPATION_HEADERS, rows), dry_run=False, user=world.admin)


def _merge(world: World, a: int, b: int, c: int) -> None:
    survivor, duplicate = world.person(a), world.person(a + 1 + b % 3)
    if survivor.pk != duplicate.pk:
        person_merge(survivor=survivor, duplicate=duplicate, user=world.admin)


def _anonymise(world: World, a: int, b: int, c: int) -> None:
    person_anonymise(world.person(a), by=world.admin)


def _admin_person(world: World, a: int, b: int, c: int) -> None:
    """The admin's person form: another gender, governorate and unit."""
    person = world.person(a)
    place = PoliceUnit.objects.get(pk=world.places[b % len(world.places)].pk)  # it may have moved
    data = {
        "service_number": person.service_number,
        "name_ar": person.name_ar,
        "name_latin": person.name_latin,
        "gender": [Gender.MALE, Gender.FEMALE][c % 2],
        "rank": person.rank,
        "governorate": place.governorate_id if c % 3 else world.centres[1].governorate_id,
        "unit": place.pk if c % 3 else "",
        "station": "",
        "is_master_trainer": "",
        "user": "",
    }
    response = world.client.post(f"/admin/people/edit/{person.pk}/", nested_form_data(data))
    assert response.status_code == 302, response.content.decode()[-2000:]


def _admin_unit(world: World, a: int, b: int, c: int) -> None:
    """The admin's police unit form: the unit moved to another governorate, with the people posted to it."""
    unit = world.places[a % len(world.places)]
    data = {"name_ar": unit.name_ar, "name_en": unit.name_en, "governorate": governorate(("BG", "BA", "NI")[b % 3]).pk}
    response = world.client.post(f"/admin/units/edit/{unit.pk}/", nested_form_data(data))
    assert response.status_code == 302, response.content.decode()[-2000:]


def _import_people(world: World, a: int, b: int, c: int) -> None:
    """The people import: rows that change gender and governorate."""
    rows = []
    for k in range(1 + c % 2):
        person = world.person(a + k)
        gender = [Gender.MALE, Gender.FEMALE][(b + k) % 2]
        rows.append([person.service_number, person.name_ar, "", gender, "", "", "", ["Baghdad", "Basra"][c % 2]])
    records_import(kind="people", dataset=dataset(PEOPLE_HEADERS, rows), dry_run=False, user=world.admin)


def _admin_qualification(world: World, a: int, b: int, c: int) -> None:
    """The admin's qualification screens: delete one, or move its start (refused where a session rests on it)."""
    qualifications = list(TrainerQualification.objects.order_by("pk"))
    chosen = qualifications[a % len(qualifications)]
    if b % 2:
        world.client.post(f"/admin/qualifications/delete/{chosen.pk}/")
        return
    data = {
        "person": chosen.person_id,
        "course": chosen.course_id,
        "valid_from": (START + timedelta(days=7 * (c % 5))).isoformat(),
        "valid_until": "",
        "source_session": chosen.source_session_id or "",
    }
    world.client.post(f"/admin/qualifications/edit/{chosen.pk}/", nested_form_data(data))


def _restore(world: World, a: int, b: int, c: int) -> None:
    """A restored backup brings the records back with the figures as they were when it was taken (here:
    none counted yet); the restore then asks for every figure afresh (``ops.backup.restore``)."""
    ParticipationFact.objects.all().delete()
    sessions_note((), everything=True)


WRITES = {
    "workspace: new session": _create,
    "workspace: record a participant": _record,
    "workspace: remove a participant": _remove,
    "workspace: close a session": _close,
    "admin form: new session": _admin_create,
    "admin form: delete a session": _admin_delete,
    "import: a session": _import_session,
    "import: participations": _import_participations,
    "person merge": _merge,
    "anonymisation": _anonymise,
    "admin: a person's gender and posting": _admin_person,
    "import: people": _import_people,
    "admin: a police unit moved": _admin_unit,
    "admin: a qualification changed or deleted": _admin_qualification,
    "restore": _restore,
}

steps = st.lists(
    st.tuples(st.sampled_from(sorted(WRITES)), st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)),
    min_size=4,
    max_size=10,
)


@pytest.fixture
def world(cascade, client, django_user_model, django_capture_on_commit_callbacks):
    admin = django_user_model.objects.create_superuser(username="admin", password=None)
    log_in_verified(client, admin)
    with django_capture_on_commit_callbacks(execute=True):
        built = World(cascade, client, admin)
    return built


def test_the_dashboard_equals_a_recount_of_the_records_after_every_write(
    world, settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_MENTORING_MIN_SCORED = 1  # every lead trainer with a scored participant is listed
    settings.AUDIT_SMALL_GROUP_THRESHOLD = 0  # the exports write every count as it is

    @hypothesis_settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
        phases=[Phase.explicit, Phase.reuse, Phase.generate],  # each step names itself; shrinking costs minutes
    )
    @given(steps=steps)
    # Writes that change what a counted person is counted by, on someone already counted.
    @example(
        steps=[("workspace: new session", 0, 0, 0), ("workspace: record a participant", 0, 0, 0)]
        + [("admin: a person's gender and posting", 0, 0, 0), ("import: people", 0, 0, 1)]
        + [("admin: a person's gender and posting", 0, 0, 4), ("admin: a police unit moved", 0, 2, 0)]
    )
    @example(
        steps=[("workspace: new session", 0, 0, 0), ("workspace: record a participant", 0, 0, 0)]
        + [("workspace: close a session", 0, 0, 0), ("admin: a qualification changed or deleted", 2, 1, 0)]
    )
    def run(steps):
        # Each example starts from the same records: its writes are rolled back at its end.
        with transaction.atomic():
            _assert_figures_equal_records("start")
            for number, (name, a, b, c) in enumerate(steps):
                with django_capture_on_commit_callbacks(execute=True):
                    try:
                        with transaction.atomic():
                            WRITES[name](world, a, b, c)
                    except ValidationError:
                        pass  # a refused write changes nothing, and the figures must say so too
                _assert_figures_equal_records((number, name, a, b, c, steps), world.client)
            transaction.set_rollback(True)

    run()
