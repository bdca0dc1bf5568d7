"""load_courses: the eight courses with modules, lessons and quiz banks in Arabic and English."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from wagtail.models import Page

from courses import learning
from courses.models import Course, CoursePage, LessonPage, ModulePage
from tests.courses.conftest import load

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def all_courses(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        load()
        yield
        transaction.set_rollback(True)


def test_every_course_has_modules_lessons_and_a_quiz_bank_in_both_languages():
    for course in Course.objects.all():
        for language in ("ar", "en"):
            page = CoursePage.objects.live().get(course=course, locale__language_code=language)
            modules = ModulePage.objects.child_of(page).live()
            assert modules.count() == 4, (course.code, language)
            for module in modules:
                assert LessonPage.objects.child_of(module).live().count() >= 1
            assert len(page.quiz_bank) >= 10
            assert page.summary and len(page.objectives) >= 3
    assert CoursePage.objects.count() == 16


def test_english_pages_are_translations_of_the_arabic_ones_with_the_same_block_ids():
    for arabic in LessonPage.objects.filter(locale__language_code="ar"):
        english = arabic.get_translation(arabic.locale.__class__.objects.get(language_code="en"))
        assert [block.id for block in english.body] == [block.id for block in arabic.body]
        assert english.title != arabic.title
    with translation.override("en"):
        english_ids = [q.id for q in learning.quiz_questions("MPS-03")]
    assert english_ids == [q.id for q in learning.quiz_questions("MPS-03")]


def test_a_second_run_creates_nothing_and_keeps_editors_changes():
    lesson = LessonPage.objects.filter(locale__language_code="ar").first()
    lesson.title = "عنوان عدّله محرر"
    lesson.save_revision().publish()
    before = Page.objects.count()
    load()
    assert Page.objects.count() == before
    lesson.refresh_from_db()
    assert lesson.title == "عنوان عدّله محرر"


def test_the_site_answers_in_both_languages_under_their_own_addresses(client):
    assert client.get("/").status_code == 302
    arabic = client.get("/ar/courses/")
    english = client.get("/en/courses/")
    assert arabic.status_code == english.status_code == 200
    assert 'dir="rtl"' in arabic.text and 'lang="ar"' in arabic.text
    assert 'dir="ltr"' in english.text and "Human Rights in Policing" in english.text
    assert "حقوق الإنسان في العمل الشرطي" in arabic.text


def test_the_site_shell_looks_up_the_home_page_once_per_request_and_language(rf):
    from cms.templatetags.site_tags import _localized_home

    request = rf.get("/en/courses/", HTTP_HOST="localhost")
    with translation.override("en"):
        home = _localized_home(request)
        assert home is not None and home.locale.language_code == "en"
        with CaptureQueriesContext(connection) as queries:
            assert _localized_home(request) == home
        assert len(queries) == 0  # the menu, home link and language switch share the first lookup
    with translation.override("ar"):
        assert _localized_home(request).locale.language_code == "ar"  # another language looks again
