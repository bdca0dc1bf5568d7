"""Session admin: the integrity rules run on the page as submitted, and a refused page saves nothing."""

import html
from datetime import date

import pytest
from django.utils import translation
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from cascade import forms, integrity, lineage, lineage_upkeep, services
from cascade.models import SessionKind, SessionStatus, TrainerRole, TrainingSession
from lms import roles
from lms.models import Gender
from tests.cascade.personas import login
from tests.conftest import log_in_verified
from tests.factories import PersonFactory, TrainingCentreFactory, governorate

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    """A logged-in superuser; no password, since hashing one costs about a second per test."""
    return log_in_verified(client, django_user_model.objects.create_superuser(username="admin", password=None))


def session_form(
    cascade,
    *,
    ref="ADM-001",
    kind=SessionKind.TOT,
    start="2023-02-05",
    end="2023-02-09",
    trainers=(),
    participants=(),
    trainers_initial=0,
    participants_initial=0,
    **fields,
):
    """POST data for the session form; ``trainers``/``participants`` are dicts of row fields."""
    return nested_form_data(
        {
            "ref": ref,
            "kind": kind,
            "course": cascade.course.pk,
            "training_centre": cascade.centre.pk,
            "start_date": start,
            "end_date": end,
            "headcount_male": 0,
            "headcount_female": 0,
            "notes": "",
            **fields,
            "trainers": inline_formset(list(trainers), initial=trainers_initial),
            "participations": inline_formset(list(participants), initial=participants_initial),
        }
    )


def participant(person, **fields):
    return {
        "person": person.pk,
        "days_attended": 5,
        "pre_score": "",
        "post_score": "",
        "outcome": "completed",
        **fields,
    }


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def message(template, **params) -> str:
    # The admin speaks the project's default language (Arabic) to a user with no preference.
    with translation.override("ar"):
        return template.format(**params)


@pytest.mark.parametrize("page", ["/admin/sessions/", "/admin/qualifications/"])
def test_the_lists_render_for_an_administrator(admin_client, cascade, page):
    cascade.qualified_trainer()
    assert admin_client.get(page).status_code == 200


def test_the_session_list_filters_by_kind_course_governorate_status_and_start_date(admin_client, cascade):
    cascade.session(kind=SessionKind.TOT, lead=cascade.master, start=date(2023, 5, 1))
    response = admin_client.get(
        "/admin/sessions/",
        {
            "kind": SessionKind.TOT,
            "course": cascade.course.pk,
            "governorate": cascade.centre.governorate_id,
            "status": SessionStatus.OPEN,
            "start_date_from": "2023-01-01",
            "start_date_to": "2023-12-31",
        },
    )
    assert response.status_code == 200
    assert "T-001" in response.text


def test_the_edit_page_shows_the_trainers_and_participants(admin_client, cascade):
    session = cascade.session(kind=SessionKind.TOT, lead=cascade.master)
    trainee = PersonFactory()
    services.participation_record(session=session, person=trainee)
    text = page_text(admin_client.get(f"/admin/sessions/edit/{session.pk}/"))
    assert cascade.master.service_number in text
    assert trainee.service_number in text


def test_it_creates_a_session_with_its_rows_in_its_centre_governorate(admin_client, cascade):
    trainee = PersonFactory()
    data = session_form(
        cascade,
        trainers=[{"person": cascade.master.pk, "role": TrainerRole.LEAD}],
        participants=[participant(trainee, pre_score="40", post_score="75")],
    )
    response = admin_client.post("/admin/sessions/add/", data)
    assert response.status_code == 302, page_text(response)
    session = TrainingSession.objects.get(ref="ADM-001")
    assert session.governorate_id == cascade.centre.governorate_id
    assert list(session.trainers.values_list("person_id", flat=True)) == [cascade.master.pk]
    assert list(session.participations.values_list("person_id", flat=True)) == [trainee.pk]
    assert session.created_by.username == "admin"


def test_it_refuses_self_training_and_saves_nothing(admin_client, cascade):
    data = session_form(
        cascade,
        trainers=[{"person": cascade.master.pk, "role": TrainerRole.LEAD}],
        participants=[participant(cascade.master)],
    )
    response = admin_client.post("/admin/sessions/add/", data)
    assert response.status_code == 200
    label = str(cascade.master)
    assert message(integrity.SELF_TRAINING, session="ADM-001", person=label) in page_text(response)
    assert not TrainingSession.objects.filter(ref="ADM-001").exists()


def test_it_refuses_an_end_date_before_the_start_date_and_saves_nothing(admin_client, cascade):
    data = session_form(
        cascade, start="2023-02-09", end="2023-02-05", trainers=[{"person": cascade.master.pk, "role": "lead"}]
    )
    response = admin_client.post("/admin/sessions/add/", data)
    assert response.status_code == 200
    expected = message(integrity.DATES_OUT_OF_ORDER, session="ADM-001", start=date(2023, 2, 9), end=date(2023, 2, 5))
    assert expected in page_text(response)
    assert not TrainingSession.objects.filter(ref="ADM-001").exists()


