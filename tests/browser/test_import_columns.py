"""A centre manager's roster with the office's own headers: the column-mapping step in Chromium,
through the real sign-in (password and authenticator code), up to the stored people."""

import pytest
from playwright.sync_api import expect

from imports.models import ColumnMapping
from lms.models import Person
from lms.roles import CENTRE_MANAGER
from tests.browser.conftest import log_in
from tests.browser.test_import_places import PASSWORD, staff, upload
from tests.factories import TrainingCentreFactory, governorate
from tests.imports.helpers import csv_bytes

pytestmark = pytest.mark.django_db(transaction=True)

HEADERS = ["ت", "رقم المنتسب", "الاسم الثلاثي واللقب", "ذكر/انثى", "الرتبة", "محافظة السكن"]
ROWS = [
    ["1", "٦٣٠٠٠٠١", "علي حسن كاظم", "ذكر", "رائد شرطة", "بغداد"],
    ["2", "6300002", "زينب حسين علي", "أنثى", "Police Captain", "Baghdad"],
]


def test_a_centre_manager_matches_the_files_columns_then_imports(
    live_server, page, screenshot_path, tmp_path, settings
):
    settings.IMPORTS_DIR = tmp_path / "imports"
    centre = TrainingCentreFactory(governorate=governorate("BG"))
    staff("manager.columns", CENTRE_MANAGER, centre)
    roster = tmp_path / "kashf.csv"
    roster.write_bytes(csv_bytes(HEADERS, ROWS))
    log_in(page, live_server, "manager.columns", PASSWORD)

    upload(page, live_server, roster)
    expect(page.locator("#columns-form")).to_be_visible()  # not a refusal: the mapping step
    assert page.locator("select#column-4").input_value() == "rank"  # a template header, proposed
    page.select_option("select#column-2", "name_ar")
    page.select_option("select#column-3", "gender")
    page.select_option("select#column-5", "governorate")
    page.locator("#columns-form button[type=submit]").click()  # the service number left out
    page.wait_for_load_state("networkidle")
    expect(page.locator("#columns-errors")).to_contain_text("الرقم الوظيفي")
    page.screenshot(path=screenshot_path("imports-columns-step"), full_page=True)

    page.select_option("select#column-1", "service_number")
    page.locator("#columns-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-count=new]").inner_text() == "2"
    assert page.locator("[data-count=error]").inner_text() == "0"
    expect(page.locator("#columns-used")).to_be_visible()
    assert ColumnMapping.objects.get().training_centre == centre
    page.screenshot(path=screenshot_path("imports-columns-dry-run"), full_page=True)

    page.locator("[data-confirm-import]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("progress#import-progress")).to_have_js_property("value", 100, timeout=60_000)
    assert Person.objects.get(service_number="6300001").rank == "major"
    assert Person.objects.get(service_number="6300002").gender == "F"
