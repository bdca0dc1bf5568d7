"""A directorate auditor narrows the dashboard to one governorate and one course, follows a number
to the records behind it, exports a table to XLSX and downloads the programme report; the
dashboard and its sections pass axe-core's checks with no serious or critical violation."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from openpyxl import load_workbook

from audit.services import facts_rebuild
from cascade.demo import demo_data_build
from courses.models import Course
from lms.models import Governorate
from tests.browser.conftest import log_in
from tests.conftest import log_in_verified

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(browser_context, live_server, username: str) -> None:
    """Sign the browser in as ``username`` with the second factor passed (a session made server-side)."""
    client = log_in_verified(Client(), get_user_model().objects.get(username=username))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    browser_context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_an_auditor_filters_drills_down_and_exports(live_server, page, browser_context, screenshot_path):
    demo_data_build(seed=1, scale=1)
    facts_rebuild()
    basra = Governorate.objects.get(code="BA")
    course = Course.objects.get(code="MPS-02")
    signed_in(browser_context, live_server, "auditor")

    page.goto(f"{live_server.url}/audit/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.select_option("select[name=governorate]", str(basra.pk))
    page.select_option("select[name=course]", str(course.pk))
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert f"governorate={basra.pk}" in page.url and f"course={course.pk}" in page.url
    page.screenshot(path=screenshot_path("audit-dashboard-basra-mps02"), full_page=True)
    # The coverage section keeps the filters: one governorate row.
    page.locator("nav.audit-nav a[href*='/section/coverage/']").click()
    page.wait_for_load_state("networkidle")
    assert f"governorate={basra.pk}" in page.url
    assert page.locator("#governorates tbody tr").count() == 1
    with page.expect_download() as download_info:
        page.locator("[data-export=governorates-xlsx]").click()
    workbook = load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == basra.name_ar
    page.go_back()
    page.wait_for_load_state("networkidle")

    # The number of people trained, and the list behind it.
    number = page.locator("#totals tbody tr").first.locator("a")
    shown = number.inner_text()
    number.click()
    page.wait_for_load_state("networkidle")
    counted = page.locator("[data-count]").first
    assert counted.inner_text() == shown
    assert int(counted.get_attribute("data-count")) == int("".join(ch for ch in shown if ch.isdigit()))
    page.screenshot(path=screenshot_path("audit-drill-down"), full_page=False)
    page.go_back()
    page.wait_for_load_state("networkidle")

    # The full report is made in the background: a page names the filters, then shows progress.
    page.locator("[data-report]").click()
    page.wait_for_load_state("networkidle")
    page.locator("[data-report-start]").click()
    page.locator("[data-report-file]").wait_for(timeout=120_000)
    with page.expect_download() as download_info:
        page.locator("[data-report-file]").click()
    report = Path(download_info.value.path()).read_bytes()
    assert report.startswith(b"%PDF")
    target = Path(screenshot_path("audit-report")).with_suffix(".pdf")
    target.write_bytes(report)

    # The same page on a phone: nothing wider than the screen but the tables' own scrolling boxes.
    page.set_viewport_size({"width": 360, "height": 800})
    page.go_back()
    page.go_back()
    page.wait_for_load_state("networkidle")
    widest = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361 "
        "|| e.getBoundingClientRect().left < -1).filter(e => !e.closest('.scroll'))"
        ".map(e => e.tagName + '.' + e.className)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, widest[:10]
    page.screenshot(path=screenshot_path("audit-dashboard-360"), full_page=False)


SERIOUS = ("serious", "critical")


def axe_violations(page) -> list[str]:
    """axe-core (bundled with axe-playwright-python) run in the page: serious and critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


def test_the_dashboard_passes_axe_in_arabic_at_1280_and_360_px(live_server, page, browser_context, screenshot_path):
    from cascade.demo.accounts import DEMO_PASSWORD

    demo_data_build(seed=1, scale=1)
    facts_rebuild()
    log_in(page, live_server, "auditor", DEMO_PASSWORD, next_url="/audit/")  # the real sign-in, second factor included
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        for path in ("/audit/", "/audit/section/coverage/", "/audit/section/cascade/", "/audit/report/"):
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            assert page.locator("html").get_attribute("lang") == "ar"
            assert axe_violations(page) == [], (path, width)
        page.goto(f"{live_server.url}/audit/")
        page.screenshot(path=screenshot_path(f"audit-overview-ar-{width}"), full_page=True)
        # An overview, not a 10,000 px scroll: sections are on their own pages.
        assert page.evaluate("document.documentElement.scrollHeight") < (3000 if width == 1280 else 6000)
        assert page.locator("nav.audit-nav a[aria-current=page]").count() == 1
