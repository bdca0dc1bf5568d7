"""Spreadsheets built in the test, in memory or under tmp_path."""

import csv
import io
from pathlib import Path

import tablib
from openpyxl import Workbook


def dataset(headers: list[str], rows: list[list]) -> tablib.Dataset:
    data = tablib.Dataset(headers=headers)
    for row in rows:
        data.append(row)
    return data


def csv_bytes(headers: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(headers: list[str], rows: list[list], *, formulas: dict[tuple[int, int], str] | None = None) -> bytes:
    """An XLSX; ``formulas`` puts real formula cells at (row index, column index) of ``rows``."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(headers)
    formulas = formulas or {}
    for row_index, row in enumerate(rows):
        sheet.append([formulas.get((row_index, column_index), cell) for column_index, cell in enumerate(row)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path
