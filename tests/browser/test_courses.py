"""Course authoring journey: a trainer drafts a module in an assigned course (Arabic, then its English
translation) and submits it; a content reviewer approves; anonymous visitors read it in both languages.
Also: the trainer is refused on another course's pages, and the Arabic lesson page at 360 px."""

import pytest
from django.core.management import call_command
from wagtail.models import Locale

from courses.authoring import course_author_assign
from courses.models import Course, CoursePage, ModulePage
from tests.browser.conftest import log_in
from tests.courses.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def content():
    call_command("load_courses", "--course", "MPS-01", "--course", "MPS-02", stdout=open("/dev/null", "w"))  # noqa: SIM115
    trainer = make_user("author.browser", "trainer")
    course_author_assign(course=Course.objects.get(code="MPS-01"), user=trainer)
    make_user("reviewer.browser", "content_reviewer", is_staff=True)
    return {
        code: CoursePage.objects.get(course__code=code, locale__language_code="ar") for code in ("MPS-01", "MPS-02")
    }


def submit_for_review(page) -> None:
    page.locator("footer [data-w-dropdown-target='toggle'], footer .dropdown-toggle").first.click()
    page.locator("button[name='action-submit']").click()
    page.wait_for_load_state("networkidle")


def approve(page) -> None:
    page.locator("footer [data-w-dropdown-target='toggle'], footer .dropdown-toggle").first.click()
    page.locator("footer button:has-text('Approve')").first.click()
    page.wait_for_load_state("networkidle")


def test_trainer_drafts_reviewer_approves_visitors_read_it_in_both_languages(
    live_server, chromium, content, screenshot_path
):
    course = content["MPS-01"]
    trainer_ctx = chromium.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    trainer = trainer_ctx.new_page()
    # An author who is not staff passes the second factor on the way into the administration.
    log_in(trainer, live_server, "author.browser", PASSWORD, next_url="/admin/pages/")
    trainer.goto(f"{live_server.url}/admin/pages/add/courses/modulepage/{course.pk}/")
    trainer.fill("#id_title", "وحدة جديدة: الشرطة والمدارس")
    trainer.fill("#id_summary", "كيف يعمل المركز مع المدارس لحماية الأطفال.")
    submit_for_review(trainer)
    trainer.screenshot(path=screenshot_path("course-module-arabic-submitted"))
    arabic = ModulePage.objects.get(title="وحدة جديدة: الشرطة والمدارس", locale__language_code="ar")
    assert not arabic.live and arabic.current_workflow_state is not None

    trainer.goto(f"{live_server.url}/admin/translation/submit/page/{arabic.pk}/")
    english_locale = Locale.objects.get(language_code="en")
    trainer.locator(f"input[name=locales][value='{english_locale.pk}']").check()
    trainer.locator("main form button[type=submit], main form input[type=submit]").last.click()
    trainer.wait_for_load_state("networkidle")
    english = ModulePage.objects.get(translation_key=arabic.translation_key, locale__language_code="en")
    trainer.goto(f"{live_server.url}/admin/pages/{english.pk}/edit/")
    trainer.fill("#id_title", "New module: police and schools")
    trainer.fill("#id_summary", "How the station works with schools to protect children.")
    submit_for_review(trainer)
    trainer.screenshot(path=screenshot_path("course-module-submitted"))
    trainer_ctx.close()

    reviewer_ctx = chromium.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    reviewer = reviewer_ctx.new_page()
    log_in(reviewer, live_server, "reviewer.browser", PASSWORD)
    for module in (arabic, english):
        reviewer.goto(f"{live_server.url}/admin/pages/{module.pk}/edit/")
        approve(reviewer)
    reviewer_ctx.close()
    arabic.refresh_from_db()
    english.refresh_from_db()
    assert arabic.live and english.live

    visitor_ctx = chromium.new_context(locale="ar-IQ", viewport={"width": 360, "height": 800})
    visitor = visitor_ctx.new_page()
    visitor.goto(f"{live_server.url}/ar/courses/mps-01/")
    assert visitor.locator("html").get_attribute("dir") == "rtl"
    assert visitor.get_by_text("وحدة جديدة: الشرطة والمدارس").count() == 1
    visitor.goto(f"{live_server.url}{english.url}")
    assert visitor.locator("html").get_attribute("dir") == "ltr"
    assert visitor.locator("h1").inner_text() == "New module: police and schools"
    visitor_ctx.close()


def test_trainer_cannot_open_another_courses_pages(live_server, page, content):
    log_in(page, live_server, "author.browser", PASSWORD, next_url="/admin/pages/")
    response = page.goto(f"{live_server.url}/admin/pages/{content['MPS-02'].pk}/edit/")
    refused = response.status == 403 or "/admin/pages/" not in page.url or page.locator(".messages .error").count()
    assert refused
    assert page.locator("#id_title").count() == 0


def test_arabic_lesson_page_at_360_px(live_server, chromium, content, screenshot_path):
    context = chromium.new_context(locale="ar-IQ", viewport={"width": 360, "height": 780})
    page = context.new_page()
    page.goto(f"{live_server.url}/ar/courses/mps-01/module-1-people-centred-local-policing/from-green-to-blue/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator("[data-knowledge-check] input[data-correct]").first.check()
    assert page.locator("[data-knowledge-check] [data-result]").first.is_visible()
    page.screenshot(path=screenshot_path("lesson-ar-360"), full_page=True)
    context.close()
