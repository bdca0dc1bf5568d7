"""The courses.learning contract used by the e-learning side."""

import pytest
from django.utils import translation

from courses import learning
from courses.models import Course, CoursePage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _content(two_courses):
    pass


def test_outline_lists_modules_in_order_with_their_lessons_in_the_active_language():
    arabic = learning.course_outline("MPS-01")
    with translation.override("en"):
        english = learning.course_outline(Course.objects.get(code="MPS-01"))
    assert [m.number for m in arabic.modules] == [1, 2, 3, 4]
    assert english.page.locale.language_code == "en"
    assert english.modules[0].title.startswith("People-centred")
    assert [lesson.translation_key for lesson in english.lessons] == arabic.lesson_keys
    assert all(lesson.locale.language_code == "en" for lesson in english.lessons)


def test_outline_falls_back_to_arabic_for_a_page_without_a_live_english_translation():
    with translation.override("en"):
        outline = learning.course_outline("MPS-01")
        outline.modules[0].lessons[0].unpublish()
        again = learning.course_outline("MPS-01")
    assert again.modules[0].lessons[0].locale.language_code == "ar"
    assert again.modules[0].lessons[1].locale.language_code == "en"


def test_quiz_questions_by_module_and_whole_bank():
    bank = learning.quiz_questions("MPS-01")
    module_two = learning.quiz_questions("MPS-01", module_number=2)
    assert len(bank) >= 10
    assert module_two and all(q.module_number == 2 for q in module_two)
    assert any(q.module_number is None for q in bank)
    assert {q.kind for q in bank} == {"multiple_choice", "true_false"}
    for question in bank:
        assert question.correct_choice_ids, question.prompt
        if question.kind == "true_false":
            assert len(question.choices) == 2


def test_published_course_pages_follow_the_active_language():
    with translation.override("en"):
        pages = learning.published_course_pages()
    assert [page.course.code for page in pages] == ["MPS-01", "MPS-02"]
    assert {page.locale.language_code for page in pages} == {"en"}
    english_page = pages[0]
    assert learning.course_outline(english_page).page.locale.language_code == "ar"
    assert (
        CoursePage.objects.get(pk=english_page.pk).translation_key
        == learning.course_outline("MPS-01").page.translation_key
    )
