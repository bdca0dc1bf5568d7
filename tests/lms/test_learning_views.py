"""The learner area over HTTP: signing in, the idempotent completion endpoint, quiz forms, and
that a trainee reaches only their own records (every URL: trainee A gets 403/404 for B's)."""

import json

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from lms import services
from lms.models import Enrolment, LearningStatement, LessonCompletion, QuizAttempt, QuizKind, StaffScope
from lms.outline import course_plan
from tests.factories import PersonFactory, TrainingCentreFactory, governorate
from tests.lms.conftest import PASSWORD, build_course, client_for
from tests.lms.test_learning_services import read_module, take

pytestmark = pytest.mark.django_db


@pytest.fixture
def b_records(small_course, other_trainee, answers):
    """Trainee B part-way through the course: pre-test taken, module 1 read, a quiz attempt open."""
    enrolment = Enrolment.objects.create(person=other_trainee, course=small_course)
    pre = take(enrolment, QuizKind.PRE_TEST, answers=answers)
    read_module(enrolment, 1)
    open_quiz = services.quiz_attempt_open(enrolment=enrolment, kind=QuizKind.MODULE, module_number=1)
    return {"enrolment": enrolment, "submitted": pre, "open": open_quiz}


def b_urls(b_records) -> list[tuple[str, str, dict]]:
    """Every learner URL that reads or writes B's records, as (method, url, data)."""
    plan = course_plan(b_records["enrolment"].course)
    code, lesson = plan.code, plan.lessons[0].key
    open_quiz = b_records["open"]
    return [
        ("get", reverse("lms:course", args=[code]), {}),
        ("get", reverse("lms:lesson", args=[code, lesson]), {}),
        ("post", reverse("lms:lesson_complete", args=[code, plan.lessons[2].key]), {}),
        ("get", reverse("lms:pre_test", args=[code]), {}),
        ("get", reverse("lms:module_quiz", args=[code, 1]), {}),
        ("get", reverse("lms:post_test", args=[code]), {}),
        ("get", reverse("lms:attempt", args=[b_records["submitted"].pk]), {}),
        ("get", reverse("lms:attempt", args=[open_quiz.pk]), {}),
        (
            "post",
            reverse("lms:attempt_submit", args=[open_quiz.pk]),
            {"token": str(open_quiz.token), **{f"q-{qid}": "1" for qid in open_quiz.question_ids}},
        ),
    ]


def english_client(person) -> Client:
    """Pages in English (the site's default is Arabic), for tests that read their words."""
    client = client_for(person)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def snapshot():
    return (
        list(LessonCompletion.objects.order_by("pk").values_list("pk", "enrolment_id", "lesson_key")),
        list(QuizAttempt.objects.order_by("pk").values_list("pk", "submitted_at", "score")),
        list(Enrolment.objects.order_by("pk").values_list("pk", "person_id", "course_id")),
        LearningStatement.objects.count(),
    )


def test_trainee_a_gets_404_on_every_url_of_trainee_bs_records(b_records, trainee):
    client = client_for(trainee)  # A is not enrolled in the course
    before = snapshot()
    for method, url, data in b_urls(b_records):
        response = getattr(client, method)(url, data)
        assert response.status_code in (403, 404), (method, url, response.status_code)
    assert snapshot() == before


def test_trainee_a_enrolled_in_the_same_course_still_cannot_reach_bs_attempts(b_records, trainee):
    Enrolment.objects.create(person=trainee, course=b_records["enrolment"].course)
    client = client_for(trainee)
    before = snapshot()
    for method, url, data in b_urls(b_records):
        if "/attempts/" not in url:
            continue  # course URLs now resolve to A's own enrolment
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url, response.status_code)
    # A's own course page shows A's progress (nothing done), not B's.
    page = client.get(reverse("lms:course", args=[b_records["enrolment"].course.code]))
    assert page.status_code == 200 and page.context["standing"].enrolment.person == trainee
    assert page.context["standing"].lessons_done == 0
    assert snapshot() == before


