"""The learning workflows: enrolment, order of modules, idempotent progress, quizzes, completion."""

import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from courses import learning
from lms import scopes, services, xapi
from lms.models import (
    CompletionRule,
    CourseCompletion,
    Enrolment,
    LearningStatement,
    LessonCompletion,
    QuizAttempt,
    QuizKind,
    StaffScope,
)
from lms.outline import course_plan
from lms.signals import course_completed
from tests.factories import PersonFactory, TrainingCentreFactory, course, governorate
from tests.lms.conftest import make_trainee

pytestmark = pytest.mark.django_db


def take(enrolment, kind, module=0, *, right=True, answers=None):
    attempt = services.quiz_attempt_open(enrolment=enrolment, kind=kind, module_number=module)
    return services.quiz_attempt_submit(
        attempt_id=attempt.pk,
        person=enrolment.person,
        token=str(attempt.token),
        answers=answers.for_attempt(attempt, right=right),
    )


def read_module(enrolment, number):
    plan = course_plan(enrolment.course)
    for lesson in plan.module(number).lessons:
        services.lesson_complete(enrolment=enrolment, lesson_key=lesson.key, method=LessonCompletion.Method.BUTTON)


def finish_modules(enrolment, answers):
    for module in course_plan(enrolment.course).modules:
        read_module(enrolment, module.number)
        take(enrolment, QuizKind.MODULE, module.number, answers=answers)


# --- Enrolment -------------------------------------------------------------------------------


def test_a_trainee_enrols_once_in_a_published_course(small_course, trainee):
    first, created = services.enrolment_create(person=trainee, course=small_course)
    again, created_again = services.enrolment_create(person=trainee, course=small_course)
    assert created and not created_again and first == again
    assert Enrolment.objects.filter(person=trainee).count() == 1


def test_the_database_refuses_a_second_enrolment_in_the_same_course(enrolment):
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(person=enrolment.person, course=enrolment.course)


def test_a_course_without_live_pages_is_not_open_for_enrolment(small_course, trainee):
    with pytest.raises(services.LearningRefused) as refusal:
        services.enrolment_create(person=trainee, course=course("MPS-05"))
    assert refusal.value.message == services.NOT_OPEN
    assert not Enrolment.objects.exists()


@pytest.fixture
def manager(db):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(username="manager", password="x-long-password-1")
    user.groups.add(Group.objects.get(name="centre_manager"))
    StaffScope.objects.create(user=user, training_centre=TrainingCentreFactory(governorate=governorate("BG")))
    return user


def test_a_centre_manager_enrols_the_people_of_the_centres_governorate(small_course, manager):
    baghdad = [PersonFactory(governorate=governorate("BG")) for _ in range(3)]
    Enrolment.objects.create(person=baghdad[0], course=small_course)
    result = services.enrolments_bulk_create(
        actor=manager, course=small_course, service_numbers=[p.service_number for p in baghdad] + ["", "  "]
    )
    assert sorted(result.enrolled) == sorted(p.service_number for p in baghdad[1:])
    assert result.already == [baghdad[0].service_number]
    assert Enrolment.objects.filter(course=small_course, source=Enrolment.Source.MANAGER).count() == 2


def test_bulk_enrolment_refuses_people_outside_the_scope_and_writes_nothing(small_course, manager, english):
    inside = PersonFactory(governorate=governorate("BG"))
    outside = PersonFactory(governorate=governorate("BA"))
    with pytest.raises(ValidationError) as error:
        services.enrolments_bulk_create(
            actor=manager, course=small_course, service_numbers=[inside.service_number, outside.service_number]
        )
    assert outside.service_number in str(error.value) and inside.service_number not in str(error.value)
    assert not Enrolment.objects.exists()


def test_bulk_enrolment_names_unknown_service_numbers_with_their_line(small_course, manager, english):
    known = PersonFactory(governorate=governorate("BG"))
    with pytest.raises(ValidationError) as error:
        services.enrolments_bulk_create(
            actor=manager, course=small_course, service_numbers=[known.service_number, "NO-SUCH-1"]
        )
    assert "2: NO-SUCH-1" in str(error.value)
    assert not Enrolment.objects.exists()


def test_only_administrators_and_centre_managers_may_enrol_others(small_course, trainee):
    assert not scopes.people_enrollable_by(trainee.user).exists()
    with pytest.raises(ValidationError):
        services.enrolments_bulk_create(
            actor=trainee.user, course=small_course, service_numbers=[PersonFactory().service_number]
        )


# --- Order and idempotent progress -------------------------------------------------------------


