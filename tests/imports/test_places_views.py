"""The admin pages around units and stations a people file names that nobody recorded: the
administrator's "create these N new units" step, a manager's held job, and the value spellings."""

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.columns import PEOPLE
from imports.models import ImportJob, JobStatus, ValueSynonym
from lms.models import PoliceUnit
from lms.roles import ADMINISTRATOR, CENTRE_MANAGER
from tests.conftest import log_in_verified
from tests.factories import TrainingCentreFactory, governorate
from tests.imports.helpers import csv_bytes
from tests.imports.test_views import user_with

pytestmark = pytest.mark.django_db

ROWS = [
    ["610001", "علي حسن", "", "ذكر", "رائد شرطة", "مديرية شرطة الشعلة", "", "بغداد"],
    ["610002", "زينب علي", "", "أنثى", "Lt. Col.", "مديرية شرطة الشعلة", "", "بغداد"],
]


def upload(client, rows=ROWS):
    file = SimpleUploadedFile("roster.csv", csv_bytes([c.name for c in PEOPLE], rows), content_type="text/csv")
    return client.post("/admin/imports/", {"kind": "people", "file": file})


def page(response) -> str:
    return html.unescape(response.content.decode())


def test_an_administrator_accepts_the_new_unit_and_confirms(client, django_user_model, english):
    log_in_verified(client, user_with(django_user_model, "admin", ADMINISTRATOR))
    upload(client)
    job = ImportJob.objects.get()
    text = page(client.get(f"/admin/imports/{job.pk}/"))
    assert 'id="accept-places"' in text and "مديرية شرطة الشعلة" in text
    # Without the box ticked nothing changes.
    client.post(f"/admin/imports/{job.pk}/places/accept/", {})
    assert not ImportJob.objects.get().create_places
    client.post(f"/admin/imports/{job.pk}/places/accept/", {"accept": "1"})
    job.refresh_from_db()
    assert job.can_confirm and job.create_places
    assert 'id="places-accepted"' in page(client.get(f"/admin/imports/{job.pk}/"))
    assert not PoliceUnit.objects.exists()


def test_a_manager_is_held_and_cannot_create_units(client, django_user_model, english):
    centre = TrainingCentreFactory(governorate=governorate("BG"))
    log_in_verified(client, user_with(django_user_model, "manager", CENTRE_MANAGER, centre))
    upload(client)
    job = ImportJob.objects.get()
    assert job.status == JobStatus.HELD
    text = page(client.get(f"/admin/imports/{job.pk}/"))
    assert 'id="held-for-places"' in text and 'id="accept-places"' not in text
    # Wagtail answers a refused admin request by sending the user back to the dashboard.
    refused = client.post(f"/admin/imports/{job.pk}/places/accept/", {"accept": "1"})
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    assert not ImportJob.objects.get().create_places
    assert client.post(f"/admin/imports/{job.pk}/recheck/").status_code == 302
    assert ImportJob.objects.get().status == JobStatus.HELD


def test_only_administrators_edit_value_spellings(client, django_user_model):
    centre = TrainingCentreFactory()
    log_in_verified(client, user_with(django_user_model, "manager", CENTRE_MANAGER, centre))
    refused = client.get("/admin/imports/spellings/")
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    client.logout()
    log_in_verified(client, user_with(django_user_model, "admin", ADMINISTRATOR))
    assert client.get("/admin/imports/spellings/").status_code == 200
    response = client.post(
        "/admin/imports/spellings/new/", {"choice": "rank", "written": "ض.ص.", "value": "chief_sergeant"}
    )
    assert response.status_code == 302, page(response)[:2000]
    assert ValueSynonym.objects.get().written_key == "ض ص"


def test_administrators_see_what_managers_files_wait_for(client, django_user_model):
    centre = TrainingCentreFactory(governorate=governorate("BG"))
    log_in_verified(client, user_with(django_user_model, "manager", CENTRE_MANAGER, centre))
    upload(client)
    assert ImportJob.objects.get().status == JobStatus.HELD
    assert 'id="held-jobs"' not in page(client.get("/admin/imports/"))  # not for managers
    client.logout()
    log_in_verified(client, user_with(django_user_model, "admin", ADMINISTRATOR))
    text = page(client.get("/admin/imports/"))
    assert 'id="held-jobs"' in text and "مديرية شرطة الشعلة" in text and "roster.csv" in text
