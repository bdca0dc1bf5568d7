"""Reading uploaded spreadsheets without trusting them.

A file is refused, with a message naming the limit, when it is larger than
``IMPORT_MAX_UPLOAD_BYTES``; when its extension, the content type the browser declared and its
first bytes disagree (an XLSX is a ZIP archive holding ``xl/workbook.xml``; a CSV is text with no
NUL byte); or, for an XLSX, when the sizes in its ZIP directory add up to more than
``IMPORT_MAX_XLSX_UNCOMPRESSED_BYTES`` — checked before any cell is parsed. Python's ``zipfile``
never inflates a member past its declared size, so the directory is a real bound.

Parsing is bounded whatever the file claims: an XLSX's ``<dimension>`` (which would make openpyxl
pad every row to the claimed width) is ignored and only the first ``IMPORT_MAX_COLUMNS`` columns
are read; a CSV is decoded and parsed as a stream, line by line, with a limit on the length of a
line and of a cell; a run of ``IMPORT_MAX_BLANK_ROWS`` empty rows, more than ``IMPORT_MAX_ROWS``
rows, a cell over ``IMPORT_MAX_CELL_CHARS`` characters or a damaged (truncated) workbook each stop
the reading with a message naming the line. Before openpyxl parses an XLSX, its XML parts are
scanned as a stream for text runs longer than a cell may be and for nesting deeper than a
workbook needs, so no part is ever held whole in memory.

Cells are read as text: a formula in an XLSX (``=SUM(A1:A9)``) is read as the formula's text and
never evaluated (openpyxl with ``data_only=False``); dates typed as dates arrive as ``date``.
``escape_formula`` neutralises text that a spreadsheet would run as a formula, for every file
this app writes back (reports, templates).
"""

import codecs
import csv
import io
import zipfile
import zlib
from datetime import date, datetime
from pathlib import Path

import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from lms.input_policy import escape_formula

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
TOO_MANY_COLUMNS = _("The file “{name}” has more than {limit} columns; the import templates have far fewer.")
TOO_MANY_ROWS = _("The file “{name}” has more than {limit} rows; split it into smaller files.")
TOO_MANY_BLANK_ROWS = _(
    "The file “{name}” has more than {limit} empty rows in a row from line {line}; delete them and upload it again."
)
CELL_TOO_LONG = _("Line {line} of “{name}” holds a cell longer than {limit} characters.")
XLSX_CELL_TOO_LONG = _("The workbook “{name}” holds a cell longer than {limit} characters.")
LINE_TOO_LONG = _("Line {line} of “{name}” is longer than {limit} characters.")
CSV_DAMAGED = _("Line {line} of “{name}” cannot be read as CSV ({error}).")
XLSX_DAMAGED = _("The workbook “{name}” is damaged or incomplete (it may have been cut off while copying).")
XLSX_TOO_DEEP = _("The workbook “{name}” holds XML nested deeper than a spreadsheet needs; it is refused.")


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_columns() -> int:
    return _limit("IMPORT_MAX_COLUMNS", 60)


def max_rows() -> int:
    return _limit("IMPORT_MAX_ROWS", 100_000)


def max_blank_rows() -> int:
    return _limit("IMPORT_MAX_BLANK_ROWS", 1_000)