def test_my_learning_lists_only_the_signed_in_persons_courses(b_records, trainee):
    response = client_for(trainee).get(reverse("lms:my_learning"))
    assert response.status_code == 200 and response.context["rows"] == []
    assert b_records["enrolment"].course.code not in response.content.decode()


def test_anonymous_visitors_are_sent_to_the_learner_sign_in(b_records):
    client = Client()
    login = reverse("lms:login")
    for method, url, data in [*b_urls(b_records), ("get", reverse("lms:my_learning"), {})]:
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and response["Location"].startswith(login), url
    assert client.get(reverse("lms:statements_export")).status_code == 302


def test_staff_pages_of_the_learner_area_refuse_trainees(trainee):
    client = client_for(trainee)
    assert client.get(reverse("lms:bulk_enrol")).status_code == 403
    assert client.get(reverse("lms:statements_export")).status_code == 403


def test_an_account_without_a_person_gets_403(small_course):
    user = get_user_model().objects.create_user(username="nobody", password=PASSWORD)
    client = Client()
    client.force_login(user)
    assert client.get(reverse("lms:my_learning")).status_code == 403


def test_a_trainee_signs_in_with_the_service_number(trainee):
    client = Client()
    response = client.post(
        reverse("lms:login"), {"username": trainee.service_number, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 302 and response["Location"] == reverse("account_home")
    assert client.get(response["Location"])["Location"] == reverse("lms:my_learning")  # a trainee's home
    assert client.get(reverse("lms:my_learning")).context["person"] == trainee


def test_the_header_offers_sign_out_once_signed_in_and_staff_sign_in_before(trainee):
    anonymous = Client().get(reverse("lms:login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Staff sign-in" in anonymous and "Sign out" not in anonymous
    signed_in = client_for(trainee).get(reverse("lms:my_learning"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert reverse("lms:logout") in signed_in and "Staff sign-in" not in signed_in
    assert "Staff area" not in signed_in  # a trainee has no admin to go to


def test_a_wrong_password_is_refused_at_the_learner_sign_in(trainee):
    response = Client().post(
        reverse("lms:login"), {"username": trainee.service_number, "password": "wrong"}, REMOTE_ADDR="10.0.0.2"
    )
    assert response.status_code == 200 and response.context["form"].errors


def test_self_enrolment_over_http_is_idempotent(small_course, trainee):
    client = client_for(trainee)
    url = reverse("lms:enrol", args=[small_course.code])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    assert Enrolment.objects.filter(person=trainee).count() == 1
    assert client.get(url).status_code == 405  # GET never enrols


def test_the_completion_endpoint_answers_json_and_records_once(enrolment, answers):
    take(enrolment, QuizKind.PRE_TEST, answers=answers)
    client = client_for(enrolment.person)
    lesson = course_plan(enrolment.course).lessons[0]
    url = reverse("lms:lesson_complete", args=[enrolment.course.code, lesson.key])
    first = client.post(url, {"method": "scrolled"}, headers={"accept": "application/json"})
    second = client.post(url, {"method": "scrolled"}, headers={"accept": "application/json"})
    assert json.loads(first.content) == {"completed": True, "created": True}
    assert json.loads(second.content) == {"completed": True, "created": False}
    assert LessonCompletion.objects.filter(enrolment=enrolment).count() == 1
    # Without JavaScript the button posts the form and lands on the course page.
    button = client.post(
        reverse("lms:lesson_complete", args=[enrolment.course.code, course_plan(enrolment.course).lessons[1].key])
    )
    assert button.status_code == 302 and LessonCompletion.objects.filter(enrolment=enrolment, method="button").exists()


def test_a_lesson_of_a_module_not_reached_is_refused_over_http(enrolment, answers, english):
    take(enrolment, QuizKind.PRE_TEST, answers=answers)
    client = english_client(enrolment.person)
    lesson = course_plan(enrolment.course).module(2).lessons[0]
    page = client.get(reverse("lms:lesson", args=[enrolment.course.code, lesson.key]))
    assert page.status_code == 403 and "Module 2 opens" in page.content.decode()
    post = client.post(
        reverse("lms:lesson_complete", args=[enrolment.course.code, lesson.key]), headers={"accept": "application/json"}
    )
    assert post.status_code == 409 and not LessonCompletion.objects.exists()


def test_quiz_form_round_trip_with_feedback_then_replay_and_tampering_refused(enrolment, answers, english):
    client = english_client(enrolment.person)
    page = client.get(reverse("lms:pre_test", args=[enrolment.course.code]))
    assert page.status_code == 200
    attempt = page.context["attempt"]
    assert str(attempt.token) in page.content.decode()
    form = {"token": str(attempt.token), **{f"q-{qid}": value for qid, value in answers.for_attempt(attempt).items()}}
    tampered = {**form, "q-00000000-0000-0000-0000-000000000000": "1"}
    refused = client.post(reverse("lms:attempt_submit", args=[attempt.pk]), tampered)
    assert refused.status_code == 400 and "do not match" in refused.content.decode()
    incomplete = {k: v for k, v in form.items() if k != f"q-{attempt.question_ids[0]}"}
    assert client.post(reverse("lms:attempt_submit", args=[attempt.pk]), incomplete).status_code == 400
    assert QuizAttempt.objects.get(pk=attempt.pk).submitted_at is None

    done = client.post(reverse("lms:attempt_submit", args=[attempt.pk]), form, follow=True)
    assert done.status_code == 200 and "Your score: 100" in done.content.decode()
    assert "Yes (" not in done.content.decode()  # a pre-test shows no answers or feedback (see test_pre_post)
    replay = client.post(reverse("lms:attempt_submit", args=[attempt.pk]), form, follow=True)
    assert "already submitted" in replay.content.decode()
    assert QuizAttempt.objects.filter(enrolment=enrolment, submitted_at__isnull=False).count() == 1


def test_bulk_enrolment_page_for_a_centre_manager(small_course, verified_login, english):
    user = get_user_model().objects.create_user(username="manager.x", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="centre_manager"))
    StaffScope.objects.create(user=user, training_centre=TrainingCentreFactory(governorate=governorate("BG")))
    client = verified_login(user)
    person = PersonFactory(governorate=governorate("BG"))
    outsider = PersonFactory(governorate=governorate("NI"))
    url = reverse("lms:bulk_enrol")
    numbers = f"{person.service_number}\n{outsider.service_number}"
    refused = client.post(url, {"course": small_course.pk, "service_numbers": numbers})
    assert refused.status_code == 200 and outsider.service_number in refused.content.decode()
    assert not Enrolment.objects.exists()
    done = client.post(url, {"course": small_course.pk, "service_numbers": person.service_number})
    assert done.status_code == 302 and Enrolment.objects.filter(person=person, course=small_course).exists()


def test_administrators_export_the_statements_as_json_lines(enrolment, answers, verified_login):
    take(enrolment, QuizKind.PRE_TEST, answers=answers)
    admin = get_user_model().objects.create_superuser(username="root", password=PASSWORD)
    client = verified_login(admin)
    response = client.get(reverse("lms:statements_export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/x-ndjson")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["actor"]["account"]["name"] == enrolment.person.service_number


def test_progress_is_kept_when_the_trainee_switches_language(enrolment, answers):
    take(enrolment, QuizKind.PRE_TEST, answers=answers)
    client = client_for(enrolment.person)
    lesson = course_plan(enrolment.course).lessons[0]
    client.post(reverse("lms:lesson_complete", args=[enrolment.course.code, lesson.key]))
    client.post(reverse("set_language"), {"language": "en", "next": "/learn/"})
    page = client.get(reverse("lms:course", args=[enrolment.course.code]))
    assert page.context["standing"].lessons_done == 1


def test_the_catalogue_lists_published_courses(small_course, trainee):
    build_course("MPS-03")
    page = client_for(trainee).get(reverse("lms:catalogue"))
    codes = [p.course.code for p in page.context["pages"]]
    assert codes == ["MPS-02", "MPS-03"]
