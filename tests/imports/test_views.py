"""The admin flow: who may import, upload → dry run → confirm → job → report, and hostile files."""

import html
import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from imports import files
from imports.columns import PEOPLE, SESSIONS
from imports.models import ImportJob, JobStatus
from imports.resources import OTHER_CENTRE
from imports.services import import_files_cleanup
from imports.tasks import run_import_job
from lms.models import Person, StaffScope
from lms.roles import ADMINISTRATOR, CENTRE_MANAGER
from tests.conftest import log_in_verified
from tests.factories import TrainingCentreFactory
from tests.imports.helpers import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PEOPLE_HEADERS = [c.name for c in PEOPLE]


def said(template) -> str:
    """The longest fixed part of a message as the admin says it (in Arabic, the default language)."""
    with translation.override("ar"):
        return max(re.split(r"\{\w+\}", str(template)), key=len).strip()


def page(response) -> str:
    return html.unescape(response.content.decode())


def user_with(django_user_model, username, role, centre=None):
    user = django_user_model.objects.create_user(username=username, password=None)
    user.groups.add(Group.objects.get(name=role))
    if centre is not None:
        StaffScope.objects.create(user=user, training_centre=centre)
    return user


@pytest.fixture
def centre():
    return TrainingCentreFactory()


@pytest.fixture
def manager(client, django_user_model, centre):
    return log_in_verified(client, user_with(django_user_model, "manager", CENTRE_MANAGER, centre))


def roster_file(rows, name="roster.csv", content_type="text/csv"):
    return SimpleUploadedFile(name, csv_bytes(PEOPLE_HEADERS, rows), content_type=content_type)


ROWS = [
    ["8000001", "حسن علي", "", "M", "sergeant", "", "", "Baghdad"],
    ["8000002", "زينب حسين", "Zainab Hussein", "F", "lieutenant", "", "", "بغداد"],
]


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/admin/imports/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_trainer_cannot_import(client, django_user_model):
    from lms.roles import TRAINER

    user = user_with(django_user_model, "trainer", TRAINER)
    user.user_permissions.add(*Group.objects.get(name=CENTRE_MANAGER).permissions.all())  # admin access, no role
    log_in_verified(client, user)
    # Wagtail answers a refused admin page by sending the user back to the dashboard.
    response = client.get("/admin/imports/")
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert client.get("/admin/imports/templates/people.csv").status_code == 302


def test_a_manager_uploads_reads_the_dry_run_confirms_and_downloads_the_report(
    manager, english, django_capture_on_commit_callbacks
):
    response = manager.post("/admin/imports/", {"kind": "people", "file": roster_file(ROWS)})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and str(job.pk) in response["Location"]
    assert (job.status, job.new_count, job.error_count) == (JobStatus.CHECKED, 2, 0)
    assert job.file_path.exists() and not Person.objects.exists()

    page = manager.get(f"/admin/imports/{job.pk}/").content.decode()
    assert "data-confirm-import" in page

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        manager.post(f"/admin/imports/{job.pk}/confirm/")
    assert len(callbacks) == 1  # the job is sent once the confirmation is committed
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.new_count == 2
    assert job.stored_name == "" and not any(job.file_path or [])  # the upload is gone
    assert Person.objects.count() == 2
    report = manager.get(f"/admin/imports/{job.pk}/report/import.csv").content.decode("utf-8-sig")
    assert ",new," in report
    assert manager.get(f"/admin/imports/{job.pk}/status/").json()["percent"] == 100

    # Confirming twice does not queue it again, and running the task twice changes nothing.
    manager.post(f"/admin/imports/{job.pk}/confirm/")
    run_import_job(str(job.pk))
    assert Person.objects.count() == 2


