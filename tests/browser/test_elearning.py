"""A demo trainee takes a whole course in Arabic: enrols, pre-test, every module with its quiz
(failing the first quiz once and passing it on retry), post-test, and sees the course complete
with its learning gain on "My learning"."""

import pytest
from django.core.management import call_command

from cascade.demo import DEMO_PASSWORD, demo_data_build
from courses import learning
from courses.models import Course
from lms.models import CourseCompletion, LessonCompletion, QuizAttempt

COURSE = "MPS-01"


@pytest.fixture
def demo_site(transactional_db):
    demo_data_build(seed=1, scale=1)
    call_command("load_courses", "--course", COURSE, verbosity=0)
    from django.core.cache import cache

    cache.clear()
    return Course.objects.get(code=COURSE)


def answer_quiz(page, course: Course, *, right: bool) -> None:
    """Tick the right (or a wrong) answer of every question the page shows, then submit."""
    questions = {question.id: question for question in learning.quiz_questions(course)}
    fieldsets = page.locator("fieldset[data-question]")
    for i in range(fieldsets.count()):
        qid = fieldsets.nth(i).get_attribute("data-question")
        choices = questions[qid].choices
        choice = next(c for c in choices if c.is_correct == right)
        page.check(f'input[name="q-{qid}"][value="{choice.id}"]')
    page.locator("form.quiz button").click()
    page.wait_for_selector("[data-result]")


def follow_next_step(page) -> None:
    page.locator(".next a.button").first.click()
    page.wait_for_load_state("domcontentloaded")


def test_a_demo_trainee_completes_a_course_in_arabic(live_server, page, demo_site, screenshot_path):
    course = demo_site
    base = live_server.url
    page.goto(f"{base}/learn/")
    assert "/learn/sign-in/" in page.url
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.fill("input[name=username]", "trainee")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_url(f"{base}/learn/")

    # Enrol from the catalogue.
    page.goto(f"{base}/learn/courses/")
    page.locator("li.card", has_text=COURSE).locator("button").click()
    page.wait_for_url(f"{base}/learn/courses/{COURSE}/")

    # Pre-test: every answer wrong, so the gain shows.
    follow_next_step(page)
    assert "/pre-test/" in page.url
    answer_quiz(page, course, right=False)
    page.screenshot(path=screenshot_path("elearning-pre-test-result-ar"), full_page=True)

    outline = learning.course_outline(course)
    for module in outline.modules:
        for index, lesson in enumerate(module.lessons):
            follow_next_step(page)
            assert f"/lessons/{lesson.translation_key}/" in page.url
            if module.number == 1 and index == 0:
                # Reading to the end marks the lesson complete by itself (scroll + IntersectionObserver).
                page.locator("[data-lesson-end]").scroll_into_view_if_needed()
                page.wait_for_selector("[data-status]:not([hidden])")
                page.screenshot(path=screenshot_path("elearning-lesson-ar"))
                # The other lessons are completed with the button, as without JavaScript. (With the
                # script, clicking scrolls and both would post at once: fine on PostgreSQL, but the
                # live server's shared in-memory SQLite connection cannot take two writers.)
                page.route("**/lms/lesson.js", lambda route: route.abort())
                page.goto(f"{base}/learn/courses/{COURSE}/")
            else:
                page.locator("form.complete-form button").click()
                page.wait_for_url(f"{base}/learn/courses/{COURSE}/")
        follow_next_step(page)
        assert f"/modules/{module.number}/quiz/" in page.url
        if module.number == 1:
            answer_quiz(page, course, right=False)
            assert "fail" in page.locator("[data-result]").get_attribute("class")
            page.screenshot(path=screenshot_path("elearning-quiz-failed-ar"), full_page=True)
            follow_next_step(page)  # "Try again"
            assert f"/modules/{module.number}/quiz/" in page.url
        answer_quiz(page, course, right=True)
        assert "pass" in page.locator("[data-result]").get_attribute("class")
        page.goto(f"{base}/learn/courses/{COURSE}/")

    follow_next_step(page)
    assert "/post-test/" in page.url
    answer_quiz(page, course, right=True)

    page.goto(f"{base}/learn/")
    card = page.locator("li.course-card", has_text=course.title_ar)
    assert card.locator("[data-completed]").is_visible()
    assert "+100" in card.locator(".gain").inner_text()
    page.screenshot(path=screenshot_path("elearning-my-learning-ar"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 800})
    page.screenshot(path=screenshot_path("elearning-my-learning-ar-360"), full_page=True)

    completion = CourseCompletion.objects.get(enrolment__person__user__username="trainee", enrolment__course=course)
    assert (completion.pre_score, completion.post_score) == (0, 100)
    assert LessonCompletion.objects.filter(enrolment=completion.enrolment, method="scrolled").count() == 1
    assert LessonCompletion.objects.filter(enrolment=completion.enrolment).count() == len(outline.lessons)
    assert QuizAttempt.objects.filter(enrolment=completion.enrolment, kind="module", module_number=1).count() == 2
