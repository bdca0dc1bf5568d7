"""Finding the table in a workbook as offices make it.

A governorate's roster is rarely a bare table: a title or two above the header (كشف بأسماء …,
the directorate's name, a date), a header whose cells are merged (a group label such as "الاسم"
over two sub-headers on the row below, or a header cell spanning both header rows), a serial
column (ت), blank rows between pages, the header repeated at the top of each printed page, a
totals row (المجموع) and signatures at the bottom, and several sheets of which one holds the
people. ``find_table`` takes every sheet's rows (cell values as read, merged cells holding their
value in the first cell only, as openpyxl reads them) and returns the table of the given kind:

- the **sheet** whose header row names all the required columns of the kind (when one does),
  then whose name is the kind's (``SHEET_NAMES``: "الوحدات" for units, "مراكز الشرطة" for
  stations…), then whose header names the most columns of the kind. Sheets still equal on all
  three are a tie: the table is returned with the other sheets in ``Table.tied`` (the command line
  then refuses and asks for ``--sheet``; the admin asks which sheet, see ``locate``). ``sheet``
  reads that sheet only;
- the **header row**: among a sheet's first ``HEADER_SCAN_ROWS`` rows, the one whose cells name
  the most columns of the kind; the rows above it are titles. When the row above or below names
  further columns (a two-row header: group labels and headers merged down over both rows on the
  upper one, sub-headers on the lower), the two are combined column by column: a sub-header that
  names a column wins, otherwise the cell above (a group label merged across columns is carried
  right);
- the **rows**: every later row except blank ones and repeats of the header (a row naming at
  least half the header's columns), up to a totals row (its first filled cell says المجموع /
  الإجمالي / Total …, or it holds only numbers and no identity): the totals row and what follows
  it (signatures, notes) are the sheet's footer. Each row keeps its line number in the sheet, so a
  report names the line the user sees.

When no sheet's header names every required column, or several do, the admin flow asks
(``locate``): which sheet, or which field each of the file's columns holds (a **column mapping**:
the sheet's headers, in order, and per header a field name or "" for a column to ignore). A
mapping's headers count as spellings of their fields when the header row is looked for, so title
rows, merged headers and totals rows are found the same way; it applies to a table whose headers
are the mapping's own, position by position.

The kinds' columns and header spellings are ``imports.columns``.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from imports.columns import FORMATS, header_key, header_map

HEADER_SCAN_ROWS = 15
TOTAL_WORDS = frozenset(
    header_key(word)
    for word in (
        "المجموع",
        "المجموع الكلي",
        "مجموع",
        "الإجمالي",
        "الاجمالي",
        "اجمالي",
        "المجموع العام",
        "Total",
        "Totals",
        "Grand total",
        "Sum",
    )
)
# Columns whose emptiness marks a row that is not a record (a totals or a signature row).
IDENTITY_COLUMNS = {
    "people": ("service_number", "name_ar"),
    "sessions": ("session_ref",),
    "participations": ("session_ref", "service_number"),
    "targets": ("governorate", "course_code"),
    "units": ("name_en", "name_ar"),
    "stations": ("name_en", "name_ar"),
    "centres": ("code",),
}


# What a sheet holding a kind is called, in English and Arabic (compared as headers are, the name
# found anywhere in the sheet's name word for word: "كشف الوحدات" is a units sheet).
SHEET_NAMES = {
    "people": ("people", "persons", "roster", "الاشخاص", "المنتسبين", "المنتسبون", "الافراد"),
    "sessions": ("sessions", "training sessions", "courses", "الدورات", "الدورات التدريبية"),
    "participations": ("participations", "attendance", "results", "المشاركات", "المشاركون", "الحضور", "النتائج"),
    "targets": ("targets", "plan", "الاهداف", "الخطة", "المستهدف"),
    "units": ("units", "directorates", "الوحدات", "المديريات"),
    "stations": ("stations", "police stations", "مراكز الشرطة"),
    "centres": ("centres", "centers", "training centres", "training centers", "مراكز التدريب"),
}


@dataclass
class Table:
    sheet: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # each row's line in its sheet (1-based)
    header_line: int = 1
    columns: frozenset[str] = frozenset()  # the kind's columns the header names
    tied: list[str] = field(default_factory=list)  # other sheets that match exactly as well


def names_kind(sheet: str, kind: str) -> bool:
    """Whether the sheet's name is one of the kind's (``SHEET_NAMES``), as a run of its words."""
    words = header_key(sheet).split()
    for name in SHEET_NAMES.get(kind, ()):
        wanted = header_key(name).split()
        if any(words[i : i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1)):
            return True
    return False


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _names(cells: Sequence, mapping: dict[str, str]) -> list[str | None]:
    return [None if _blank(cell) else mapping.get(header_key(cell)) for cell in cells]


def _combined_header(top: Sequence, below: Sequence, mapping: dict[str, str]) -> list:
    """Two header rows read as one: a sub-header naming a column wins, else the label above,
    a label merged across columns carried to the right until the next label."""
    width = max(len(top), len(below))
    combined, carried = [], None
    for index in range(width):
        upper = top[index] if index < len(top) else None
        lower = below[index] if index < len(below) else None
        if not _blank(upper):
            carried = upper
        if not _blank(lower) and mapping.get(header_key(lower)):
            combined.append(lower)
        elif not _blank(upper):
            combined.append(upper)
        elif not _blank(lower):
            combined.append(lower)
        else:
            combined.append(carried if carried is not None and _blank(lower) and index > 0 else None)
    return combined


def _is_total(cells: Sequence, positions: dict[str, int], kind: str) -> bool:
    filled = [cell for cell in cells if not _blank(cell)]
    if not filled:
        return False
    first = filled[0]
    if isinstance(first, str) and header_key(first) in TOTAL_WORDS:
        return True
    identity = [positions[name] for name in IDENTITY_COLUMNS.get(kind, ()) if name in positions]
    if identity and all(index >= len(cells) or _blank(cells[index]) for index in identity):
        # No identity and nothing but numbers: a totals row without its word.
        return all(isinstance(cell, int | float) or str(cell).strip().isdigit() for cell in filled)
    return False


def _sheet_table(name: str, rows: list[list], kind: str, extra: dict[str, str] | None = None) -> Table | None:
    mapping = header_map(kind) | (extra or {})
    best, best_index = 0, None
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        matched = len({n for n in _names(row, mapping) if n})
        if matched > best:
            best, best_index = matched, index
    if best_index is None:
        return None
    header = list(rows[best_index])
    header_index, start = best_index, best_index + 1
    header_names = {n for n in _names(header, mapping) if n}
    above_names = {n for n in _names(rows[best_index - 1], mapping) if n} if best_index else set()
    if above_names - header_names:
        # The row naming most columns is the lower of two header rows (its sub-headers outnumber
        # the group labels above), and a header merged down over both rows holds its value in the
        # upper row only: "المحافظة" above an empty cell.
        header_index -= 1
        header = _combined_header(rows[header_index], header, mapping)
    elif start < len(rows):
        below = rows[start]
        below_names = {n for n in _names(below, mapping) if n}
        if below_names - header_names:
            header = _combined_header(header, below, mapping)
            start += 1
    names = _names(header, mapping)
    positions: dict[str, int] = {}
    for index, column in enumerate(names):
        if column and column not in positions:
            positions[column] = index
    headers = ["" if _blank(cell) else str(cell).strip() for cell in header]
    table = Table(sheet=name, headers=headers, header_line=header_index + 1, columns=frozenset(positions))
    for index in range(start, len(rows)):
        cells = list(rows[index])
        if all(_blank(cell) for cell in cells):
            continue
        named = {n for n in _names(cells, mapping) if n}
        if len(named) >= 2 and 2 * len(named) >= len(positions):
            continue  # the header (or its first row) repeated at the top of a printed page
        if _is_total(cells, positions, kind):
            break  # what follows a totals row is the sheet's footer: signatures, notes
        table.rows.append(cells)
        table.lines.append(index + 1)
    return table


def find_table(
    sheets: Iterable[tuple[str, Iterable[Sequence]]], kind: str, *, sheet: str | None = None
) -> Table | None:
    """The table of ``kind`` in the best-matching sheet (see the module's docstring), or None;
    with ``sheet``, in that sheet only."""
    required = {c.name for c in FORMATS[kind] if c.required}
    best: Table | None = None
    best_score = (-1, -1, -1)
    tied: list[str] = []
    for name, rows in sheets:
        if sheet is not None and name != sheet:
            continue
        table = _sheet_table(name, [list(row) for row in rows], kind)
        if table is None:
            continue
        score = (int(required <= table.columns), int(names_kind(name, kind)), len(table.columns))
        if score > best_score:
            best, best_score, tied = table, score, []
        elif score == best_score:
            tied.append(name)
    if best is not None:
        best.tied = tied
    return best


# A serial column's header: numbering, never data.
SERIAL_HEADERS = frozenset(header_key(word) for word in ("ت", "م", "#", "No", "No.", "S/N", "تسلسل", "التسلسل"))


def unread_headers(headers: Sequence, kind: str) -> list[str]:
    """The file's headers that no column of ``kind`` reads (a serial column left out): what a dry
    run warns is ignored, such as a roster's course dates and scores in a people import."""
    mapping = header_map(kind)
    return [
        str(header).strip()
        for header in headers
        if not _blank(header) and header_key(header) not in mapping and header_key(header) not in SERIAL_HEADERS
    ]


# --- the sheet and its columns, when the headers are not the template's -----------------------


@dataclass(frozen=True)
class HeaderMapping:
    """A sheet's headers, in order, and the field each holds ("" for a column to ignore)."""

    headers: tuple[str, ...]
    fields: tuple[str, ...]

    def spellings(self) -> dict[str, str]:
        return {header_key(h): f for h, f in zip(self.headers, self.fields, strict=False) if f and header_key(h)}

    def fits(self, headers: Sequence[str]) -> bool:
        return headers_key(headers) == headers_key(self.headers)


SHEET, COLUMNS = "sheet", "columns"
SAMPLE_ROWS = 3


@dataclass
class Located:
    """What ``locate`` found: the table and the field of each of its columns, or the step the user
    must take first (``SHEET``: pick one of ``sheets``; ``COLUMNS``: map ``table``'s headers)."""

    table: Table | None = None
    fields: list[str] | None = None
    step: str = ""
    sheets: list[str] = field(default_factory=list)
    remembered: bool = False

    def samples(self) -> list[list]:
        return self.table.rows[:SAMPLE_ROWS] if self.table else []


def headers_key(headers: Sequence) -> tuple[str, ...]:
    """Headers compared as ``header_key`` compares one, empty trailing cells left out."""
    keys = [header_key(h) for h in headers]
    while keys and not keys[-1]:
        keys.pop()
    return tuple(keys)


def auto_fields(headers: Sequence[str], kind: str) -> list[str]:
    """The field each header names by the template's spellings ("" when none; a field once)."""
    mapping, seen, fields = header_map(kind), set(), []
    for header in headers:
        name = mapping.get(header_key(header), "")
        fields.append("" if name in seen else name)
        seen.add(name)
    return fields


def _blank_sheet(rows: list[list]) -> bool:
    return all(_blank(cell) for row in rows for cell in row)


def _plain_table(name: str, rows: list[list]) -> Table:
    """A sheet whose header names no column: the header is the first of its first rows holding the
    most filled cells (a title row holds one), and every later non-blank row is a row."""
    scanned = rows[:HEADER_SCAN_ROWS]
    widths = [sum(not _blank(cell) for cell in row) for row in scanned]
    index = widths.index(max(widths))
    headers = ["" if _blank(cell) else str(cell).strip() for cell in rows[index]]
    table = Table(sheet=name, headers=headers, header_line=index + 1)
    for line, row in enumerate(rows[index + 1 :], start=index + 2):
        if not all(_blank(cell) for cell in row):
            table.rows.append(list(row))
            table.lines.append(line)
    return table


def locate(
    sheets: Iterable[tuple[str, Iterable[Sequence]]],
    kind: str,
    *,
    sheet: str | None = None,
    mapping: HeaderMapping | None = None,
    remembered=None,
) -> Located:
    """The table of ``kind`` and its columns' fields, or the step the user must take first.

    A sheet matches when its header names every required column: by the template's spellings, by
    ``mapping`` (the one chosen for this file), or by a mapping remembered for its headers
    (``remembered(headers)`` returns a ``HeaderMapping`` or None). One matching sheet is taken;
    with several, or none among several non-empty sheets, the user picks one (``SHEET``); a sheet
    picked (``sheet``), or the only one, that does not match needs its columns mapped (``COLUMNS``).
    """
    required = {c.name for c in FORMATS[kind] if c.required}
    filled = [(name, [list(row) for row in rows]) for name, rows in sheets]
    filled = [(name, rows) for name, rows in filled if rows and not _blank_sheet(rows)]
    names = [name for name, _rows in filled]
    candidates = filled if sheet is None else [(n, r) for n, r in filled if n == sheet]
    if sheet is not None and not candidates:
        return Located(step=SHEET, sheets=names)
    found: list[Located] = []
    for name, rows in candidates:
        hit = _match(name, rows, kind, mapping, required)
        if hit is None and remembered is not None:
            stored = remembered(_header_of(name, rows, kind))
            hit = _match(name, rows, kind, stored, required, template=False) if stored else None
            if hit is not None:
                hit.remembered = True
        if hit is not None:
            found.append(hit)
    if len(found) == 1:
        found[0].sheets = names
        return found[0]
    if len(found) > 1 or len(candidates) > 1:
        return Located(step=SHEET, sheets=names)
    if not candidates:
        return Located(sheets=names)
    name, rows = candidates[0]
    table = _sheet_table(name, rows, kind) or _plain_table(name, rows)
    fields = list(mapping.fields) if mapping is not None and mapping.fits(table.headers) else None
    return Located(table=table, fields=fields or auto_fields(table.headers, kind), step=COLUMNS, sheets=names)


def _header_of(name: str, rows: list[list], kind: str) -> list[str]:
    table = _sheet_table(name, rows, kind) or _plain_table(name, rows)
    return table.headers


def _match(name, rows, kind, mapping, required, *, template: bool = True) -> Located | None:
    """The sheet's table when its header names every required column, through ``mapping`` or
    (``template``) the template's spellings."""
    if mapping is not None:
        table = _sheet_table(name, rows, kind, mapping.spellings())
        if table is not None and mapping.fits(table.headers) and required <= set(mapping.fields):
            return Located(table=table, fields=list(mapping.fields))
    if template:
        table = _sheet_table(name, rows, kind)
        if table is not None and required <= table.columns:
            return Located(table=table)
    return None
