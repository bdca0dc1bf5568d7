"""Fixtures for the learning records.

``small_course`` is MPS-02 as a small live page tree read through the real ``courses.learning``
contract: 2 modules of 2 lessons; each module has a two-question quiz and the course two
course-level questions, so the pre- and post-test draw 6 questions. Built with ``add_child``
(no revisions) because loading a real course takes seconds; the browser test loads a real one.
"""

import json
import uuid
from dataclasses import dataclass
from functools import cache as cache_result

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client
from wagtail.models import Locale, Page

from courses import learning
from courses.models import Course, CoursePage, LessonPage, ModulePage
from lms import roles
from lms.models import Enrolment
from tests.factories import PersonFactory, course

PASSWORD = "a-long-test-password-42"  # noqa: S105


def _question(module: int | None, n: int) -> dict:
    """Choice 1 is always the right one."""
    return {
        "type": "multiple_choice",
        "id": str(uuid.uuid4()),
        "value": {
            "module": module,
            "prompt": f"Question {n} of {'the course' if module is None else f'module {module}'}?",
            "choices": [
                {"text": f"Wrong answer {n}", "is_correct": False, "feedback": f"Not this one ({n})."},
                {"text": f"Right answer {n}", "is_correct": True, "feedback": f"Yes ({n})."},
                {"text": f"Other wrong answer {n}", "is_correct": False, "feedback": ""},
            ],
        },
    }


def build_course(code: str = "MPS-02", modules: int = 2, lessons: int = 2) -> Course:
    record = course(code)
    root = Page.get_first_root_node()
    arabic = Locale.objects.get(language_code="ar")
    bank = [_question(None, 1), _question(None, 2)]
    for number in range(1, modules + 1):
        bank += [_question(number, 10 * number + 1), _question(number, 10 * number + 2)]
    course_page = root.add_child(
        instance=CoursePage(
            title=record.title_ar,
            slug=f"test-{code.lower()}",
            course=record,
            summary="ملخص",
            locale=arabic,
            quiz_bank=json.dumps(bank),
        )
    )
    for number in range(1, modules + 1):
        module = course_page.add_child(
            instance=ModulePage(title=f"الوحدة {number}", slug=f"module-{number}", locale=arabic)
        )
        for lesson in range(1, lessons + 1):
            body = json.dumps(
                [{"type": "text", "id": str(uuid.uuid4()), "value": f"<p>نص الدرس {number}.{lesson}</p>"}]
            )
            module.add_child(
                instance=LessonPage(title=f"الدرس {number}.{lesson}", slug=f"lesson-{lesson}", locale=arabic, body=body)
            )
    cache.clear()  # course plans are cached per course
    return record


@pytest.fixture
def small_course(db) -> Course:
    return build_course()


@cache_result
def password_hash() -> str:
    """Hashed once per run: hashing is slow on purpose."""
    return make_password(PASSWORD)


def make_trainee(username: str, **person):
    user = get_user_model().objects.create(username=username, password=password_hash())
    user.groups.add(Group.objects.get(name=roles.TRAINEE))
    return PersonFactory(user=user, **person)


@pytest.fixture
def trainee(db):
    return make_trainee("trainee.one")


@pytest.fixture
def other_trainee(db):
    return make_trainee("trainee.two")


@pytest.fixture
def enrolment(small_course, trainee) -> Enrolment:
    return Enrolment.objects.create(person=trainee, course=small_course)


def client_for(person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


@dataclass
class Answers:
    """Right or wrong answers for the questions an attempt was served."""

    course: Course

    def for_attempt(self, attempt, *, right: bool = True) -> dict[str, str]:
        module = attempt.module_number if attempt.kind == "module" else None
        bank = {q.id: q for q in learning.quiz_questions(self.course, module)}
        return {qid: str(1 if right else 0) for qid in attempt.question_ids if qid in bank}


@pytest.fixture
def answers(small_course) -> Answers:
    return Answers(small_course)
