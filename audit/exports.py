"""CSV and XLSX files of the audit's tables and record lists, and the one rule every export path
follows: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading apostrophe, so a spreadsheet shows it as text instead of running it as a formula (a name
typed as ``=HYPERLINK(…)`` stays a name). Numbers are written as numbers.
"""

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from django.utils.translation import get_language
from openpyxl import Workbook

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """The value to write into a spreadsheet cell: text that could start a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    if value is not None and not isinstance(value, str | int | float):
        return safe_cell(str(value))
    return value


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(str(h)) for h in headers])
    for row in rows:
        writer.writerow(["" if cell is None else safe_cell(cell) for cell in row])
    # The byte-order mark makes spreadsheet programs read the Arabic text as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    if (get_language() or "ar").startswith("ar"):
        sheet.sheet_view.rightToLeft = True
    sheet.append([safe_cell(str(h)) for h in headers])
    for row in rows:
        sheet.append([safe_cell(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def file_response(content: bytes, *, filename: str, fmt: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CSV_TYPE if fmt == "csv" else XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def spreadsheet(fmt: str, *, title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    if fmt == "csv":
        return csv_bytes(headers, rows)
    return xlsx_bytes(title, headers, rows)


def _sheet_title(title: str) -> str:
    # Excel forbids these characters in sheet names and allows 31 characters.
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title))
    return cleaned[:31] or "Sheet"