def test_lessons_wait_for_the_pre_test(enrolment):
    lesson = course_plan(enrolment.course).lessons[0]
    with pytest.raises(services.LearningRefused) as refusal:
        services.lesson_complete(enrolment=enrolment, lesson_key=lesson.key, method="button")
    assert refusal.value.message == services.PRE_TEST_FIRST
    assert not LessonCompletion.objects.exists()


def test_the_same_lesson_completion_twice_is_one_record_and_one_statement(enrolment, answers):
    take(enrolment, QuizKind.PRE_TEST, answers=answers)
    lesson = course_plan(enrolment.course).lessons[0]
    _first, created = services.lesson_complete(enrolment=enrolment, lesson_key=lesson.key, method="scrolled")
    _second, created_again = services.lesson_complete(enrolment=enrolment, lesson_key=lesson.key, method="button")
    assert created and not created_again
    assert LessonCompletion.objects.filter(enrolment=enrolment).count() == 1
    assert LessonCompletion.objects.get().method == "scrolled"
    assert LearningStatement.objects.filter(verb=xapi.VERB_COMPLETED).count() == 1


def test_the_database_refuses_a_duplicate_lesson_completion(enrolment):
    key = course_plan(enrolment.course).lessons[0].key
    LessonCompletion.objects.create(enrolment=enrolment, lesson_key=key, module_number=1, method="button")
    with pytest.raises(IntegrityError), transaction.atomic():
        LessonCompletion.objects.create(enrolment=enrolment, lesson_key=key, module_number=1, method="button")


def test_a_module_opens_only_when_the_one_before_is_finished(enrolment, answers):
    take(enrolment, QuizKind.PRE_TEST, answers=answers)
    plan = course_plan(enrolment.course)
    second_module_lesson = plan.module(2).lessons[0]
    with pytest.raises(services.LearningRefused):
        services.lesson_complete(enrolment=enrolment, lesson_key=second_module_lesson.key, method="button")
    read_module(enrolment, 1)
    with pytest.raises(services.LearningRefused):  # lessons read, quiz not passed yet
        services.lesson_complete(enrolment=enrolment, lesson_key=second_module_lesson.key, method="button")
    take(enrolment, QuizKind.MODULE, 1, answers=answers)
    _completion, created = services.lesson_complete(
        enrolment=enrolment, lesson_key=second_module_lesson.key, method="button"
    )
    assert created


def test_a_lesson_of_another_course_is_refused(enrolment, answers):
    take(enrolment, QuizKind.PRE_TEST, answers=answers)
    import uuid

    with pytest.raises(services.LearningRefused) as refusal:
        services.lesson_complete(enrolment=enrolment, lesson_key=uuid.uuid4(), method="button")
    assert refusal.value.message == services.LESSON_NOT_IN_COURSE


# --- Quizzes ---------------------------------------------------------------------------------


def test_quiz_questions_come_from_the_module_bank_and_the_whole_bank(enrolment, answers):
    pre = services.quiz_attempt_open(enrolment=enrolment, kind=QuizKind.PRE_TEST)
    assert len(pre.question_ids) == 3  # a form of half the bank of six
    services.quiz_attempt_submit(
        attempt_id=pre.pk, person=enrolment.person, token=str(pre.token), answers=answers.for_attempt(pre)
    )
    read_module(enrolment, 1)
    quiz = services.quiz_attempt_open(enrolment=enrolment, kind=QuizKind.MODULE, module_number=1)
    assert len(quiz.question_ids) == 2
    module_bank = {question.id for question in learning.quiz_questions(enrolment.course, 1)}
    assert set(quiz.question_ids) == module_bank


def test_reloading_a_quiz_serves_the_same_attempt(enrolment):
    first = services.quiz_attempt_open(enrolment=enrolment, kind=QuizKind.PRE_TEST)
    again = services.quiz_attempt_open(enrolment=enrolment, kind=QuizKind.PRE_TEST)
    assert first.pk == again.pk and first.token == again.token


def test_a_module_quiz_allows_three_attempts_then_refuses(enrolment, answers):
    take(enrolment, QuizKind.PRE_TEST, answers=answers)
    read_module(enrolment, 1)
    for _ in range(3):
        attempt = take(enrolment, QuizKind.MODULE, 1, right=False, answers=answers)
        assert attempt.passed is False and attempt.score == 0
    with pytest.raises(services.LearningRefused) as refusal:
        services.quiz_attempt_open(enrolment=enrolment, kind=QuizKind.MODULE, module_number=1)
    assert "3" in str(refusal.value.message)
    assert QuizAttempt.objects.filter(enrolment=enrolment, kind=QuizKind.MODULE).count() == 3