def max_cell_chars() -> int:
    return _limit("IMPORT_MAX_CELL_CHARS", 4_000)


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
    """The file's first sheet as a Dataset: first row = headers, every other non-empty row = data.

    Bounded work: at most ``max_columns()`` columns, ``max_rows()`` rows and ``max_cell_chars()``
    characters a cell, and a run of ``max_blank_rows()`` empty rows stops the reading.
    """
    rows = _read_xlsx_rows(path, name=name) if fmt == XLSX else _read_csv_rows(path, name=name)
    rows = iter(rows)
    header = next(rows, None)
    if (
        header is not None
        and len(header) > max_columns()
        and any(cell not in (None, "") for cell in header[max_columns() :])
    ):
        raise ValidationError(TOO_MANY_COLUMNS.format(name=name, limit=max_columns()), code="columns")
    header = list(header or [])[: max_columns()]
    while header and header[-1] in (None, ""):
        header.pop()  # empty trailing header cells are not columns
    if not header or not any(cell for cell in header):
        raise ValidationError(FILE_EMPTY.format(name=name), code="empty")
    headers = [str(cell).strip() if cell is not None else "" for cell in header]
    width, cell_limit, row_limit, blank_limit = len(headers), max_cell_chars(), max_rows(), max_blank_rows()
    dataset = tablib.Dataset(headers=headers)
    blank_run = 0
    for line, raw in enumerate(rows, start=2):
        cells = [_cell_text(value) for value in list(raw)[:width]]
        if not any(cell is not None for cell in cells):
            blank_run += 1  # trailing blank lines of a spreadsheet are not rows
            if blank_run > blank_limit:
                raise ValidationError(
                    TOO_MANY_BLANK_ROWS.format(name=name, limit=blank_limit, line=line - blank_limit), code="blank_rows"
                )
            continue
        blank_run = 0
        if any(isinstance(cell, str) and len(cell) > cell_limit for cell in cells):
            raise ValidationError(CELL_TOO_LONG.format(name=name, line=line, limit=cell_limit), code="cell_size")
        if len(dataset) >= row_limit:
            raise ValidationError(TOO_MANY_ROWS.format(name=name, limit=row_limit), code="rows")
        cells.extend([None] * (width - len(cells)))
        dataset.append(cells)
    return dataset


# Sheets of a workbook searched for the table of a kind (``read_table``).
MAX_SHEETS = 20


def read_table(path: Path, *, fmt: str, name: str, kind: str) -> tablib.Dataset:
    """The table of ``kind`` in the file as an office made it (``imports.sheets.find_table``):
    the sheet whose headers match, the header row below any title rows (a two-row header with
    merged cells combined), without blank rows, repeated headers and totals rows. The dataset's
    ``source_lines`` attribute holds each row's line in its sheet and ``source_sheet`` the sheet's
    name.

    The same bounds as ``read_dataset``: at most ``max_columns()`` columns, ``max_rows()`` rows in
    all, ``max_cell_chars()`` characters a cell, ``max_blank_rows()`` empty rows in a row, and at
    most ``MAX_SHEETS`` sheets. A file where no row names a column of the kind is read as
    ``read_dataset`` reads it (its first row as the header), so the missing columns are named.
    """
    from imports.sheets import find_table

    table = find_table(read_sheets(path, fmt=fmt, name=name), kind)
    if table is None:
        return read_dataset(path, fmt=fmt, name=name)
    return table_dataset(table)


def read_sheets(path: Path, *, fmt: str, name: str) -> list[tuple[str, list[list]]]:
    """(name, rows) of each sheet (a CSV is one sheet without a name), read within the bounds of
    ``read_table``."""
    budget = [max_rows()]
    if fmt == XLSX:
        return _xlsx_sheets(path, name=name, budget=budget)
    return [("", _bounded_rows(_read_csv_rows(path, name=name), name=name, budget=budget))]


def table_dataset(table, fields: list[str] | None = None) -> tablib.Dataset:
    """A table found in a sheet (``imports.sheets.Table``) as a Dataset, with its rows' lines
    (``source_lines``), its sheet (``source_sheet``) and, when a column mapping applies, the field
    of each column (``column_fields``)."""
    headers = list(table.headers)
    while headers and not headers[-1]:
        headers.pop()  # empty trailing header cells are not columns
    if fields is not None:
        width = max(len(headers), max((i + 1 for i, f in enumerate(fields) if f), default=0))
        headers.extend([""] * (width - len(headers)))
    width = len(headers)
    dataset = tablib.Dataset(headers=headers)
    for raw in table.rows:
        cells = [_cell_text(value) for value in raw[:width]]
        cells.extend([None] * (width - len(cells)))
        dataset.append(cells)
    dataset.source_lines = table.lines
    dataset.source_sheet = table.sheet
    if fields is not None:
        dataset.column_fields = list(fields[:width]) + [""] * (width - len(fields))
    return dataset


