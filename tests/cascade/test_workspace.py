"""Trainer workspace pages: wiring, the rules' errors on the right field or row, and who may do what."""

import html
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cascade import integrity, services
from cascade.models import (
    AttendanceDay,
    Outcome,
    Participation,
    SessionKind,
    SessionReopening,
    SessionStatus,
    TrainerQualification,
    TrainingSession,
)
from courses.models import Course
from lms import roles
from lms.models import Gender, Person
from tests.cascade.personas import build_world, login, trainer_login
from tests.factories import PersonFactory, TrainingCentreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cascade):
    return build_world(cascade)


@pytest.fixture
def english(client, english):
    """Pages in English too (the site's default is Arabic), for tests that read their words."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def text(response) -> str:
    return html.unescape(response.content.decode())


def url(name: str, *args) -> str:
    return reverse(f"cascade:{name}", args=args)


def roster_data(session, rows: dict[Person, dict]) -> dict:
    """POST data of the roster form: per person, days (dates), scores and outcome."""
    data = {}
    for person, row in rows.items():
        prefix = f"p{person.pk}"
        data[f"{prefix}-days"] = [d.isoformat() for d in row.get("days", [])]
        data[f"{prefix}-pre_score"] = row.get("pre", "")
        data[f"{prefix}-post_score"] = row.get("post", "")
        data[f"{prefix}-outcome"] = row.get("outcome", Outcome.INCOMPLETE)
    return data


SESSION_VIEWS = [
    ("workspace_session", "get"),
    ("workspace_session", "post"),
    ("workspace_session_edit", "get"),
    ("workspace_participant_add", "get"),
    ("workspace_participant_add", "post"),
    ("workspace_co_trainer_add", "post"),
    ("workspace_session_close", "get"),
    ("workspace_session_close", "post"),
    ("workspace_session_reopen", "get"),
]


@pytest.mark.parametrize(("name", "method"), SESSION_VIEWS)
def test_a_foreign_trainer_gets_404_on_every_session_page(client, world, name, method):
    client.force_login(trainer_login(world.trainer_b))
    response = getattr(client, method)(url(name, world.session_a.pk))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("workspace_participant_remove", "participant_a"),
        ("workspace_co_trainer_remove", "co_trainer"),
    ],
)
def test_a_foreign_trainer_cannot_remove_anyone(client, world, name, args):
    client.force_login(trainer_login(world.trainer_b))
    person = getattr(world, f"{args}")
    response = client.post(url(name, world.session_a.pk, person.pk))
    assert response.status_code == 404
    assert world.session_a.participations.count() == 1 and world.session_a.trainers.count() == 2


@pytest.mark.parametrize(("name", "method"), SESSION_VIEWS)
def test_anonymous_visitors_are_sent_to_sign_in(client, world, name, method):
    response = getattr(client, method)(url(name, world.session_a.pk))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("name", ["workspace", "workspace_session_create", "my_trainings"])
def test_anonymous_visitors_are_sent_to_sign_in_from_the_workspace_pages(client, name):
    response = client.get(url(name))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("workspace_session", "post"),
        ("workspace_session_edit", "get"),
        ("workspace_participant_add", "get"),
        ("workspace_co_trainer_add", "post"),
        ("workspace_session_close", "post"),
        ("workspace_session_reopen", "get"),
    ],
)
def test_an_auditor_reads_a_session_but_changes_nothing(client, verified_login, world, name, method):
    verified_login(login("auditor", roles.DIRECTORATE_AUDITOR))
    assert client.get(url("workspace_session", world.session_a.pk)).status_code == 200
    assert getattr(client, method)(url(name, world.session_a.pk)).status_code == 403


def test_only_trainers_open_sessions(client, verified_login, world):
    verified_login(login("auditor", roles.DIRECTORATE_AUDITOR))
    assert client.get(url("workspace_session_create")).status_code == 403


def test_a_trainer_sees_their_qualifications_and_only_their_sessions(client, world, cascade, english):
    client.force_login(trainer_login(world.trainer_a))
    page = text(client.get(url("workspace")))
    assert "My qualifications" in page and cascade.course.code in page
    assert world.session_a.ref in page and world.session_b.ref not in page


def test_a_co_trainer_sees_and_records_the_session(client, world):
    client.force_login(trainer_login(world.co_trainer))
    response = client.post(
        url("workspace_session", world.session_a.pk),
        roster_data(world.session_a, {world.participant_a: {"pre": "35", "post": "70"}}),
    )
    assert response.status_code == 302
    assert Participation.objects.get(person=world.participant_a).post_score == 70


def test_a_trainer_opens_a_session_for_a_course_they_are_qualified_for(client, world, cascade):
    client.force_login(trainer_login(world.trainer_a))
    response = client.post(
        url("workspace_session_create"),
        {
            "course": cascade.course.pk,
            "kind": SessionKind.CASCADE,
            "training_centre": cascade.centre.pk,
            "start_date": "2023-03-05",
            "end_date": "2023-03-09",
            "headcount_male": 0,
            "headcount_female": 0,
        },
    )
    session = TrainingSession.objects.get(start_date=date(2023, 3, 5))
    assert response.status_code == 302 and response["Location"] == url("workspace_session", session.pk)
    assert list(session.trainers.values_list("person", "role")) == [(world.trainer_a.pk, "lead")]
    assert session.ref == f"{cascade.centre.code}-20230305-01"


def test_a_session_before_the_trainers_qualification_is_refused_on_the_start_date(client, world, cascade, english):
    client.force_login(trainer_login(world.trainer_a))
    before = TrainingSession.objects.count()
    response = client.post(
        url("workspace_session_create"),
        {
            "course": cascade.course.pk,
            "kind": SessionKind.CASCADE,
            "training_centre": cascade.centre.pk,
            "start_date": "2019-03-05",
            "end_date": "2019-03-09",
            "headcount_male": 0,
            "headcount_female": 0,
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "holds no qualification for course MPS-01 valid on 2019-03-05" in errors["start_date"][0]
    assert TrainingSession.objects.count() == before


def test_a_trainer_cannot_open_a_session_of_a_course_they_are_not_qualified_for(client, world):
    client.force_login(trainer_login(world.trainer_a))
    course = Course.objects.exclude(code="MPS-01").first()  # trainer A is qualified for MPS-01 only
    response = client.post(
        url("workspace_session_create"),
        {"course": course.pk, "kind": SessionKind.CASCADE, "start_date": "2023-03-05", "end_date": "2023-03-05"},
    )
    assert "course" in response.context["form"].errors
    response = client.post(url("workspace_session_create"), {"kind": SessionKind.TOT})
    assert "kind" in response.context["form"].errors  # only master trainers run ToT sessions


def test_the_participant_search_finds_any_arabic_spelling_and_adds_the_person(client, world):
    person = PersonFactory(name_ar="أحمد عبد الله الجبوري")
    client.force_login(trainer_login(world.trainer_a))
    page = client.get(url("workspace_participant_add", world.session_a.pk), {"q": "احمد عبد الله"})
    assert person in page.context["results"]
    page = client.get(url("workspace_participant_add", world.session_a.pk), {"q": "عبد الله الجبوري"})
    assert person in page.context["results"]
    page = client.get(url("workspace_participant_add", world.session_a.pk), {"q": person.service_number})
    assert list(page.context["results"]) == [person]
    response = client.post(url("workspace_participant_add", world.session_a.pk), {"person": person.pk})
    assert response.status_code == 302
    assert world.session_a.participations.filter(person=person).exists()


def test_people_already_on_the_roster_are_not_offered_again(client, world):
    client.force_login(trainer_login(world.trainer_a))
    page = client.get(url("workspace_participant_add", world.session_a.pk), {"q": world.participant_a.service_number})
    assert page.context["results"] == []


def test_adding_the_trainer_as_a_participant_is_refused_and_saves_nothing(client, world, english):
    client.force_login(trainer_login(world.trainer_a))
    response = client.post(url("workspace_participant_add", world.session_a.pk), {"person": world.trainer_a.pk})
    assert response.status_code == 200
    assert "nobody trains themselves" in text(response)
    assert not world.session_a.participations.filter(person=world.trainer_a).exists()


def test_a_new_person_is_recorded_and_added_in_one_step(client, world, english):
    client.force_login(trainer_login(world.trainer_a))
    data = {
        "action": "create",
        "new-service_number": "NEW-0001",
        "new-name_ar": "سارة محمد",
        "new-name_latin": "Sara Mohammed",
        "new-gender": Gender.FEMALE,
        "new-rank": "lieutenant",
        "new-governorate": world.session_a.governorate_id,
    }
    response = client.post(url("workspace_participant_add", world.session_a.pk), data)
    assert response.status_code == 302
    person = Person.objects.get(service_number="NEW-0001")
    assert world.session_a.participations.filter(person=person).exists()
    world.session_a.refresh_from_db()
    assert world.session_a.headcount_female == 1  # a named woman beyond the count raises it

    response = client.post(url("workspace_participant_add", world.session_a.pk), data)  # same number again
    assert "service_number" in response.context["new_person"].errors
    assert Person.objects.filter(service_number="NEW-0001").count() == 1


def test_attendance_is_recorded_day_by_day(client, world):
    session = world.session_a
    client.force_login(trainer_login(world.trainer_a))
    days = session.days[:3]
    response = client.post(
        url("workspace_session", session.pk),
        roster_data(
            session, {world.participant_a: {"days": days, "pre": "40", "post": "85.5", "outcome": "completed"}}
        ),
    )
    assert response.status_code == 302
    participation = Participation.objects.get(session=session, person=world.participant_a)
    assert participation.days_attended == 3 and participation.post_score == 85.5
    assert sorted(AttendanceDay.objects.filter(participation=participation).values_list("day", flat=True)) == days
    page = client.get(url("workspace_session", session.pk))
    assert page.context["rows"][0]["days"].value() == [d.isoformat() for d in days]


def test_a_bad_score_is_shown_on_its_row_and_nothing_is_saved(client, world, cascade):
    session = world.session_a
    other = PersonFactory()
    services.participation_record(session=session, person=other)
    client.force_login(trainer_login(world.trainer_a))
    response = client.post(
        url("workspace_session", session.pk),
        roster_data(session, {world.participant_a: {"post": "150"}, other: {"pre": "50", "outcome": "completed"}}),
    )
    assert response.status_code == 200
    rows = {row.participation.person_id: row for row in response.context["rows"]}
    assert "post_score" in rows[world.participant_a.pk].errors
    assert not rows[other.pk].errors
    assert Participation.objects.get(session=session, person=other).pre_score is None


def test_a_rule_broken_on_the_roster_is_shown_on_the_row_it_concerns(client, world, english):
    session = world.session_a
    client.force_login(trainer_login(world.trainer_a))
    late = session.end_date + timedelta(days=3)
    data = roster_data(session, {world.participant_a: {"days": [session.start_date]}})
    data[f"p{world.participant_a.pk}-days"] = [session.start_date.isoformat(), late.isoformat()]
    response = client.post(url("workspace_session", session.pk), data)
    assert response.status_code == 200  # not a choice: the form refuses it on the row
    assert response.context["rows"][0].errors["days"]


def test_a_co_trainer_must_be_qualified(client, world, english):
    client.force_login(trainer_login(world.trainer_a))
    unqualified = PersonFactory()
    response = client.post(
        url("workspace_co_trainer_add", world.session_a.pk), {"service_number": unqualified.service_number}, follow=True
    )
    assert "holds no qualification for course MPS-01" in text(response)
    assert not world.session_a.trainers.filter(person=unqualified).exists()
    response = client.post(
        url("workspace_co_trainer_add", world.session_a.pk), {"service_number": "NOBODY"}, follow=True
    )
    assert "No person has the service number NOBODY." in text(response)
    qualified = world.trainer_b
    client.post(url("workspace_co_trainer_add", world.session_a.pk), {"service_number": qualified.service_number})
    assert world.session_a.trainers.filter(person=qualified, role="co").exists()
    client.post(url("workspace_co_trainer_remove", world.session_a.pk, qualified.pk))
    assert not world.session_a.trainers.filter(person=qualified).exists()


def test_the_lead_trainer_cannot_be_removed(client, world):
    client.force_login(trainer_login(world.trainer_a))
    client.post(url("workspace_co_trainer_remove", world.session_a.pk, world.trainer_a.pk))
    assert world.session_a.trainers.filter(person=world.trainer_a, role="lead").exists()


def test_closing_locks_the_session_and_a_trainer_cannot_reopen_it(client, world, english):
    session = world.session_a
    client.force_login(trainer_login(world.trainer_a))
    assert client.get(url("workspace_session_close", session.pk)).status_code == 200
    response = client.post(url("workspace_session_close", session.pk))
    session.refresh_from_db()
    assert response.status_code == 302 and session.status == SessionStatus.CLOSED
    assert client.post(url("workspace_session", session.pk), roster_data(session, {})).status_code == 403
    response = client.post(url("workspace_participant_add", session.pk), {"person": world.participant_b.pk})
    assert response.status_code == 200 and "is closed" in text(response)
    assert not session.participations.filter(person=world.participant_b).exists()
    assert client.get(url("workspace_session_reopen", session.pk)).status_code == 403


def test_closing_a_tot_session_qualifies_its_graduates(client, cascade):
    master_login = trainer_login(cascade.master)
    tot = cascade.session(kind=SessionKind.TOT, lead=cascade.master, start=date(2023, 1, 8))
    graduate, dropout = PersonFactory(), PersonFactory()
    services.participation_record(session=tot, person=graduate, outcome=Outcome.COMPLETED)
    services.participation_record(session=tot, person=dropout, outcome=Outcome.WITHDRAWN)
    client.force_login(master_login)
    client.post(url("workspace_session_close", tot.pk))
    assert list(TrainerQualification.objects.filter(source_session=tot).values_list("person", flat=True)) == [
        graduate.pk
    ]


def test_a_centre_manager_reopens_with_a_logged_reason(client, verified_login, world, english):
    session = world.session_a
    services.session_close(session=session)
    manager = login("manager", roles.CENTRE_MANAGER, centre=session.training_centre)
    other_manager = login("other", roles.CENTRE_MANAGER, centre=TrainingCentreFactory())
    verified_login(other_manager)
    assert client.post(url("workspace_session_reopen", session.pk), {"reason": "x"}).status_code == 404

    verified_login(manager)
    response = client.post(url("workspace_session_reopen", session.pk), {"reason": "  "})
    assert "reason" in response.context["form"].errors
    session.refresh_from_db()
    assert session.is_closed and not SessionReopening.objects.exists()

    response = client.post(url("workspace_session_reopen", session.pk), {"reason": "Post-test scores were mistyped."})
    session.refresh_from_db()
    assert response.status_code == 302 and session.status == SessionStatus.OPEN and session.closed_at is None
    log = SessionReopening.objects.get()
    assert (log.session, log.reopened_by, log.reason) == (session, manager, "Post-test scores were mistyped.")
    assert "Post-test scores were mistyped." in text(client.get(url("workspace_session", session.pk)))


def test_a_headcount_only_session_shows_its_named_coverage_and_never_double_counts(client, world, cascade, english):
    trainer = world.trainer_a
    client.force_login(trainer_login(trainer))
    client.post(
        url("workspace_session_create"),
        {
            "course": cascade.course.pk,
            "kind": SessionKind.CASCADE,
            "training_centre": cascade.centre.pk,
            "start_date": "2023-04-02",
            "end_date": "2023-04-03",
            "headcount_male": 18,
            "headcount_female": 2,
        },
    )
    session = TrainingSession.objects.get(start_date=date(2023, 4, 2))
    page = client.get(url("workspace_session", session.pk))
    assert page.context["coverage"].share == 0 and "20 reported (18 men, 2 women)" in text(page)

    for _n in range(5):
        client.post(url("workspace_participant_add", session.pk), {"person": PersonFactory(gender=Gender.MALE).pk})
    session.refresh_from_db()
    assert (session.headcount_male, session.headcount_female) == (18, 2)  # names counted already
    page = client.get(url("workspace_session", session.pk))
    assert page.context["coverage"].share == 25 and "Named coverage: 25%" in text(page)

    response = client.post(
        url("workspace_session_edit", session.pk),
        {"start_date": "2023-04-02", "end_date": "2023-04-03", "headcount_male": 3, "headcount_female": 2},
    )
    assert "fewer than the 5 named" in response.context["form"].errors["headcount_male"][0]
    session.refresh_from_db()
    assert session.headcount_male == 18


def test_changing_the_dates_cannot_leave_attendance_outside_them(client, world, english):
    session = world.session_a
    services.participation_record(session=session, person=world.participant_a, days_present=[session.end_date])
    client.force_login(trainer_login(world.trainer_a))
    response = client.post(
        url("workspace_session_edit", session.pk),
        {
            "start_date": session.start_date.isoformat(),
            "end_date": (session.end_date - timedelta(days=1)).isoformat(),
            "headcount_male": 1,
            "headcount_female": 0,
        },
    )
    assert "is not a day of the session" in " ".join(response.context["form"].non_field_errors())
    session.refresh_from_db()
    assert session.end_date == world.session_a.end_date


def test_a_trainee_sees_only_their_own_trainings(client, world):
    services.participation_record(session=world.session_a, person=world.participant_a, post_score=77)
    client.force_login(login("trainee", roles.TRAINEE, person=world.participant_a))
    page = client.get(url("my_trainings"))
    assert [p.person for p in page.context["participations"]] == [world.participant_a]
    assert f'href="{url("workspace")}"' not in page.content.decode()  # no "My sessions" to run
    assert client.get(url("workspace_session", world.session_a.pk)).status_code == 404
    assert list(client.get(url("workspace")).context["page"].object_list) == []


def test_an_open_session_is_not_shown_to_its_trainee_as_not_completed(client, world, english):
    services.participation_record(session=world.session_a, person=world.participant_a)  # outcome: the default
    client.force_login(login("trainee", roles.TRAINEE, person=world.participant_a))
    page = text(client.get(url("my_trainings")))
    assert "Incomplete" not in page
    assert ("Session under way" if world.session_a.end_date >= timezone.localdate() else "Results not final") in page
    world.session_a.status = SessionStatus.CLOSED
    world.session_a.save(update_fields=["status"])
    assert "Incomplete" in text(client.get(url("my_trainings")))  # closed: the outcome is final


def test_the_integrity_rules_name_the_row_and_field_of_each_breach(cascade, world):
    draft = services.session_draft(world.session_a)
    draft = integrity.SessionDraft(
        **{
            **draft.__dict__,
            "participants": (integrity.ParticipantDraft(person_id=world.participant_a.pk, post_score=120),),
        }
    )
    (breach,) = integrity.session_breaches(draft)
    assert (breach.person_id, breach.field) == (world.participant_a.pk, "post_score")


# --- The roster cannot lose work ---------------------------------------------------------------


def test_the_roster_is_a_grid_of_learners_by_days(client, world):
    session = world.session_a
    client.force_login(trainer_login(world.trainer_a))
    page = client.get(url("workspace_session", session.pk))
    assert [day["iso"] for day in page.context["days"]] == [day.isoformat() for day in session.days]
    body = page.content.decode()
    assert body.count(f'name="p{world.participant_a.pk}-days"') == len(session.days)  # one box per day
    assert 'class="ws-tick ws-tick-day"' in body  # a bulk tick per day column


def test_attendance_cannot_be_ticked_for_a_day_still_to_come(client, cascade, english):
    today = date.today()
    session = cascade.session(kind=SessionKind.TOT, lead=cascade.master, start=today - timedelta(days=1), days=3)
    person = PersonFactory()
    services.participation_record(session=session, person=person)
    client.force_login(trainer_login(cascade.master))
    page = client.get(url("workspace_session", session.pk))
    future = [day for day in page.context["days"] if day["future"]]
    assert [day["iso"] for day in future] == [(today + timedelta(days=1)).isoformat()]
    assert f'value="{future[0]["iso"]}" data-day="{future[0]["iso"]}" disabled' in page.content.decode()
    response = client.post(url("workspace_session", session.pk), roster_data(session, {person: {"days": session.days}}))
    assert response.status_code == 200
    assert "has not come yet" in text(response)
    assert Participation.objects.get(session=session, person=person).days_attended == 0


def test_a_session_cannot_be_closed_before_its_end_date(client, cascade, english):
    session = cascade.session(kind=SessionKind.TOT, lead=cascade.master, start=date.today(), days=2)
    with pytest.raises(services.ValidationError) as refused:
        services.session_close(session=session)
    assert refused.value.code == services.RULE_SESSION_NOT_ENDED
    client.force_login(trainer_login(cascade.master))
    page = client.get(url("workspace_session", session.pk))
    assert url("workspace_session_close", session.pk) not in page.content.decode()
    response = client.post(url("workspace_session_close", session.pk))
    assert "it can be closed from that day on" in text(response)
    session.refresh_from_db()
    assert session.status == SessionStatus.OPEN


def test_removing_asks_first_and_can_be_undone_with_the_record_intact(client, world, english):
    session = world.session_a
    person = world.participant_a
    days = session.days[:2]
    services.participation_record(
        session=session, person=person, days_present=days, pre_score=40, post_score=85, outcome=Outcome.COMPLETED
    )
    client.force_login(trainer_login(world.trainer_a))
    remove = url("workspace_participant_remove", session.pk, person.pk)
    confirm = client.get(remove)  # a click on "Remove" only asks
    assert confirm.status_code == 200 and "Remove" in text(confirm)
    assert session.participations.filter(person=person).exists()

    client.post(remove)
    assert not session.participations.filter(person=person).exists()
    page = client.get(url("workspace_session", session.pk))
    assert page.context["undo"]["person"] == person.pk
    client.post(url("workspace_participant_restore", session.pk))
    restored = Participation.objects.get(session=session, person=person)
    assert (restored.pre_score, restored.post_score, restored.outcome) == (40, 85, Outcome.COMPLETED)
    assert sorted(restored.attendance_days.values_list("day", flat=True)) == days
    assert client.get(url("workspace_session", session.pk)).context["undo"] is None


def test_the_search_results_stay_after_each_add(client, world):
    first, second = PersonFactory(name_ar="حيدر كاظم"), PersonFactory(name_ar="حيدر جواد")
    client.force_login(trainer_login(world.trainer_a))
    search = url("workspace_participant_add", world.session_a.pk) + "?q=حيدر"
    response = client.post(search, {"person": first.pk})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert list(page.context["results"]) == [second]  # the same search, less the person just added


def test_a_duplicate_service_number_names_the_person_and_offers_to_add_them(client, world, english):
    existing = PersonFactory(service_number="7712")
    client.force_login(trainer_login(world.trainer_a))
    data = {
        "action": "create",
        "new-service_number": "٧٧١٢",  # typed on an Arabic keyboard
        "new-name_ar": "مصطفى علي",
        "new-gender": Gender.MALE,
        "new-rank": "lieutenant",
        "new-governorate": world.session_a.governorate_id,
    }
    response = client.post(url("workspace_participant_add", world.session_a.pk), data)
    assert response.context["existing"] == existing
    assert f"Service number 7712 is already recorded, for {existing}" in text(response)
    assert f'name="person" value="{existing.pk}"' in response.content.decode()


def _form_as_a_browser_posts_it(page) -> dict:
    """The roster form's fields as a browser would send them: hidden and text inputs, ticked boxes,
    chosen options."""
    from bs4 import BeautifulSoup

    form = BeautifulSoup(page.content.decode(), "html.parser").find("form", id="roster")
    data: dict[str, list[str]] = {}
    for field in form.find_all(["input", "select"]):
        name = field.get("name")
        if not name or field.has_attr("disabled"):
            continue
        if field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            data.setdefault(name, []).append(chosen.get("value", ""))
        elif field.get("type") == "checkbox":
            if field.has_attr("checked"):
                data.setdefault(name, []).append(field.get("value"))
        else:
            data.setdefault(name, []).append(field.get("value", ""))
    return data


def test_two_pages_saved_one_after_the_other_keep_each_others_marks(client, world, cascade):
    """Two trainers (or two tabs) open the roster, each changes one person and saves: the second
    save, holding the older values of the first person, writes back only what it changed."""
    session = world.session_a
    other = PersonFactory()
    services.participant_create(session=session, person=other)
    first, second = world.participant_a, other
    client.force_login(trainer_login(world.trainer_a))
    page_one = _form_as_a_browser_posts_it(client.get(url("workspace_session", session.pk)))
    page_two = _form_as_a_browser_posts_it(client.get(url("workspace_session", session.pk)))

    page_one[f"p{first.pk}-pre_score"] = ["٧٠"]
    page_one[f"p{first.pk}-days"] = [session.days[0].isoformat()]
    assert client.post(url("workspace_session", session.pk), page_one).status_code == 302
    page_two[f"p{second.pk}-post_score"] = ["55.5"]
    assert client.post(url("workspace_session", session.pk), page_two).status_code == 302

    marks = {p.person_id: p for p in Participation.objects.filter(session=session)}
    assert marks[first.pk].pre_score == 70 and marks[first.pk].days_attended == 1
    assert marks[second.pk].post_score == Decimal("55.5")
    assert AttendanceDay.objects.filter(participation=marks[first.pk]).count() == 1


def test_saving_a_roster_page_unchanged_writes_nothing(client, world):
    session = world.session_a
    client.force_login(trainer_login(world.trainer_a))
    page = _form_as_a_browser_posts_it(client.get(url("workspace_session", session.pk)))
    before = list(Participation.history.filter(session_id=session.pk).values_list("history_id", flat=True))
    assert client.post(url("workspace_session", session.pk), page).status_code == 302
    after = list(Participation.history.filter(session_id=session.pk).values_list("history_id", flat=True))
    assert after == before