def test_a_formula_looking_name_is_refused_and_escaped_in_the_dry_run_report(manager):
    manager.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the report's reasons in English
    formula = ["8000003", '=HYPERLINK("http://x")', "", "M", "sergeant", "", "", "Baghdad"]
    manager.post("/admin/imports/", {"kind": "people", "file": roster_file([formula])})
    job = ImportJob.objects.get()
    assert job.error_count == 1 and not Person.objects.exists()
    report = manager.get(f"/admin/imports/{job.pk}/report/dry-run.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in report and "letters, digits, spaces" in report


def test_a_job_is_read_only_by_its_owner(manager, client, django_user_model, centre):
    manager.post("/admin/imports/", {"kind": "people", "file": roster_file(ROWS)})
    job = ImportJob.objects.get()
    other = user_with(django_user_model, "other", CENTRE_MANAGER, centre)
    log_in_verified(client, other)
    for url in ("", "status/", "report/dry-run.csv"):
        assert client.get(f"/admin/imports/{job.pk}/{url}").status_code == 404
    assert client.post(f"/admin/imports/{job.pk}/confirm/").status_code == 404


def test_a_manager_cannot_import_sessions_of_another_centre_nor_targets(manager, cascade):
    trainer = cascade.qualified_trainer()
    row = [
        "X-1",
        "MPS-01",
        "cascade",
        cascade.centre.code,
        "",
        "2022-03-01",
        "2022-03-03",
        trainer.service_number,
        "",
        5,
        0,
    ]
    upload = SimpleUploadedFile("s.csv", csv_bytes([c.name for c in SESSIONS], [row]), content_type="text/csv")
    manager.post("/admin/imports/", {"kind": "sessions", "file": upload})
    job = ImportJob.objects.get()
    assert job.error_count == 1 and not job.can_confirm
    assert "training_centre" in job.dry_run_report and said(OTHER_CENTRE) in job.dry_run_report
    page = manager.get(f"/admin/imports/{job.pk}/").content.decode()
    assert "data-confirm-import" not in page

    response = manager.post("/admin/imports/", {"kind": "targets", "file": roster_file(ROWS)})
    assert response.status_code == 200 and ImportJob.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "content_type", "reason"),
    [
        ("roster.exe", b"MZ", "application/octet-stream", files.EXTENSION_NOT_ACCEPTED),
        ("roster.csv", b"service_number\n1\n", "image/png", files.CONTENT_TYPE_MISMATCH),
        ("roster.csv", b"PK\x03\x04zipped", "text/csv", files.NOT_A_CSV),
        ("roster.xlsx", b"service_number,name\n", XLSX_TYPE, files.NOT_AN_XLSX),
    ],
)
def test_hostile_files_are_refused_before_parsing(manager, name, content, content_type, reason):
    response = manager.post(
        "/admin/imports/", {"kind": "people", "file": SimpleUploadedFile(name, content, content_type=content_type)}
    )
    assert response.status_code == 200 and said(reason) in page(response)
    assert not ImportJob.objects.exists()


def test_a_file_over_the_size_limit_is_refused(manager, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    response = manager.post("/admin/imports/", {"kind": "people", "file": roster_file(ROWS * 10)})
    assert said(files.FILE_TOO_LARGE) in page(response)


def test_a_workbook_that_expands_too_far_is_refused_from_its_zip_directory(manager, settings):
    settings.IMPORT_MAX_XLSX_UNCOMPRESSED_BYTES = 50_000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "0" * 1_000_000)  # compresses to about 1 KB
    upload = SimpleUploadedFile("bomb.xlsx", buffer.getvalue(), content_type=XLSX_TYPE)
    response = manager.post("/admin/imports/", {"kind": "people", "file": upload})
    assert said(files.XLSX_TOO_LARGE_UNCOMPRESSED) in page(response)
    assert not ImportJob.objects.exists()
    assert not settings.IMPORTS_DIR.exists() or not any(settings.IMPORTS_DIR.iterdir())  # refused before storing


def test_an_xlsx_roster_with_arabic_headers_is_read(manager):
    content = xlsx_bytes([c.arabic for c in PEOPLE], [ROWS[1]])
    manager.post("/admin/imports/", {"kind": "people", "file": SimpleUploadedFile("r.xlsx", content, XLSX_TYPE)})
    assert ImportJob.objects.get().new_count == 1


def test_abandoned_uploads_are_deleted_after_a_day(manager, settings):
    manager.post("/admin/imports/", {"kind": "people", "file": roster_file(ROWS)})
    job = ImportJob.objects.get()
    stray = settings.IMPORTS_DIR / "stray.csv"
    stray.write_text("x")
    assert import_files_cleanup() == 0 and job.file_path.exists()

    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=25))
    path = job.file_path
    later = timezone.now() + timedelta(hours=25)
    assert import_files_cleanup(now=later) == 2
    job.refresh_from_db()
    assert job.status == JobStatus.ABANDONED and not path.exists() and not stray.exists()


def test_templates_download_with_english_or_arabic_headers(manager):
    response = manager.get("/admin/imports/templates/people.csv?headers=ar")
    assert response.content.decode("utf-8-sig").splitlines()[0] == ",".join(c.arabic for c in PEOPLE)
    response = manager.get("/admin/imports/templates/people.xlsx")
    assert response.content.startswith(b"PK")
    assert manager.get("/admin/imports/templates/targets.csv").status_code == 404  # not a manager's kind


def test_an_administrator_sees_possible_duplicates(client, django_user_model):
    admin = user_with(django_user_model, "admin", ADMINISTRATOR)
    log_in_verified(client, admin)
    assert client.get("/admin/imports/duplicates/").status_code == 200


def test_a_manager_cannot_merge_people(manager):
    assert manager.get("/admin/imports/duplicates/").status_code == 302
    assert manager.post("/admin/imports/duplicates/merge/", {"survivor": 1, "duplicate": 2}).status_code == 302