def _bounded_rows(rows, *, name: str, budget: list[int]) -> list[list]:
    """A sheet's rows as lists (blank ones kept, so a row's index is its line less one), within the
    column, cell, blank-run and (shared, in ``budget``) row limits."""
    columns, cell_limit, blank_limit = max_columns(), max_cell_chars(), max_blank_rows()
    kept, blank_run = [], 0
    for line, raw in enumerate(rows, start=1):
        cells = list(raw)
        if len(cells) > columns and any(cell not in (None, "") for cell in cells[columns:]):
            raise ValidationError(TOO_MANY_COLUMNS.format(name=name, limit=columns), code="columns")
        cells = cells[:columns]
        if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
            blank_run += 1
            if blank_run > blank_limit:
                raise ValidationError(
                    TOO_MANY_BLANK_ROWS.format(name=name, limit=blank_limit, line=line - blank_limit),
                    code="blank_rows",
                )
            kept.append([])
            continue
        blank_run = 0
        if any(isinstance(cell, str) and len(cell) > cell_limit for cell in cells):
            raise ValidationError(CELL_TOO_LONG.format(name=name, line=line, limit=cell_limit), code="cell_size")
        budget[0] -= 1
        if budget[0] < 0:
            raise ValidationError(TOO_MANY_ROWS.format(name=name, limit=max_rows()), code="rows")
        kept.append(cells)
    while kept and not kept[-1]:
        kept.pop()
    return kept


def _xlsx_sheets(path: Path, *, name: str, budget: list[int]) -> list[tuple[str, list[list]]]:
    """(title, rows) of the workbook's first ``MAX_SHEETS`` worksheets, each read within bounds."""
    from openpyxl import load_workbook

    check_xlsx_directory(path, name=name)
    check_xlsx_parts(path, name=name)
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise ValidationError(NOT_AN_XLSX.format(name=name), code="magic") from exc
    sheets = []
    try:
        for sheet in workbook.worksheets[:MAX_SHEETS]:
            sheet.reset_dimensions()  # the claimed <dimension> would pad every row to its width
            rows = sheet.iter_rows(values_only=True, max_col=max_columns() + 1)
            sheets.append((sheet.title, _bounded_rows(rows, name=name, budget=budget)))
    except ValidationError:
        raise
    except Exception as exc:  # a part cut off or damaged: zlib, XML and ZIP errors alike
        raise ValidationError(XLSX_DAMAGED.format(name=name), code="damaged") from exc
    finally:
        workbook.close()
    return sheets


# No line of a real import file comes near this (csv's own cell limit is 131,072 characters).
CSV_MAX_LINE_CHARS = 100_000
# Nesting a worksheet needs: worksheet > sheetData > row > c > is > r > t, and a little room.
XML_MAX_DEPTH = 32
_XML_PARTS = ("xl/worksheets/", "xl/sharedStrings.xml", "xl/workbook.xml", "xl/styles.xml")


# The most cells a row may hold, empty ones with a style included: far more than any template
# has columns, far fewer than Excel's 16,384 (formatting a whole row styles the row, not its cells).
XLSX_MAX_CELLS_A_ROW = 1_024
_SCAN_CHUNK = 1 << 16


