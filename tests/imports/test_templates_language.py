"""Templates and messages in the user's language: the Arabic template (right to left, Arabic help,
drop-down lists), one term for the service number, and the command speaking the shell's language."""

import io
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from imports.columns import PEOPLE, header_map
from imports.management.commands.import_records import shell_language
from imports.services import records_import
from imports.workbooks import template_workbook
from lms.models import Person
from tests.imports.helpers import csv_bytes, dataset, write

pytestmark = pytest.mark.django_db


def validations(sheet) -> dict[str, str]:
    """Column letter → the list formula of its drop-down."""
    found = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            found[cell_range.coord.split(":")[0].rstrip("0123456789")] = validation.formula1
    return found


def list_values(workbook, formula: str) -> list[str]:
    sheet_name, cells = formula.lstrip("=").split("!")
    first, last = cells.replace("$", "").split(":")
    return [cell.value for (cell,) in workbook[sheet_name][f"{first}:{last}"]]


def test_the_arabic_template_is_right_to_left_with_arabic_help_and_drop_down_lists():
    workbook = load_workbook(io.BytesIO(template_workbook("people", arabic=True)))
    data, help_sheet = workbook["people"], workbook["تعليمات"]
    assert data.sheet_view.rightToLeft and help_sheet.sheet_view.rightToLeft
    assert [c.value for c in data[1]] == [c.arabic for c in PEOPLE]
    assert data["A1"].value == "الرقم الوظيفي"
    assert [c.value for c in help_sheet[1]] == ["العمود", "العنوان باللغة الأخرى", "مطلوب", "ما يُكتب"]
    first = [c.value for c in help_sheet[2]]
    assert first[:3] == ["الرقم الوظيفي", "service_number", "نعم"]
    assert first[3].startswith("الرقم الوظيفي في وزارة الداخلية")
    assert workbook["lists"].sheet_state == "hidden"
    lists = validations(data)
    letters = {c.name: "ABCDEFGH"[i] for i, c in enumerate(PEOPLE)}
    assert set(lists) == {letters["gender"], letters["rank"], letters["governorate"]}
    assert "رائد" in list_values(workbook, lists[letters["rank"]])
    assert set(list_values(workbook, lists[letters["gender"]])) == {"ذكر", "أنثى"}
    assert "بغداد" in list_values(workbook, lists[letters["governorate"]])
    assert len(list_values(workbook, lists[letters["governorate"]])) == 18


def test_the_english_template_is_left_to_right_with_english_help():
    workbook = load_workbook(io.BytesIO(template_workbook("sessions", arabic=False)))
    data, help_sheet = workbook["sessions"], workbook["help"]
    assert not data.sheet_view.rightToLeft
    assert help_sheet["D2"].value == "The session's reference; its identity."
    kind_list = list_values(workbook, validations(data)["C"])
    assert kind_list == ["Training of trainers (ToT)", "Cascade", "Direct"]


def test_a_filled_arabic_template_imports_with_the_listed_labels(tmp_path):
    workbook = load_workbook(io.BytesIO(template_workbook("people", arabic=True)))
    data = workbook["people"]
    data.append(["١٢٣٤٥", "سارة محمود", "", "أنثى", "نقيب", None, None, "بغداد"])
    path = tmp_path / "filled.xlsx"
    workbook.save(path)
    from imports import files

    outcome = records_import(kind="people", dataset=files.read_dataset(path, fmt="xlsx", name="x.xlsx"), dry_run=False)
    assert outcome.stored, outcome.rows
    assert Person.objects.get(service_number="12345").rank == "captain"


def test_the_former_arabic_header_of_the_service_number_is_still_read():
    assert header_map("people")["رقم الخدمه"] == "service_number"
    headers = ["رقم الخدمة", *(c.arabic for c in PEOPLE[1:])]
    outcome = records_import(
        kind="people", dataset=dataset(headers, [["55", "علي", "", "ذكر", "", "", "", "بغداد"]]), dry_run=False
    )
    assert outcome.stored, outcome.file_errors


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"LANG": "ar_IQ.UTF-8"}, "ar"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LC_ALL": "ar_IQ.UTF-8", "LANG": "en_US.UTF-8"}, "ar"),
        ({}, "en"),
    ],
)
def test_the_shell_language_is_read_from_the_locale(environ, language):
    assert shell_language(environ) == language


def roster(tmp_path):
    rows = [
        ["1", "علي حسن", "", "ذكر", "رائد شرطة", "", "", "بغداد"],
        ["2", "زينب", "", "أنثى", "جنرال", "", "", "بغداد"],
    ]
    return write(tmp_path / "roster.csv", csv_bytes([c.name for c in PEOPLE], rows))


def test_the_command_speaks_the_shells_language(tmp_path, monkeypatch):
    path = roster(tmp_path)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="Invalid rows: nothing was stored."):
        call_command("import_records", "people", str(path), "--dry-run", stdout=out, stderr=err)
    assert "people: 2 rows — new 1" in out.getvalue()
    assert "row 3 [rank]:" in err.getvalue() and "Major" in err.getvalue()

    monkeypatch.setenv("LANG", "ar_IQ.UTF-8")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="صفوف غير صالحة"):
        call_command("import_records", "people", str(path), "--dry-run", stdout=out, stderr=err)
    assert "الصف 3 [rank]:" in err.getvalue() and "رائد" in err.getvalue()

    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="Invalid rows"):
        call_command("import_records", "people", str(path), "--language", "en", stdout=out, stderr=err)
    assert not Person.objects.exists()