def test_a_submission_after_the_limit_is_refused_and_changes_nothing(enrolment, answers):
    take(enrolment, QuizKind.PRE_TEST, answers=answers)
    read_module(enrolment, 1)
    take(enrolment, QuizKind.MODULE, 1, right=False, answers=answers)
    open_attempt = services.quiz_attempt_open(enrolment=enrolment, kind=QuizKind.MODULE, module_number=1)
    # An administrator lowers the limit while the trainee answers attempt 2.
    CompletionRule.objects.create(course=enrolment.course, max_attempts=1)
    with pytest.raises(services.LearningRefused):
        services.quiz_attempt_submit(
            attempt_id=open_attempt.pk,
            person=enrolment.person,
            token=str(open_attempt.token),
            answers=answers.for_attempt(open_attempt),
        )
    open_attempt.refresh_from_db()
    assert open_attempt.submitted_at is None and open_attempt.score is None


def test_the_pre_test_is_taken_once(enrolment, answers):
    take(enrolment, QuizKind.PRE_TEST, answers=answers)
    with pytest.raises(services.LearningRefused):
        services.quiz_attempt_open(enrolment=enrolment, kind=QuizKind.PRE_TEST)


def test_a_quiz_of_a_module_not_reached_is_refused(enrolment, answers):
    with pytest.raises(services.LearningRefused):
        services.quiz_attempt_open(enrolment=enrolment, kind=QuizKind.MODULE, module_number=1)
    take(enrolment, QuizKind.PRE_TEST, answers=answers)
    with pytest.raises(services.LearningRefused) as refusal:
        services.quiz_attempt_open(enrolment=enrolment, kind=QuizKind.MODULE, module_number=2)
    assert refusal.value.message == services.MODULE_NOT_REACHED % {"number": 2}
    assert not QuizAttempt.objects.filter(kind=QuizKind.MODULE).exists()


def test_a_replayed_submission_is_refused_and_changes_nothing(enrolment, answers):
    attempt = services.quiz_attempt_open(enrolment=enrolment, kind=QuizKind.PRE_TEST)
    posted = answers.for_attempt(attempt, right=False)
    services.quiz_attempt_submit(
        attempt_id=attempt.pk, person=enrolment.person, token=str(attempt.token), answers=posted
    )
    graded = QuizAttempt.objects.get(pk=attempt.pk)
    statements = LearningStatement.objects.count()
    better = answers.for_attempt(attempt, right=True)
    with pytest.raises(services.LearningRefused) as refusal:
        services.quiz_attempt_submit(
            attempt_id=attempt.pk, person=enrolment.person, token=str(attempt.token), answers=better
        )
    assert refusal.value.message == services.ATTEMPT_REPLAYED
    again = QuizAttempt.objects.get(pk=attempt.pk)
    assert (again.score, again.answers, again.submitted_at) == (graded.score, graded.answers, graded.submitted_at)
    assert LearningStatement.objects.count() == statements


def test_tampered_question_ids_are_refused_and_change_nothing(enrolment, answers):
    attempt = services.quiz_attempt_open(enrolment=enrolment, kind=QuizKind.PRE_TEST)
    posted = answers.for_attempt(attempt)
    swapped = dict(posted)
    swapped.pop(attempt.question_ids[0])
    swapped["00000000-0000-0000-0000-000000000000"] = "1"
    for bad in (swapped, {**posted, attempt.question_ids[0]: "7"}, {**posted, attempt.question_ids[0]: "x"}):
        with pytest.raises(services.LearningRefused) as refusal:
            services.quiz_attempt_submit(
                attempt_id=attempt.pk, person=enrolment.person, token=str(attempt.token), answers=bad
            )
        assert refusal.value.message == services.QUESTIONS_TAMPERED
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and not LearningStatement.objects.exists()


def test_a_wrong_token_is_refused(enrolment, answers):
    attempt = services.quiz_attempt_open(enrolment=enrolment, kind=QuizKind.PRE_TEST)
    with pytest.raises(services.LearningRefused) as refusal:
        services.quiz_attempt_submit(
            attempt_id=attempt.pk, person=enrolment.person, token="not-the-token", answers=answers.for_attempt(attempt)
        )
    assert refusal.value.message == services.ATTEMPT_TOKEN_INVALID


def test_another_persons_attempt_cannot_be_submitted(enrolment, answers, other_trainee):
    attempt = services.quiz_attempt_open(enrolment=enrolment, kind=QuizKind.PRE_TEST)
    with pytest.raises(QuizAttempt.DoesNotExist):
        services.quiz_attempt_submit(
            attempt_id=attempt.pk, person=other_trainee, token=str(attempt.token), answers=answers.for_attempt(attempt)
        )


# --- Completion rules --------------------------------------------------------------------------


