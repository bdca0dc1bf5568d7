"""``import_records --sheet NAME`` reads that sheet even when its header names no column of the
kind: the error then names what that sheet lacks, and the records of another sheet are never read."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from lms.models import PoliceUnit

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_records", *map(str, args), "--language", "en", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def workbook(path):
    """A first sheet of units in the template's headers, then a sheet of notes."""
    book = Workbook()
    units = book.active
    units.title = "Units"
    units.append(["المحافظة", "الاسم بالعربية", "الاسم بالإنجليزية"])
    units.append(["نينوى", "مديرية شرطة الموصل", "Mosul Police Directorate"])
    notes = book.create_sheet("Notes")
    notes.append(["Remark", "Written by"])
    notes.append(["checked twice", "planning office"])
    book.create_sheet("Blank")
    book.save(path)
    return path


def test_a_named_sheet_whose_header_matches_nothing_is_read_and_its_missing_columns_named(tmp_path):
    path = workbook(tmp_path / "book.xlsx")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="Invalid rows"):
        call_command(
            "import_records", "units", str(path), "--sheet", "Notes", "--language", "en", stdout=out, stderr=err
        )
    assert "units: 0 rows" in out.getvalue() and "no column" in err.getvalue()  # not the Units sheet's row
    assert "Remark" in err.getvalue()  # the Notes sheet's own columns, named as unread
    assert not PoliceUnit.objects.exists()


def test_a_named_blank_sheet_is_refused_by_name(tmp_path):
    path = workbook(tmp_path / "book.xlsx")
    with pytest.raises(CommandError, match="“Blank” is empty"):
        run("units", path, "--sheet", "Blank")
