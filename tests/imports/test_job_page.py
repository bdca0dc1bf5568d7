"""The dry-run page says why a file was refused and names each row's person; the import list
prints dates in the site's one format."""

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from config.formats import date_text
from imports.columns import PARTICIPATIONS, PEOPLE
from imports.layout import REQUIRED_NOT_CHOSEN
from imports.models import ImportJob
from tests.imports.helpers import csv_bytes
from tests.imports.test_views import (
    centre,  # noqa: F401
    manager,  # noqa: F401  (the signed-in centre manager)
)

pytestmark = pytest.mark.django_db

PEOPLE_ROWS = [
    ["8100001", "علي حسن كاظم", "Ali Hassan Kadhim", "M", "sergeant", "", "", "Baghdad"],
    ["8100002", "زينب حسين", "Zainab Hussein", "X", "lieutenant", "", "", "بغداد"],  # gender X: an error
]


def text_of(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def upload(client, kind, headers, rows):
    client.post("/admin/imports/", {"kind": kind, "file": SimpleUploadedFile("f.csv", csv_bytes(headers, rows))})
    return ImportJob.objects.latest("created_at")


def test_a_file_of_another_kind_asks_for_its_columns_naming_the_missing_fields(manager):  # noqa: F811
    # A participation file uploaded as a people roster: its columns are to be matched, and matching
    # them as they are names the people fields no column holds.
    job = upload(manager, "people", [c.name for c in PARTICIPATIONS], [["REF-1", "8100001", "3", "", "", ""]])
    assert job.status == "columns" and job.error_count == 0
    page = manager.get(f"/admin/imports/{job.pk}/columns/")
    assert 'id="columns-form"' in page.content.decode()
    fields = {f"column-{i}": "service_number" if i == 1 else "" for i in range(6)}
    shown = text_of(manager.post(f"/admin/imports/{job.pk}/columns/", fields))
    with translation.override("ar"):
        fixed = max(str(REQUIRED_NOT_CHOSEN).split("{fields}"), key=len).strip()
    assert fixed in shown
    assert "name_ar" in shown and "الاسم الكامل" in shown  # the missing field is named


def test_dry_run_rows_name_the_person_with_the_row_number(manager):  # noqa: F811
    job = upload(manager, "people", [c.name for c in PEOPLE], PEOPLE_ROWS)
    page = manager.get(f"/admin/imports/{job.pk}/").content.decode()
    problems = html.unescape(page.split('id="problem-rows"')[1].split("</table>")[0])
    others = html.unescape(page.split('id="dry-run-rows"')[1].split("</table>")[0])
    # Row 3 (the header is row 1) is Zainab's, with the wrong gender; row 2 is Ali's, new.
    assert re.search(r"<td>3</td><td><bdi>زينب حسين · 8100002</bdi></td>", problems)
    assert re.search(r"<td>2</td><td><bdi>علي حسن كاظم · 8100001</bdi></td>", others)


def test_the_import_list_prints_dates_in_the_site_format(manager):  # noqa: F811
    job = upload(manager, "people", [c.name for c in PEOPLE], PEOPLE_ROWS[:1])
    listing = text_of(manager.get("/admin/imports/"))
    with translation.override("ar"):
        day = date_text(job.created_at)
    assert day in listing  # "7 كانون الأول 2026"
    assert timezone.localtime(job.created_at).strftime("%m/%d/%Y") not in listing
