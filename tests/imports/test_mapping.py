"""Files whose headers are not the template's: the column-mapping step (remembered per training
centre, editable) and the choice of a workbook's sheet."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook

from imports import sheets
from imports.columns import PEOPLE
from imports.layout import FIELD_TWICE, REQUIRED_NOT_CHOSEN
from imports.models import ColumnMapping, ImportJob, JobStatus
from imports.services import dry_run_rows, import_files_cleanup
from lms.models import Person
from lms.roles import CENTRE_MANAGER
from tests.conftest import log_in_verified
from tests.factories import TrainingCentreFactory
from tests.imports.helpers import csv_bytes
from tests.imports.test_views import (
    XLSX_TYPE,
    centre,  # noqa: F401
    manager,  # noqa: F401  (the signed-in centre manager)
    page,
    said,
    user_with,
)

pytestmark = pytest.mark.django_db

# A roster as a centre's office keeps it: a serial column, its own names for the service number,
# the name, the gender and the governorate, and a notes column.
OWN_HEADERS = ["ت", "رقم المنتسب", "الاسم الثلاثي واللقب", "ذكر/انثى", "الرتبة", "محافظة السكن", "ملاحظات"]
OWN_ROWS = [
    ["1", "٨٢٠٠٠٠١", "علي حسن كاظم", "ذكر", "رائد شرطة", "بغداد", ""],
    ["2", "8200002", "زينب حسين علي", "أنثى", "Police Captain", "Baghdad", "منقولة"],
    ["3", "8200003", "حيدر عباس", "X", "", "بغداد", ""],
]
# What the office's columns hold ("" = ignore the column).
MAPPING = ["", "service_number", "name_ar", "gender", "rank", "governorate", ""]


def upload(client, content, name="kashf.csv", content_type="text/csv"):
    file = SimpleUploadedFile(name, content, content_type=content_type)
    client.post("/admin/imports/", {"kind": "people", "file": file})
    return ImportJob.objects.latest("created_at")


def choose(fields):
    return {f"column-{index}": field for index, field in enumerate(fields)}


def test_a_managers_own_headers_are_mapped_then_the_dry_run_names_the_files_column(manager, centre):  # noqa: F811
    job = upload(manager, csv_bytes(OWN_HEADERS, OWN_ROWS))
    assert job.status == JobStatus.COLUMNS and job.total_rows == 0  # nothing dry-run yet
    columns_url = f"/admin/imports/{job.pk}/columns/"
    response = manager.get(f"/admin/imports/{job.pk}/")
    assert response.status_code == 302 and response["Location"] == columns_url

    form = page(manager.get(columns_url))
    assert "رقم المنتسب" in form and "٨٢٠٠٠٠١" in form  # the file's headers with their first values
    assert '<option value="rank" selected>' in form  # a template header is proposed as such

    # Two columns for the name and none for the service number: both named, nothing remembered.
    wrong = ["", "", "name_ar", "gender", "rank", "governorate", "name_ar"]
    answer = page(manager.post(columns_url, choose(wrong)))
    assert said(REQUIRED_NOT_CHOSEN) in answer and said(FIELD_TWICE) in answer and "ملاحظات" in answer
    assert not ColumnMapping.objects.exists()

    response = manager.post(columns_url, choose(MAPPING))
    assert response.status_code == 302 and response["Location"] == f"/admin/imports/{job.pk}/"
    job.refresh_from_db()
    assert (job.status, job.new_count, job.error_count) == (JobStatus.CHECKED, 2, 1)
    bad = [row for row in dry_run_rows(job) if row["status"] == "error"]
    # Row, the file's own header and the reason in the user's language (Arabic labels).
    assert [(row["line"], row["column"]) for row in bad] == [("4", "ذكر/انثى")]
    assert "أنثى" in bad[0]["reason"] and "female" not in bad[0]["reason"]
    assert bad[0]["values"]["service_number"] == "8200003"  # the page names the row's person
    remembered = ColumnMapping.objects.get()
    assert (remembered.training_centre, remembered.fields) == (centre, MAPPING)


def test_the_next_file_with_the_same_headers_from_the_centre_maps_itself(
    manager,  # noqa: F811
    django_user_model,
    django_capture_on_commit_callbacks,
):
    first = upload(manager, csv_bytes(OWN_HEADERS, OWN_ROWS[:2]))
    manager.post(f"/admin/imports/{first.pk}/columns/", choose(MAPPING))

    job = upload(manager, csv_bytes(OWN_HEADERS, [["1", "8200009", "سجاد كريم", "ذكر", "", "بغداد", ""]]))
    assert job.status == JobStatus.CHECKED and job.columns["remembered"] and job.can_confirm
    shown = page(manager.get(f"/admin/imports/{job.pk}/"))
    assert 'id="columns-used"' in shown and f"/admin/imports/{job.pk}/columns/" in shown
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(f"/admin/imports/{job.pk}/confirm/")
    assert Person.objects.get(service_number="8200009").name_ar == "سجاد كريم"

    # Another centre's manager has not matched these headers: their file asks.
    other_client = log_in_verified(
        Client(), user_with(django_user_model, "other", CENTRE_MANAGER, TrainingCentreFactory())
    )
    assert upload(other_client, csv_bytes(OWN_HEADERS, OWN_ROWS[:1])).status == JobStatus.COLUMNS


def test_a_remembered_mapping_can_be_changed(manager):  # noqa: F811
    first = upload(manager, csv_bytes(OWN_HEADERS, OWN_ROWS[:2]))
    manager.post(f"/admin/imports/{first.pk}/columns/", choose(MAPPING))
    job = upload(manager, csv_bytes(OWN_HEADERS, OWN_ROWS[:2]))
    form = page(manager.get(f"/admin/imports/{job.pk}/columns/"))
    assert '<option value="service_number" selected>' in form  # the remembered choices, to edit

    changed = [*MAPPING[:-1], "name_latin"]  # the notes column now read as the Latin name
    manager.post(f"/admin/imports/{job.pk}/columns/", choose(changed))
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED and job.columns["fields"] == changed
    assert ColumnMapping.objects.get().fields == changed


def workbook_bytes(named_sheets) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in named_sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.create_sheet("Sheet3")  # an empty sheet, as Excel leaves them, is never offered
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


TEMPLATE = [c.arabic for c in PEOPLE]


def test_with_two_matching_sheets_the_user_picks_one(manager):  # noqa: F811
    content = workbook_bytes(
        [
            ("الوجبة الأولى", [TEMPLATE, ["8300001", "علي كاظم", "", "ذكر", "", "", "", "بغداد"]]),
            (
                "الوجبة الثانية",
                [TEMPLATE, *[[f"830001{i}", "حسن علي", "", "ذكر", "", "", "", "بغداد"] for i in range(2)]],
            ),
        ]
    )
    job = upload(manager, content, name="two.xlsx", content_type=XLSX_TYPE)
    assert job.status == JobStatus.SHEET and job.layout["sheets"] == ["الوجبة الأولى", "الوجبة الثانية"]
    shown = page(manager.get(f"/admin/imports/{job.pk}/"))
    assert 'id="choose-sheet"' in shown and 'value="الوجبة الثانية"' in shown and "Sheet3" not in shown

    manager.post(f"/admin/imports/{job.pk}/sheet/", {"sheet": "الوجبة الثانية"})
    job.refresh_from_db()
    assert (job.status, job.sheet, job.new_count) == (JobStatus.CHECKED, "الوجبة الثانية", 2)
    manager.post(f"/admin/imports/{job.pk}/sheet/", {"sheet": "الوجبة الأولى"})  # changed again
    job.refresh_from_db()
    assert (job.sheet, job.new_count) == ("الوجبة الأولى", 1)


def test_with_no_matching_sheet_the_user_picks_one_then_maps_its_columns(manager):  # noqa: F811
    content = workbook_bytes([("ملاحظات", [["يرجى ملء الكشف"]]), ("الكشف", [OWN_HEADERS, *OWN_ROWS[:2]])])
    job = upload(manager, content, name="own.xlsx", content_type=XLSX_TYPE)
    assert job.status == JobStatus.SHEET
    manager.post(f"/admin/imports/{job.pk}/sheet/", {"sheet": "الكشف"})
    job.refresh_from_db()
    assert job.status == JobStatus.COLUMNS and job.layout["headers"] == OWN_HEADERS
    manager.post(f"/admin/imports/{job.pk}/columns/", choose(MAPPING))
    job.refresh_from_db()
    assert (job.status, job.new_count, job.error_count) == (JobStatus.CHECKED, 2, 0)


def test_the_one_sheet_whose_headers_match_is_taken():
    template = [c.name for c in PEOPLE]
    located = sheets.locate(
        [
            ("notes", [["please fill in the roster"], ["governorate", "people"]]),
            ("blank", [[None, None]]),
            ("roster", [["Roster of Baghdad"], template, ["1", "Ali", "", "M", "", "", "", "BG"]]),
        ],
        "people",
    )
    assert located.step == "" and located.table.sheet == "roster" and located.table.lines == [3]
    assert located.sheets == ["notes", "roster"]


def test_a_file_left_waiting_for_its_columns_is_abandoned_and_deleted_in_time(manager):  # noqa: F811
    job = upload(manager, csv_bytes(OWN_HEADERS, OWN_ROWS))
    path = job.file_path
    assert job.status == JobStatus.COLUMNS and path.exists()
    assert import_files_cleanup() == 0  # waiting, not abandoned yet
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=25))
    assert import_files_cleanup() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.ABANDONED and not path.exists()
