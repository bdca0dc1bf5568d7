"""Reading uploaded spreadsheets without trusting them.

A file is refused, with a message naming the limit, when it is larger than
``IMPORT_MAX_UPLOAD_BYTES``; when its extension, the content type the browser declared and its
first bytes disagree (an XLSX is a ZIP archive holding ``xl/workbook.xml``; a CSV is text with no
NUL byte); or, for an XLSX, when the sizes in its ZIP directory add up to more than
``IMPORT_MAX_XLSX_UNCOMPRESSED_BYTES`` — checked before any cell is parsed. Python's ``zipfile``
never inflates a member past its declared size, so the directory is a real bound.

Cells are read as text: a formula in an XLSX (``=SUM(A1:A9)``) is read as the formula's text and
never evaluated (openpyxl with ``data_only=False``); dates typed as dates arrive as ``date``.
``escape_formula`` neutralises text that a spreadsheet would run as a formula, for every file
this app writes back (reports, templates).
"""

import csv
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)
ZIP_MAGIC = b"PK\x03\x04"
# What browsers and operating systems send for each kind of file. Excel on Windows labels CSV
# files "application/vnd.ms-excel"; a generic octet-stream says nothing and is judged by content.
CONTENT_TYPES = {
    CSV: {"text/csv", "text/plain", "application/csv", "text/comma-separated-values", "application/vnd.ms-excel"},
    XLSX: {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
}
GENERIC_CONTENT_TYPES = {"", "application/octet-stream"}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

FILE_TOO_LARGE = _("The file is {size}; the largest file accepted is {limit}.")
EXTENSION_NOT_ACCEPTED = _("Only .xlsx and .csv files are accepted, not “{name}”.")
CONTENT_TYPE_MISMATCH = _("The file “{name}” is named .{extension} but was sent as “{content_type}”.")
NOT_AN_XLSX = _("The file “{name}” is named .xlsx but is not an Excel workbook.")
NOT_A_CSV = _("The file “{name}” is named .csv but is not a text file.")
XLSX_TOO_LARGE_UNCOMPRESSED = _(
    "The workbook “{name}” would expand to {size} when opened; the largest accepted is {limit}."
)
CSV_NOT_DECODABLE = _("The file “{name}” is neither UTF-8 nor Arabic Windows (cp1256) text.")
FILE_EMPTY = _("The file “{name}” holds no header row.")


def escape_formula(value):
    """Text a spreadsheet would evaluate (leading = + - @ tab CR) gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def upload_format(name: str) -> str:
    extension = Path(name).suffix.lower().lstrip(".")
    if extension not in FORMATS:
        raise ValidationError(EXTENSION_NOT_ACCEPTED.format(name=name), code="extension")
    return extension


def check_upload(*, name: str, size: int, content_type: str, head: bytes) -> str:
    """The file's format (``csv`` or ``xlsx``) once name, declared type, size and first bytes agree."""
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if size > limit:
        raise ValidationError(
            FILE_TOO_LARGE.format(size=filesizeformat(size), limit=filesizeformat(limit)), code="size"
        )
    fmt = upload_format(name)
    content_type = (content_type or "").split(";")[0].strip().lower()
    if content_type not in GENERIC_CONTENT_TYPES and content_type not in CONTENT_TYPES[fmt]:
        raise ValidationError(
            CONTENT_TYPE_MISMATCH.format(name=name, extension=fmt, content_type=content_type), code="content_type"
        )
    if fmt == XLSX and not head.startswith(ZIP_MAGIC):
        raise ValidationError(NOT_AN_XLSX.format(name=name), code="magic")
    if fmt == CSV and (head.startswith(ZIP_MAGIC) or b"\x00" in head):
        raise ValidationError(NOT_A_CSV.format(name=name), code="magic")
    return fmt


def check_xlsx_directory(path: Path, *, name: str) -> None:
    """Refuse a workbook that is not a readable ZIP with a workbook part, or that expands too far."""
    limit = settings.IMPORT_MAX_XLSX_UNCOMPRESSED_BYTES
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValidationError(NOT_AN_XLSX.format(name=name), code="magic") from exc
    if "xl/workbook.xml" not in {m.filename for m in members}:
        raise ValidationError(NOT_AN_XLSX.format(name=name), code="magic")
    expanded = sum(m.file_size for m in members)
    if expanded > limit:
        raise ValidationError(
            XLSX_TOO_LARGE_UNCOMPRESSED.format(name=name, size=filesizeformat(expanded), limit=filesizeformat(limit)),
            code="zip_size",
        )


def _cell_text(value):
    """A cell as the importer wants it: text, a date, or None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date() if (value.hour, value.minute, value.second) == (0, 0, 0) else value
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 1234567.0 typed as a number is the service number 1234567
    text = str(value)
    return text if text.strip() else None


def read_dataset(path: Path, *, fmt: str, name: str) -> tablib.Dataset:
    """The file's first sheet as a Dataset: first row = headers, every other non-empty row = data."""
    rows = _read_xlsx_rows(path, name=name) if fmt == XLSX else _read_csv_rows(path, name=name)
    rows = iter(rows)
    header = next(rows, None)
    if not header or not any(cell for cell in header):
        raise ValidationError(FILE_EMPTY.format(name=name), code="empty")
    headers = [str(cell).strip() if cell is not None else "" for cell in header]
    width = len(headers)
    dataset = tablib.Dataset(headers=headers)
    for raw in rows:
        cells = [_cell_text(value) for value in list(raw)[:width]]
        if not any(cell is not None for cell in cells):
            continue  # trailing blank lines of a spreadsheet are not rows
        cells.extend([None] * (width - len(cells)))
        dataset.append(cells)
    return dataset


def _read_xlsx_rows(path: Path, *, name: str):
    from openpyxl import load_workbook

    check_xlsx_directory(path, name=name)
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise ValidationError(NOT_AN_XLSX.format(name=name), code="magic") from exc
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


def _read_csv_rows(path: Path, *, name: str):
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1256"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1256 decodes nearly everything; kept for clarity
        raise ValidationError(CSV_NOT_DECODABLE.format(name=name), code="encoding")
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def write_csv(headers: list[str], rows) -> str:
    """CSV text (UTF-8 with BOM so Excel reads Arabic) with formula-looking cells escaped."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([escape_formula(h) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else escape_formula(v if isinstance(v, str) else str(v)) for v in row])
    return out.getvalue()


def write_xlsx(sheets: list[tuple[str, list[str], list[list]]]) -> bytes:
    """An XLSX workbook of ``(title, headers, rows)`` sheets; text cells are stored as text."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=title)
        sheet.append([escape_formula(h) for h in headers])
        for row in rows:
            sheet.append([escape_formula(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
