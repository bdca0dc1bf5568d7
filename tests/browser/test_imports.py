"""A training-centre manager uploads a roster, reads the dry run, confirms, watches the progress
bar, and finds the people in the list."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from playwright.sync_api import expect

from imports.columns import PEOPLE
from lms.models import Person, StaffScope
from lms.roles import CENTRE_MANAGER
from tests.conftest import log_in_verified
from tests.factories import TrainingCentreFactory, governorate
from tests.imports.helpers import csv_bytes

pytestmark = pytest.mark.django_db(transaction=True)

ROSTER = [
    ["6100001", "مصطفى كريم جاسم", "Mustafa Kareem Jasim", "ذكر", "ملازم", "", "", "بغداد"],
    ["6100002", "نور الهدى سالم", "Nour Al-Huda Salem", "أنثى", "نقيب", "", "", "BG"],
    ["6100003", "حيدر عباس", "Haider Abbas", "M", "sergeant", "", "", "Baghdad"],
]


def signed_in(browser_context, live_server, user) -> None:
    client = log_in_verified(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    browser_context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_a_centre_manager_imports_a_roster(live_server, page, browser_context, screenshot_path, tmp_path, settings):
    settings.IMPORTS_DIR = tmp_path / "imports"
    centre = TrainingCentreFactory(governorate=governorate("BG"))  # the roster's governorate
    manager = get_user_model().objects.create_user(username="manager.import", password=None)
    manager.groups.add(Group.objects.get(name=CENTRE_MANAGER))
    StaffScope.objects.create(user=manager, training_centre=centre)
    roster = tmp_path / "roster.csv"
    roster.write_bytes(csv_bytes([c.arabic for c in PEOPLE], ROSTER))
    signed_in(browser_context, live_server, manager)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(f"{live_server.url}/admin/imports/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.select_option("select[name=kind]", "people")
    page.set_input_files("input[name=file]", str(roster))
    page.locator("form[data-imports-upload] button[type=submit]").click()
    page.wait_for_load_state("networkidle")

    # The dry run: three new rows, no error, nothing stored yet.
    assert page.locator("[data-count=new]").inner_text() == "3"
    assert page.locator("[data-count=error]").inner_text() == "0"
    assert page.locator("#dry-run-rows tbody tr").count() == 3
    assert not Person.objects.exists()
    page.screenshot(path=screenshot_path("imports-dry-run"), full_page=True)

    page.locator("[data-confirm-import]").click()
    page.wait_for_load_state("networkidle")
    bar = page.locator("progress#import-progress")
    # expect() polls from Playwright's own world: the page's CSP forbids evaluating strings.
    expect(bar).to_have_js_property("value", 100, timeout=60_000)
    assert bar.get_attribute("max") == "100"
    assert page.locator("[data-report]").is_visible()
    page.screenshot(path=screenshot_path("imports-done"), full_page=True)

    page.goto(f"{live_server.url}/admin/people/?q=6100")
    page.wait_for_load_state("networkidle")
    listing = page.locator("main").inner_text()
    for row in ROSTER:
        assert row[0] in listing
    assert "نور الهدى سالم" in listing
    page.screenshot(path=screenshot_path("imports-people-list"), full_page=True)
    assert Person.objects.filter(service_number__startswith="6100").count() == 3
    assert not [e for e in errors if "Content Security Policy" in e]