def test_it_reports_every_broken_rule_at_once(admin_client, cascade):
    unqualified = PersonFactory()
    data = session_form(
        cascade,
        kind=SessionKind.CASCADE,
        start="2023-02-09",
        end="2023-02-05",
        trainers=[{"person": unqualified.pk, "role": "lead"}],
        participants=[participant(unqualified)],
    )
    text = page_text(admin_client.post("/admin/sessions/add/", data))
    label = str(unqualified)
    assert (
        message(integrity.DATES_OUT_OF_ORDER, session="ADM-001", start=date(2023, 2, 9), end=date(2023, 2, 5)) in text
    )
    assert message(integrity.SELF_TRAINING, session="ADM-001", person=label) in text
    assert (
        message(integrity.TRAINER_NOT_QUALIFIED, session="ADM-001", person=label, course="MPS-01", day=date(2023, 2, 9))
        in text
    )


def test_a_row_marked_for_deletion_does_not_count(admin_client, cascade):
    session = cascade.session(kind=SessionKind.TOT, lead=cascade.master)
    row = session.trainers.get()
    other = PersonFactory(is_master_trainer=True)
    data = session_form(
        cascade,
        ref=session.ref,
        start=session.start_date.isoformat(),
        end=session.end_date.isoformat(),
        # The former lead is removed as trainer and becomes a participant, trained by another expert.
        trainers=[
            {"id": row.pk, "person": cascade.master.pk, "role": "lead", "DELETE": "1"},
            {"person": other.pk, "role": "lead"},
        ],
        trainers_initial=1,
        participants=[participant(cascade.master)],
    )
    response = admin_client.post(f"/admin/sessions/edit/{session.pk}/", data)
    assert response.status_code == 302, page_text(response)
    assert list(session.trainers.values_list("person_id", flat=True)) == [other.pk]
    assert list(session.participations.values_list("person_id", flat=True)) == [cascade.master.pk]


def test_it_refuses_to_change_a_closed_session(admin_client, cascade):
    cascade.qualified_trainer()
    closed = TrainingSession.objects.get(status=SessionStatus.CLOSED)
    data = session_form(
        cascade,
        ref=closed.ref,
        start=closed.start_date.isoformat(),
        end=closed.end_date.isoformat(),
        notes="changed after closing",
        trainers=[{"id": t.pk, "person": t.person_id, "role": t.role} for t in closed.trainers.all()],
        trainers_initial=closed.trainers.count(),
        participants=[
            participant(p.person, id=p.pk, pre_score=p.pre_score, post_score=p.post_score)
            for p in closed.participations.all()
        ],
        participants_initial=closed.participations.count(),
    )
    response = admin_client.post(f"/admin/sessions/edit/{closed.pk}/", data)
    assert response.status_code == 200
    assert message(integrity.SESSION_CLOSED, session=closed.ref) in page_text(response)
    closed.refresh_from_db()
    assert closed.notes == ""
    assert closed.participations.count() == 1


def test_it_refuses_two_lead_trainers_instead_of_failing_in_the_database(admin_client, cascade):
    other = PersonFactory(is_master_trainer=True)
    data = session_form(
        cascade,
        trainers=[{"person": cascade.master.pk, "role": "lead"}, {"person": other.pk, "role": "lead"}],
    )
    response = admin_client.post("/admin/sessions/add/", data)
    assert response.status_code == 200
    assert message(forms.MORE_THAN_ONE_LEAD, session="ADM-001") in page_text(response)
    assert not TrainingSession.objects.filter(ref="ADM-001").exists()


def test_a_centre_manager_creates_sessions_in_their_own_centre_only(client, cascade):
    own = login("centre-manager", roles.CENTRE_MANAGER, centre=cascade.centre)
    other = login("other-manager", roles.CENTRE_MANAGER, centre=TrainingCentreFactory(governorate=governorate("BA")))
    data = session_form(cascade, trainers=[{"person": cascade.master.pk, "role": TrainerRole.LEAD}])

    log_in_verified(client, other)
    response = client.post("/admin/sessions/add/", data)
    assert response.status_code == 200  # the form again, with the centre refused
    assert "training_centre" in response.context["form"].errors
    assert not TrainingSession.objects.filter(ref="ADM-001").exists()

    log_in_verified(client, own)
    response = client.post("/admin/sessions/add/", data)
    assert response.status_code == 302, page_text(response)
    assert TrainingSession.objects.get(ref="ADM-001").training_centre == cascade.centre


