"""Finding the table in a workbook as offices make it.

A governorate's roster is rarely a bare table: a title or two above the header (كشف بأسماء …,
the directorate's name, a date), a header whose cells are merged (a group label such as "الاسم"
over two sub-headers on the row below, or a header cell spanning both header rows), a serial
column (ت), blank rows between pages, the header repeated at the top of each printed page, a
totals row (المجموع) and signatures at the bottom, and several sheets of which one holds the
people. ``find_table`` takes every sheet's rows (cell values as read, merged cells holding their
value in the first cell only, as openpyxl reads them) and returns the table of the given kind:

- the **sheet** whose header row matches the most columns of the kind (with all the required
  ones, when one does; the first such sheet on a tie);
- the **header row**: among a sheet's first ``HEADER_SCAN_ROWS`` rows, the one whose cells name
  the most columns of the kind; the rows above it are titles. When the row below names further
  columns (a two-row header), the two are combined column by column: a sub-header that names a
  column wins, otherwise the cell above (a group label merged across columns is carried right);
- the **rows**: every later row except blank ones and repeats of the header (a row naming at
  least half the header's columns), up to a totals row (its first filled cell says المجموع /
  الإجمالي / Total …, or it holds only numbers and no identity): the totals row and what follows
  it (signatures, notes) are the sheet's footer. Each row keeps its line number in the sheet, so a
  report names the line the user sees.

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


@dataclass
class Table:
    sheet: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # each row's line in its sheet (1-based)
    header_line: int = 1
    columns: frozenset[str] = frozenset()  # the kind's columns the header names


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


def _sheet_table(name: str, rows: list[list], kind: str) -> Table | None:
    mapping = header_map(kind)
    best, best_index = 0, None
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        matched = len({n for n in _names(row, mapping) if n})
        if matched > best:
            best, best_index = matched, index
    if best_index is None:
        return None
    header = list(rows[best_index])
    start = best_index + 1
    if start < len(rows):
        below = rows[start]
        below_names = {n for n in _names(below, mapping) if n}
        top_names = {n for n in _names(header, mapping) if n}
        if below_names - top_names:
            header = _combined_header(header, below, mapping)
            start += 1
    names = _names(header, mapping)
    positions: dict[str, int] = {}
    for index, column in enumerate(names):
        if column and column not in positions:
            positions[column] = index
    headers = ["" if _blank(cell) else str(cell).strip() for cell in header]
    table = Table(sheet=name, headers=headers, header_line=best_index + 1, columns=frozenset(positions))
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


def find_table(sheets: Iterable[tuple[str, Iterable[Sequence]]], kind: str) -> Table | None:
    """The table of ``kind`` in the best-matching sheet (see the module's docstring), or None."""
    required = {c.name for c in FORMATS[kind] if c.required}
    best: Table | None = None
    best_score = (-1, -1)
    for name, rows in sheets:
        table = _sheet_table(name, [list(row) for row in rows], kind)
        if table is None:
            continue
        score = (int(required <= table.columns), len(table.columns))
        if score > best_score:
            best, best_score = table, score
    return best