def check_xlsx_parts(path: Path, *, name: str) -> None:
    """Scan the workbook's XML parts as a stream of 64 KB pieces (never whole), counting in C:
    refuse text runs longer than a cell may be, nesting deeper than a spreadsheet needs, and
    rows of more cells than Excel's last column, before openpyxl parses them."""
    run_limit = max_cell_chars() * 8 + 1024  # a cell's text, in UTF-8 and with entities
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                if not member.filename.startswith(_XML_PARTS):
                    continue
                depth, open_run, cells = 0, 0, 0
                with archive.open(member) as part:
                    while chunk := part.read(_SCAN_CHUNK):
                        longest, open_run = _runs(chunk, open_run)
                        if longest > run_limit:
                            raise ValidationError(
                                XLSX_CELL_TOO_LONG.format(name=name, limit=max_cell_chars()), code="cell_size"
                            )
                        depth = _xml_depth(chunk, depth, name=name)
                        row_start = chunk.rfind(b"<row")
                        cells = chunk.count(b"<c ", row_start) if row_start >= 0 else cells + chunk.count(b"<c ")
                        if cells > XLSX_MAX_CELLS_A_ROW:
                            raise ValidationError(
                                TOO_MANY_COLUMNS.format(name=name, limit=max_columns()), code="columns"
                            )
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise ValidationError(XLSX_DAMAGED.format(name=name), code="damaged") from exc


def _runs(chunk: bytes, open_run: int) -> tuple[int, int]:
    """(the longest stretch without ``<`` or ``>`` in ``chunk``, the stretch still open at its end),
    given the stretch left open at the end of the chunk before."""
    pieces = chunk.replace(b">", b"<").split(b"<")
    if len(pieces) == 1:
        return open_run + len(chunk), open_run + len(chunk)
    return max(open_run + len(pieces[0]), max(map(len, pieces))), len(pieces[-1])


def _xml_depth(chunk: bytes, depth: int, *, name: str) -> int:
    """The nesting depth after ``chunk``: opening tags less closing ones, counted in C."""
    closing = chunk.count(b"</")
    opening = chunk.count(b"<") - closing - chunk.count(b"<?") - chunk.count(b"<!") - chunk.count(b"/>")
    depth = max(depth + opening - closing, 0)
    if depth > XML_MAX_DEPTH:
        raise ValidationError(XLSX_TOO_DEEP.format(name=name), code="xml_depth")
    return depth


def _read_xlsx_rows(path: Path, *, name: str):
    from openpyxl import load_workbook

    check_xlsx_directory(path, name=name)
    check_xlsx_parts(path, name=name)
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise ValidationError(NOT_AN_XLSX.format(name=name), code="magic") from exc
    try:
        sheet = workbook.worksheets[0]
        # Ignore the <dimension> the file claims: openpyxl would pad every row to its width.
        sheet.reset_dimensions()
        yield from sheet.iter_rows(values_only=True, max_col=max_columns() + 1)
    except ValidationError:
        raise
    except Exception as exc:  # a part cut off or damaged: zlib, XML and ZIP errors alike
        raise ValidationError(XLSX_DAMAGED.format(name=name), code="damaged") from exc
    finally:
        workbook.close()


def _csv_encoding(path: Path, *, name: str) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as such, else Arabic Windows."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as raw:
        try:
            while chunk := raw.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8-sig"
        except UnicodeDecodeError:
            return "cp1256"


def _bounded_lines(text, *, name: str, limit: int):
    line = 0
    while True:
        physical = text.readline(limit + 1)
        if not physical:
            return
        line += 1
        if len(physical) > limit:
            raise ValidationError(LINE_TOO_LONG.format(name=name, line=line, limit=limit), code="line_size")
        yield physical


def _read_csv_rows(path: Path, *, name: str):
    encoding = _csv_encoding(path, name=name)
    line_limit = CSV_MAX_LINE_CHARS
    with path.open(encoding=encoding, newline="") as text:
        first_line = text.readline(line_limit)
        text.seek(0)
        delimiter = max((",", ";", "\t"), key=first_line.count)
        reader = csv.reader(_bounded_lines(text, name=name, limit=line_limit), delimiter=delimiter)
        try:
            yield from reader
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):  # a quoted cell running over many lines
                raise ValidationError(
                    CELL_TOO_LONG.format(name=name, line=reader.line_num, limit=max_cell_chars()), code="cell_size"
                ) from exc
            raise ValidationError(CSV_DAMAGED.format(name=name, line=reader.line_num, error=exc), code="csv") from exc


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