def test_it_refuses_more_days_attended_than_the_session_lasts(admin_client, cascade):
    trainee = PersonFactory()
    data = session_form(
        cascade,
        trainers=[{"person": cascade.master.pk, "role": TrainerRole.LEAD}],
        participants=[participant(trainee, days_attended=9)],  # the session lasts five days
    )
    response = admin_client.post("/admin/sessions/add/", data)
    assert response.status_code == 200
    expected = message(integrity.DAYS_ATTENDED_TOO_MANY, session="ADM-001", person=str(trainee), days=9, length=5)
    assert expected in page_text(response)
    assert not TrainingSession.objects.filter(ref="ADM-001").exists()


def test_it_refuses_a_headcount_below_the_named_participants(admin_client, cascade):
    men = [PersonFactory(gender="M") for _ in range(2)]
    data = session_form(
        cascade,
        trainers=[{"person": cascade.master.pk, "role": TrainerRole.LEAD}],
        participants=[participant(person) for person in men],
        headcount_male=1,  # two men are named
    )
    response = admin_client.post("/admin/sessions/add/", data)
    assert response.status_code == 200
    with translation.override("ar"):
        gender = str(Gender.MALE.label)
    expected = message(integrity.HEADCOUNT_BELOW_NAMED, session="ADM-001", gender=gender, reported=1, named=2)
    assert expected in page_text(response)
    assert not TrainingSession.objects.filter(ref="ADM-001").exists()


def test_a_headcount_left_as_it_was_rises_to_meet_the_named_participants(admin_client, cascade):
    women = [PersonFactory(gender="F") for _ in range(3)]
    data = session_form(
        cascade,
        trainers=[{"person": cascade.master.pk, "role": TrainerRole.LEAD}],
        participants=[participant(person) for person in women],
    )
    response = admin_client.post("/admin/sessions/add/", data)
    assert response.status_code == 302, page_text(response)
    session = TrainingSession.objects.get(ref="ADM-001")
    assert (session.headcount_male, session.headcount_female) == (0, 3)


def test_a_saved_session_is_on_the_dashboard_facts_after_the_commit(
    admin_client, cascade, django_capture_on_commit_callbacks
):
    from audit.models import ParticipationFact

    trainee = PersonFactory()
    data = session_form(
        cascade,
        trainers=[{"person": cascade.master.pk, "role": TrainerRole.LEAD}],
        participants=[participant(trainee)],
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/sessions/add/", data)
    assert response.status_code == 302, page_text(response)
    session = TrainingSession.objects.get(ref="ADM-001")
    facts = ParticipationFact.objects.filter(session_id=session.pk)
    assert list(facts.values_list("person_id", "generation")) == [(trainee.pk, 1)]

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/sessions/delete/{session.pk}/")
    assert response.status_code == 302
    assert not ParticipationFact.objects.filter(session_id=session.pk).exists()


def test_a_tot_session_that_qualified_trainers_is_not_deleted_and_the_page_says_why(admin_client, cascade):
    trainer = cascade.qualified_trainer()
    tot = trainer.qualifications.get().source_session
    response = admin_client.post(f"/admin/sessions/delete/{tot.pk}/", follow=True)
    assert response.status_code == 200
    assert TrainingSession.objects.filter(pk=tot.pk).exists()
    with translation.override("ar"):
        expected = str(services.SESSION_GRANTED_QUALIFICATIONS).format(session=tot.ref)
    assert expected in page_text(response)


def test_deleting_a_session_takes_its_lineage_with_it(admin_client, cascade):
    gen1 = cascade.qualified_trainer()
    session = cascade.session(kind=SessionKind.CASCADE, lead=gen1)
    trainee = PersonFactory()
    services.participation_record(session=session, person=trainee)
    assert trainee.pk in lineage.descendant_ids([gen1.pk])
    response = admin_client.post(f"/admin/sessions/delete/{session.pk}/")
    assert response.status_code == 302
    assert not TrainingSession.objects.filter(pk=session.pk).exists()
    assert trainee.pk not in lineage.descendant_ids([gen1.pk])
    assert lineage_upkeep.stale_tables() == []


def test_a_person_made_a_master_trainer_in_the_admin_moves_the_generations_below(admin_client, cascade):
    gen1 = cascade.qualified_trainer()
    session = cascade.session(kind=SessionKind.CASCADE, lead=gen1)
    services.participation_record(session=session, person=PersonFactory())
    assert lineage.session_generations()[session.pk] == 2
    data = nested_form_data(
        {
            "service_number": gen1.service_number,
            "name_ar": gen1.name_ar,
            "name_latin": gen1.name_latin,
            "gender": gen1.gender,
            "rank": gen1.rank,
            "governorate": gen1.governorate_id,
            "unit": "",
            "station": "",
            "is_master_trainer": "on",
            "user": "",
        }
    )
    response = admin_client.post(f"/admin/people/edit/{gen1.pk}/", data)
    assert response.status_code == 302, page_text(response)
    assert lineage.session_generations()[session.pk] == 1
    assert lineage_upkeep.stale_tables() == []
