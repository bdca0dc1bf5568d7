"""Units a roster names that nobody recorded: an administrator accepts creating them in the dry
run and imports; a centre manager's file waits for reference data. Through the real sign-in."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from imports.columns import PEOPLE
from imports.models import ImportJob, JobStatus
from lms.models import Person, PoliceUnit, StaffScope
from lms.roles import ADMINISTRATOR, CENTRE_MANAGER
from tests.browser.conftest import log_in
from tests.factories import PoliceUnitFactory, TrainingCentreFactory, governorate
from tests.imports.helpers import csv_bytes

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long passphrase for the import test"
ROSTER = [
    ["6200001", "مصطفى كريم", "", "ذكر", "رائد شرطة", "مديرية شرطة الرصافى", "", "بغداد"],
    ["6200002", "نور الهدى سالم", "", "أنثى", "Lt. Col.", "مديرية شرطة الشعلة", "", "بغداد"],
]


def staff(username, role, centre=None):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    if centre is not None:
        StaffScope.objects.create(user=user, training_centre=centre)
    return user


def upload(page, live_server, path):
    page.goto(f"{live_server.url}/admin/imports/")
    page.select_option("select[name=kind]", "people")
    page.set_input_files("input[name=file]", str(path))
    page.locator("form[data-imports-upload] button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def test_an_administrator_creates_the_new_unit_in_the_dry_run(live_server, page, screenshot_path, tmp_path, settings):
    settings.IMPORTS_DIR = tmp_path / "imports"
    PoliceUnitFactory(governorate=governorate("BG"), name_en="Rusafa", name_ar="مديرية شرطة الرصافة")
    staff("admin.places", ADMINISTRATOR)
    roster = tmp_path / "roster.csv"
    roster.write_bytes(csv_bytes([c.arabic for c in PEOPLE], ROSTER))
    log_in(page, live_server, "admin.places", PASSWORD)

    upload(page, live_server, roster)
    section = page.locator("#missing-places")
    expect(section).to_be_visible()
    text = section.inner_text()
    assert "مديرية شرطة الشعلة" in text and "مديرية شرطة الرصافى" in text
    assert "مديرية شرطة الرصافة" in text  # the near match of the misspelt one
    page.screenshot(path=screenshot_path("imports-missing-places"), full_page=True)

    boxes = page.locator("#accept-places input[name=place]")
    assert boxes.count() == 2 and all(box.is_checked() for box in boxes.all())  # each place, ticked at first
    page.locator("#accept-places button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#places-accepted")).to_be_visible()
    assert page.locator("[data-count=error]").inner_text() == "0"
    assert not PoliceUnit.objects.filter(name_ar="مديرية شرطة الشعلة").exists()

    page.locator("[data-confirm-import]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("progress#import-progress")).to_have_js_property("value", 100, timeout=60_000)
    page.screenshot(path=screenshot_path("imports-places-created"), full_page=True)
    assert Person.objects.get(service_number="6200002").unit.name_ar == "مديرية شرطة الشعلة"
    assert Person.objects.get(service_number="6200001").rank == "major"


def test_a_centre_managers_file_waits_for_reference_data(live_server, page, screenshot_path, tmp_path, settings):
    settings.IMPORTS_DIR = tmp_path / "imports"
    centre = TrainingCentreFactory(governorate=governorate("BG"))
    staff("manager.places", CENTRE_MANAGER, centre)
    roster = tmp_path / "roster.csv"
    roster.write_bytes(csv_bytes([c.arabic for c in PEOPLE], ROSTER[1:]))
    log_in(page, live_server, "manager.places", PASSWORD)

    upload(page, live_server, roster)
    expect(page.locator("#held-for-places")).to_be_visible()
    assert page.locator("#accept-places").count() == 0
    page.screenshot(path=screenshot_path("imports-held-for-places"), full_page=True)
    assert ImportJob.objects.get().status == JobStatus.HELD

    PoliceUnitFactory(governorate=governorate("BG"), name_en="Shula", name_ar="مديرية شرطة الشعلة")
    page.locator("form[action$='/recheck/'] button").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-confirm-import]")).to_be_visible()
    assert ImportJob.objects.get().status == JobStatus.CHECKED
