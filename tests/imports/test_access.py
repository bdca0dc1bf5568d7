"""What a training-centre manager's import may touch: new people and the people of their centre's
sessions, their centre's sessions and participations, never targets; a job re-reads its owner's rights."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from cascade import services
from cascade.models import Outcome, Participation, SessionKind
from imports.columns import PARTICIPATIONS, PEOPLE, TARGETS
from imports.models import ImportJob, JobStatus
from imports.resources import PERSON_OUTSIDE_CENTRE, SESSION_OF_OTHER_CENTRE
from imports.services import (
    KIND_NOT_FOR_CENTRES,
    NO_LONGER_ALLOWED,
    import_job_check,
    import_job_confirm,
    records_import,
)
from lms.models import Person, StaffScope
from lms.roles import CENTRE_MANAGER
from plans.models import Target
from tests.factories import PersonFactory, TrainingCentreFactory
from tests.imports.helpers import csv_bytes, dataset

pytestmark = pytest.mark.django_db

PEOPLE_HEADERS = [c.name for c in PEOPLE]


def person_row(person: Person, *, name: str | None = None) -> list:
    return [person.service_number, name or person.name_ar, person.name_latin, "M", "lieutenant", "", "", "BG"]


def fixed_part(template) -> str:
    return str(template).split("{")[0].strip()


@pytest.fixture
def centre_people(cascade):
    """A trainer and a participant of a cascade session at the cascade's centre, and a stranger
    trained at another centre."""
    trainer = cascade.qualified_trainer(rank="lieutenant")
    session = cascade.session(kind=SessionKind.CASCADE, lead=trainer)
    trainee = PersonFactory()
    services.participation_record(session=session, person=trainee, outcome=Outcome.COMPLETED)
    other_centre = TrainingCentreFactory()
    elsewhere = services.session_create(
        ref="ELSEWHERE-1",
        course=cascade.course,
        kind=SessionKind.TOT,
        training_centre=other_centre,
        start_date=session.start_date,
        end_date=session.end_date,
        lead_trainer=cascade.master,
    )
    stranger = PersonFactory()
    services.participation_record(session=elsewhere, person=stranger, outcome=Outcome.COMPLETED)
    return {"trainer": trainer, "trainee": trainee, "stranger": stranger, "elsewhere": elsewhere}


def test_a_manager_adds_new_people_and_updates_the_people_of_their_centre(english, cascade, centre_people):
    trainee, trainer = centre_people["trainee"], centre_people["trainer"]
    rows = [
        ["7000001", "سارة كريم", "Sara Karim", "F", "lieutenant", "", "", "BG"],
        person_row(trainee, name="اسم جديد"),
        person_row(trainer, name="مدرب معدل"),
    ]
    outcome = records_import(
        kind="people", dataset=dataset(PEOPLE_HEADERS, rows), dry_run=False, scope_centre=cascade.centre
    )
    assert outcome.counts == {"new": 1, "updated": 2, "unchanged": 0, "error": 0}, outcome.rows
    trainee.refresh_from_db()
    assert trainee.name_ar == "اسم جديد"


@pytest.mark.parametrize("changed", [True, False])
def test_a_manager_cannot_name_someone_recorded_outside_their_centre(english, cascade, centre_people, changed):
    """Changed or not: the dry run must not tell a manager whether a stranger's record matches the row."""
    stranger = centre_people["stranger"]
    unknown_to_every_session = PersonFactory()
    rows = [
        ["7000002", "علي حسن", "Ali Hasan", "M", "sergeant", "", "", "BG"],
        person_row(stranger, name="اسم آخر" if changed else None),
        person_row(unknown_to_every_session),
    ]
    before = Person.objects.count()
    outcome = records_import(
        kind="people", dataset=dataset(PEOPLE_HEADERS, rows), dry_run=False, scope_centre=cascade.centre
    )
    assert not outcome.stored and Person.objects.count() == before
    errors = {row.line: row for row in outcome.error_rows()}
    assert set(errors) == {3, 4}
    for line, person in ((3, stranger), (4, unknown_to_every_session)):
        assert errors[line].column == "service_number"
        assert person.service_number in errors[line].reason
        assert fixed_part(PERSON_OUTSIDE_CENTRE) in errors[line].reason
    stranger.refresh_from_db()
    assert stranger.name_ar != "اسم آخر"


def test_an_administrator_updates_anyone(cascade, centre_people):
    stranger = centre_people["stranger"]
    outcome = records_import(
        kind="people", dataset=dataset(PEOPLE_HEADERS, [person_row(stranger, name="اسم آخر")]), dry_run=False
    )
    assert outcome.counts["updated"] == 1 and outcome.stored


def test_a_manager_cannot_record_participants_of_another_centres_session(english, cascade, centre_people):
    elsewhere = centre_people["elsewhere"]
    newcomer = PersonFactory()
    rows = [[elsewhere.ref, newcomer.service_number, 3, 50, 70, "completed"]]
    outcome = records_import(
        kind="participations",
        dataset=dataset([c.name for c in PARTICIPATIONS], rows),
        dry_run=False,
        scope_centre=cascade.centre,
    )
    [bad] = outcome.error_rows()
    assert bad.column == "session_ref" and fixed_part(SESSION_OF_OTHER_CENTRE) in bad.reason
    assert not Participation.objects.filter(person=newcomer).exists()


def test_targets_are_refused_to_a_manager_even_for_the_whole_governorate(english, cascade):
    rows = [[2026, "BG", "", "MPS-01", 100, 20]]
    outcome = records_import(
        kind="targets", dataset=dataset([c.name for c in TARGETS], rows), dry_run=False, scope_centre=cascade.centre
    )
    assert outcome.has_errors and not outcome.stored
    assert outcome.file_errors == [str(KIND_NOT_FOR_CENTRES.format(kind="targets"))]
    assert not Target.objects.filter(year=2026).exists()


def test_a_queued_job_stores_nothing_once_its_owner_is_no_longer_a_manager_of_that_centre(
    english, cascade, django_user_model, django_capture_on_commit_callbacks
):
    owner = django_user_model.objects.create_user(username="manager", password=None)
    owner.groups.add(Group.objects.get(name=CENTRE_MANAGER))
    scope = StaffScope.objects.create(user=owner, training_centre=cascade.centre)
    upload = SimpleUploadedFile(
        "roster.csv",
        csv_bytes(PEOPLE_HEADERS, [["7000003", "ليلى أحمد", "Layla Ahmed", "F", "lieutenant", "", "", "BG"]]),
        content_type="text/csv",
    )
    job = import_job_check(owner=owner, kind="people", uploaded=upload, scope_centre=cascade.centre)
    assert job.can_confirm
    scope.training_centre = TrainingCentreFactory()  # moved to another centre before the job ran
    scope.save()
    with django_capture_on_commit_callbacks(execute=True):
        import_job_confirm(job=job)
    job = ImportJob.objects.get(pk=job.pk)
    assert job.status == JobStatus.FAILED
    assert job.failure == str(NO_LONGER_ALLOWED)
    assert not Person.objects.filter(service_number="7000003").exists()