def test_the_course_completes_with_the_post_test_at_the_pass_mark_and_announces_it_once(
    enrolment, answers, django_capture_on_commit_callbacks
):
    received = []

    def receiver(**kwargs):
        received.append(kwargs)

    course_completed.connect(receiver, dispatch_uid="test-receiver")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            take(enrolment, QuizKind.PRE_TEST, right=False, answers=answers)
            finish_modules(enrolment, answers)
            assert not CourseCompletion.objects.exists()  # modules done, post-test not yet
            take(enrolment, QuizKind.POST_TEST, right=False, answers=answers)
            assert not CourseCompletion.objects.exists()
            take(enrolment, QuizKind.POST_TEST, answers=answers)
    finally:
        course_completed.disconnect(dispatch_uid="test-receiver")
    completion = CourseCompletion.objects.get(enrolment=enrolment)
    assert (completion.pre_score, completion.post_score, completion.gain) == (0, 100, 100)
    assert len(received) == 1
    assert received[0]["person"] == enrolment.person and received[0]["course"] == enrolment.course
    assert received[0]["completion_id"] == completion.pk and received[0]["completed_at"] == completion.completed_at
    assert LearningStatement.objects.filter(object_id=xapi.course_iri("MPS-02"), verb=xapi.VERB_COMPLETED).count() == 1


def test_a_post_test_below_the_pass_mark_does_not_complete(enrolment, answers):
    CompletionRule.objects.create(course=enrolment.course, pass_mark=100)
    take(enrolment, QuizKind.PRE_TEST, answers=answers)
    finish_modules(enrolment, answers)
    attempt = services.quiz_attempt_open(enrolment=enrolment, kind=QuizKind.POST_TEST)
    posted = answers.for_attempt(attempt)
    posted[attempt.question_ids[0]] = "0"  # 2 of the form's 3 right: 66.67 %
    graded = services.quiz_attempt_submit(
        attempt_id=attempt.pk, person=enrolment.person, token=str(attempt.token), answers=posted
    )
    assert str(graded.score) == "66.67" and graded.passed is False
    assert not CourseCompletion.objects.exists()


def test_without_the_post_test_rule_finishing_the_modules_completes(enrolment, answers):
    CompletionRule.objects.create(course=enrolment.course, require_post_test=False)
    take(enrolment, QuizKind.PRE_TEST, answers=answers)
    finish_modules(enrolment, answers)
    assert CourseCompletion.objects.filter(enrolment=enrolment, post_score=None).exists()


def test_without_the_module_quiz_rule_the_next_module_opens_on_reading(enrolment, answers):
    CompletionRule.objects.create(course=enrolment.course, require_module_quizzes=False, require_post_test=False)
    take(enrolment, QuizKind.PRE_TEST, answers=answers)
    read_module(enrolment, 1)
    read_module(enrolment, 2)  # module 2 reachable without the quiz of module 1
    assert CourseCompletion.objects.filter(enrolment=enrolment).exists()


def test_default_rule_values():
    rule = CompletionRule.for_course(course("MPS-01"))
    assert (rule.pass_mark, rule.max_attempts) == (70, 3)
    assert rule.require_all_modules and rule.require_module_quizzes and rule.require_post_test


def test_the_database_refuses_a_pass_mark_over_100(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        CompletionRule.objects.create(course=course("MPS-01"), pass_mark=101)


# --- Statements ------------------------------------------------------------------------------


def test_every_record_has_an_xapi_statement_and_the_export_prints_json_lines(enrolment, answers):
    take(enrolment, QuizKind.PRE_TEST, answers=answers)
    finish_modules(enrolment, answers)
    take(enrolment, QuizKind.POST_TEST, answers=answers)
    out = StringIO()
    call_command("export_learning_statements", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    verbs = [line["verb"]["id"] for line in lines]
    # pre-test, 4 lessons, 2 module quizzes, post-test, course completion
    assert verbs.count(xapi.VERB_COMPLETED) == 5 and verbs.count(xapi.VERB_PASSED) == 3
    assert verbs.count(xapi.VERB_SCORED) == 1
    for line in lines:
        assert {"id", "actor", "verb", "object", "timestamp"} <= set(line)
        assert line["actor"]["account"]["name"] == enrolment.person.service_number
    quiz = next(line for line in lines if line["verb"]["id"] == xapi.VERB_PASSED)
    assert quiz["result"]["score"]["raw"] == 100 and quiz["result"]["success"] is True


def test_someone_elses_enrolment_leaves_their_own_statements_alone(enrolment, answers, small_course):
    other = make_trainee("someone.else")
    other_enrolment = Enrolment.objects.create(person=other, course=small_course)
    take(other_enrolment, QuizKind.PRE_TEST, answers=answers)
    assert not LearningStatement.objects.filter(person=enrolment.person).exists()
