"""Pre- and post-tests measure learning: two forms with no question in common for one trainee,
choices shuffled per attempt, and no answers shown for the pre-test until the post-test is taken."""

import uuid

import pytest
from django.urls import reverse

from courses import learning
from lms import services
from lms.models import QuizAttempt, QuizKind
from tests.lms.conftest import build_course, client_for
from tests.lms.test_learning_services import finish_modules, take

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_course(db):
    return build_course(code="MPS-03", modules=5)  # a bank of 2 + 5 × 2 = 12 questions


@pytest.fixture
def big_enrolment(big_course, trainee):
    from lms.models import Enrolment

    return Enrolment.objects.create(person=trainee, course=big_course)


def test_the_pre_and_post_test_forms_share_no_question(big_enrolment):
    from tests.lms.conftest import Answers

    answers = Answers(big_enrolment.course)
    pre = take(big_enrolment, QuizKind.PRE_TEST, answers=answers)
    finish_modules(big_enrolment, answers)
    post = services.quiz_attempt_open(enrolment=big_enrolment, kind=QuizKind.POST_TEST)
    bank = {question.id for question in learning.quiz_questions(big_enrolment.course)}
    assert len(pre.question_ids) == len(post.question_ids) == 6
    assert set(pre.question_ids) | set(post.question_ids) <= bank
    assert not set(pre.question_ids) & set(post.question_ids)


def test_each_trainee_gets_their_own_draw(big_course, trainee, other_trainee):
    from lms.models import Enrolment

    draws = set()
    for person in (trainee, other_trainee):
        enrolment = Enrolment.objects.create(person=person, course=big_course)
        draws.add(frozenset(services.quiz_attempt_open(enrolment=enrolment, kind=QuizKind.PRE_TEST).question_ids))
    # Both draws are forms of six from the same twelve; they differ unless chance repeats one (1 in 924).
    assert all(len(draw) == 6 for draw in draws)


def test_choice_order_differs_between_attempts_and_holds_within_one(enrolment):
    attempt = services.quiz_attempt_open(enrolment=enrolment, kind=QuizKind.PRE_TEST)
    question = learning.quiz_questions(enrolment.course)[0]
    # The same attempt (a reload) shows the same order.
    assert services.choice_order(attempt, question) == services.choice_order(attempt, question)
    # Attempts with other tokens show other orders (the order is seeded by the token; any two may
    # still agree by chance, one in six for three choices, so ten fixed tokens are compared)...
    orders = {
        tuple(c.id for c in services.choice_order(QuizAttempt(token=uuid.UUID(int=n)), question)) for n in range(1, 11)
    }
    assert len(orders) > 1
    # ... and over many attempts the first choice shown is not always the same one.
    firsts = {services.choice_order(QuizAttempt(token=uuid.uuid4()), question)[0].id for _ in range(40)}
    assert len(firsts) > 1


def test_the_quiz_page_shows_the_attempts_order(enrolment):
    attempt = services.quiz_attempt_open(enrolment=enrolment, kind=QuizKind.PRE_TEST)
    page = client_for(enrolment.person).get(reverse("lms:pre_test", args=[enrolment.course.code]))
    body = page.content.decode()
    for question, choices in services.served_questions(attempt):
        positions = [body.index(f"> {choice.text}</label>") for choice in choices]
        assert positions == sorted(positions), question.prompt


def test_the_pre_test_shows_no_answers_until_the_post_test(enrolment, answers):
    client = client_for(enrolment.person)
    pre = take(enrolment, QuizKind.PRE_TEST, answers=answers)
    page = client.get(reverse("lms:attempt", args=[pre.pk]))
    body = page.content.decode()
    assert page.context["feedback"] == []
    assert "Right answer" not in body and "Yes (" not in body and "Not this one" not in body
    assert "data-answers-later" in body

    finish_modules(enrolment, answers)
    take(enrolment, QuizKind.POST_TEST, answers=answers)
    after = client.get(reverse("lms:attempt", args=[pre.pk]))
    assert len(after.context["feedback"]) == len(pre.question_ids)
