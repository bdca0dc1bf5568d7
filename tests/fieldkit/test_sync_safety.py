"""The sync endpoint under the conditions a shared phone and a busy server bring: who is signed in, how,
and what happens when two writes race."""

from datetime import timedelta
from decimal import Decimal

import pytest

from cascade import services
from cascade.models import Participation
from fieldkit import services as sync
from fieldkit.models import ChangeStatus, SyncChange
from lms import roles
from tests.cascade.personas import login, trainer_login
from tests.conftest import log_in_verified
from tests.factories import PersonFactory
from tests.fieldkit.conftest import change
from tests.lms.conftest import Answers, build_course, make_trainee

pytestmark = pytest.mark.django_db


def test_staff_signed_in_by_password_alone_cannot_write_through_the_sync(field, client):
    session, _trainer, people = field
    manager = login("manager", roles.CENTRE_MANAGER, centre=session.training_centre)
    score = change("score", session=session.pk, person=people[0].pk, field="pre_score", value="55")
    client.force_login(manager)  # password passed, second factor not
    response = client.post("/api/v1/sync/", {"changes": [score]}, content_type="application/json")
    assert response.status_code == 403
    assert Participation.objects.get(session=session, person=people[0]).pre_score is None
    assert not SyncChange.objects.exists()
    # Past the second factor, the same change is applied (the manager may edit the centre's sessions).
    log_in_verified(client, manager)
    response = client.post("/api/v1/sync/", {"changes": [score]}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["results"][0]["status"] == "applied"
    assert Participation.objects.get(session=session, person=people[0]).pre_score == Decimal("55")


def test_an_off_roster_reason_names_only_people_the_session_had(field):
    session, user, people = field
    stranger = PersonFactory(name_ar="غريب عن الدورة", service_number="990011")
    services.participation_remove(session=session, person=people[0])
    results = sync.sync_apply(
        user=user,
        changes=[
            change("score", session=session.pk, person=stranger.pk, field="pre_score", value="50"),
            change("score", session=session.pk, person=people[0].pk, field="pre_score", value="50"),
        ],
    )
    assert [r.code for r in results] == ["off_roster", "off_roster"]
    assert f"#{stranger.pk}" in results[0].message
    assert "990011" not in results[0].message and "غريب" not in results[0].message
    assert people[0].service_number in results[1].message  # taken off this roster: the trainer knew them


def test_a_trainees_lesson_conflict_is_applied_for_the_trainee_whoever_resolves_it(client):
    from lms.models import Enrolment, LessonCompletion, QuizKind
    from lms.outline import course_plan
    from tests.lms.test_learning_services import take

    small_course = build_course()
    trainee = make_trainee("trainee.one")
    enrolment = Enrolment.objects.create(person=trainee, course=small_course)
    answers = Answers(small_course)
    lesson = course_plan(small_course).lessons[0]
    done = change("lesson_complete", course=small_course.code, lesson=str(lesson.key))
    result = sync.sync_apply(user=trainee.user, changes=[done])[0]
    assert (result.status, result.code) == ("conflict", "lesson_refused")  # the pre-test first
    take(enrolment, QuizKind.PRE_TEST, answers=answers)
    # The trainee sees their own conflict and may resolve it.
    client.force_login(trainee.user)
    page = client.get("/field/conflicts/")
    assert page.status_code == 200
    stored = SyncChange.objects.get(change_id=done["id"])
    assert f'data-conflict="{stored.pk}"' in page.content.decode()
    # An administrator keeps it: the completion is the trainee's, the administrator only the resolver.
    admin = login("admin.one", roles.ADMINISTRATOR)
    sync.conflict_resolve(user=admin, change=stored, choice=sync.KEEP_MINE)
    assert LessonCompletion.objects.filter(enrolment=enrolment, lesson_key=lesson.key).exists()
    stored.refresh_from_db()
    assert (stored.status, stored.resolved_by, stored.person_id_applied) == (ChangeStatus.KEPT_MINE, admin, trainee.pk)


def new_person(session, number: str, name: str = "حسن علي") -> dict:
    return change(
        "person_create",
        session=session.pk,
        service_number=number,
        name_ar=name,
        gender="M",
        governorate=session.governorate_id,
    )


def test_two_new_people_with_one_service_number_in_a_batch_are_one_person_and_one_conflict(field):
    session, user, people = field
    first, second = new_person(session, "880001"), new_person(session, "880001", "علي حسن")
    mark = change("attendance", session=session.pk, person_ref=second["id"], day=str(session.start_date), present=True)
    score = change("score", session=session.pk, person=people[0].pk, field="pre_score", value="60")
    results = sync.sync_apply(user=user, changes=[first, second, mark, score])
    assert [(r.status, r.code) for r in results] == [
        ("applied", ""),
        ("conflict", "person_invalid"),
        ("conflict", "person_not_recorded"),
        ("applied", ""),
    ]
    assert "880001" in results[1].message
    assert SyncChange.objects.count() == 4


def test_a_service_number_taken_by_another_request_meanwhile_is_a_conflict_not_an_error(field, monkeypatch):
    from lms.models import Person

    session, user, people = field
    PersonFactory(service_number="880002")
    # As if the other request recorded the number after this one checked it.
    monkeypatch.setattr(Person, "full_clean", lambda self, *args, **kwargs: None)
    create = new_person(session, "880002")
    mark = change("attendance", session=session.pk, person_ref=create["id"], day=str(session.start_date), present=True)
    score = change("score", session=session.pk, person=people[0].pk, field="pre_score", value="61")
    results = sync.sync_apply(user=user, changes=[create, mark, score])
    assert [(r.status, r.code) for r in results] == [
        ("conflict", "person_invalid"),
        ("conflict", "person_not_recorded"),
        ("applied", ""),
    ]
    assert Participation.objects.get(session=session, person=people[0]).pre_score == Decimal("61")
    assert Person.objects.filter(service_number="880002").count() == 1


def test_a_change_stored_by_a_simultaneous_sending_is_answered_as_a_replay(field, monkeypatch):
    from lms.models import Enrolment, QuizKind
    from lms.outline import course_plan
    from tests.lms.test_learning_services import take

    course = build_course()
    trainee = make_trainee("trainee.two")
    enrolment = Enrolment.objects.create(person=trainee, course=course)
    take(enrolment, QuizKind.PRE_TEST, answers=Answers(course))
    done = change("lesson_complete", course=course.code, lesson=str(course_plan(course).lessons[0].key))
    first = sync.sync_apply(user=trainee.user, changes=[done])[0]
    assert first.status == "applied"
    stored = SyncChange.objects.get()
    # The second sending passed the check for stored ids before the first one stored its row.
    real_filter = SyncChange.objects.filter
    monkeypatch.setattr(
        SyncChange.objects,
        "filter",
        lambda *args, **kwargs: (
            SyncChange.objects.none() if "change_id__in" in kwargs else real_filter(*args, **kwargs)
        ),
    )
    again = sync.sync_apply(user=trainee.user, changes=[done])[0]
    assert (again.status, again.replayed, again.person) == ("applied", True, trainee.pk)
    assert list(SyncChange.objects.values_list("pk", flat=True)) == [stored.pk]


def test_a_new_person_whose_number_is_taken_is_resolved_by_using_the_existing_person(field, client):
    session, user, _people = field
    existing = PersonFactory(service_number="880003", governorate_id=session.governorate_id)
    create = new_person(session, "880003")
    mark = change("attendance", session=session.pk, person_ref=create["id"], day=str(session.start_date), present=True)
    score = change("score", session=session.pk, person_ref=create["id"], field="pre_score", value="40")
    results = sync.sync_apply(user=user, changes=[create, mark, score])
    assert [r.code for r in results] == ["person_invalid", "person_not_recorded", "person_not_recorded"]
    client.force_login(user)
    page = client.get("/field/conflicts/").content.decode()
    assert "data-use-existing" in page and "880003" in page
    assert page.count("data-other-person") == 3  # every cascade change may be pointed at another person
    stored = SyncChange.objects.get(change_id=create["id"])
    response = client.post(f"/field/conflicts/{stored.pk}/resolve/", {"choice": "person", "value": "٨٨٠٠٠٣"})
    assert response.status_code == 302
    row = Participation.objects.get(session=session, person=existing)
    assert row.pre_score == Decimal("40") and row.days_attended == 1
    assert set(SyncChange.objects.values_list("status", flat=True)) == {ChangeStatus.EDITED}
    assert set(SyncChange.objects.values_list("person_id_applied", flat=True)) == {existing.pk}


def test_a_score_for_a_merged_person_is_pointed_at_the_surviving_record(field):
    from imports.merge import person_merge

    session, user, people = field
    survivor, duplicate = people[0], people[1]
    person_merge(survivor=survivor, duplicate=duplicate)
    score = change("score", session=session.pk, person=duplicate.pk, field="post_score", value="77")
    assert sync.sync_apply(user=user, changes=[score])[0].code == "person_merged"
    stored = SyncChange.objects.get()
    with pytest.raises(sync.ValidationError, match="000"):
        sync.conflict_resolve(user=user, change=stored, choice="person", value="000")  # nobody has it
    sync.conflict_resolve(user=user, change=stored, choice="person", value=survivor.service_number)
    assert Participation.objects.get(session=session, person=survivor).post_score == Decimal("77")


def test_a_change_recorded_under_another_login_is_refused_and_not_stored(field, cascade):
    session, user, people = field
    other = trainer_login(cascade.qualified_trainer(start=session.start_date - timedelta(days=100)))
    services.session_trainer_add(session=session, person=other.person)
    score = change("score", session=session.pk, person=people[0].pk, field="pre_score", value="58", user=user.pk)
    # The co-trainer's cookie, the lead trainer's change (a shared phone): not applied, not stored.
    result = sync.sync_apply(user=other, changes=[score])[0]
    assert (result.status, result.code) == ("refused", "change_of_another_login")
    assert not SyncChange.objects.exists()
    assert Participation.objects.get(session=session, person=people[0]).pre_score is None
    # Sent by its own login, it is applied.
    assert sync.sync_apply(user=user, changes=[score])[0].status == "applied"


def test_a_change_id_another_login_stored_meanwhile_is_refused_not_answered_as_a_replay(
    field, cascade, monkeypatch, english
):
    session, user, people = field
    other = trainer_login(cascade.qualified_trainer(start=session.start_date - timedelta(days=100)))
    services.session_trainer_add(session=session, person=other.person)
    score = change("score", session=session.pk, person=people[0].pk, field="pre_score", value="59")
    assert sync.sync_apply(user=user, changes=[score])[0].status == "applied"
    # The co-trainer's sending passed the first check for stored ids before the lead trainer's stored
    # its row; the second check, under the session's lock, finds it.
    real_filter = SyncChange.objects.filter
    first_check = []

    def filtered(*args, **kwargs):
        if "change_id__in" in kwargs and not first_check:
            first_check.append(True)
            return SyncChange.objects.none()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(SyncChange.objects, "filter", filtered)
    result = sync.sync_apply(user=other, changes=[{**score, "value": "12"}])[0]
    assert (result.status, result.code, result.replayed, result.person) == ("refused", "invalid_change", False, None)
    assert "another login" in result.message
    assert list(SyncChange.objects.values_list("user_id", flat=True)) == [user.pk]
    assert Participation.objects.get(session=session, person=people[0]).pre_score == Decimal("59")


def test_the_refusal_to_staff_without_their_second_factor_speaks_the_readers_language(field, client):
    session, _trainer, people = field
    manager = login("manager", roles.CENTRE_MANAGER, centre=session.training_centre)
    score = change("score", session=session.pk, person=people[0].pk, field="pre_score", value="55")
    client.force_login(manager)
    response = client.post(
        "/api/v1/sync/", {"changes": [score]}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="ar"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "أكمل التحقق بعامل التحقق الثاني قبل استخدام واجهة البرمجة من هذا المتصفح."


def test_the_conflicts_page_names_the_holder_of_a_taken_number_only_to_a_trainer_who_may_know_them(field, client):
    from tests.factories import governorate

    session, user, _people = field
    basra = governorate("BA")
    stranger = PersonFactory(service_number="880010", name_ar="سعاد جواد الموسوي", governorate=basra)
    namesake = PersonFactory(service_number="880011", name_ar="أحمد عبد الله", governorate=basra)
    rostered = PersonFactory(service_number="880012", name_ar="كريمة ناصر", governorate=basra)
    services.participation_record(session=session, person=rostered)
    batch = [
        new_person(session, "880010", "حسن علي"),  # someone else's number, anywhere in the country
        new_person(session, "880011", "احمد عبد الله"),  # the very person, typed without the hamza
        new_person(session, "880012", "حسين كاظم"),  # someone on the trainer's roster
    ]
    assert [r.code for r in sync.sync_apply(user=user, changes=batch)] == ["person_invalid"] * 3
    client.force_login(user)
    page = client.get("/field/conflicts/").content.decode()
    assert stranger.name_ar not in page
    assert 'name="value" value="880010"' not in page
    assert page.count("data-number-recorded") == 1
    assert page.count("data-use-existing") == 2
    assert namesake.name_ar in page and rostered.name_ar in page


def test_the_conflicts_page_names_a_person_the_trainer_may_not_know_by_id_alone(field, client):
    from tests.factories import governorate

    session, user, _people = field
    stranger = PersonFactory(service_number="880013", name_ar="سعاد جواد الموسوي", governorate=governorate("BA"))
    services.session_close(session=session)
    add = change("participant_add", session=session.pk, person=stranger.pk)
    assert sync.sync_apply(user=user, changes=[add])[0].code == "session_closed"
    client.force_login(user)
    page = client.get("/field/conflicts/").content.decode()
    assert f"#{stranger.pk}" in page
    assert stranger.name_ar not in page and "880013" not in page
