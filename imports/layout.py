"""Reading a job's file as its owner laid it out: which sheet, and which field each column holds.

``imports.sheets.locate`` finds the table; this module gives it the job's answers (``sheet``,
``columns``) and the mappings remembered per training centre (``ColumnMapping``), checks a
mapping the owner proposes, and remembers it.
"""

import hashlib

import tablib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from imports import files, sheets
from imports.columns import FORMATS
from imports.models import ColumnMapping, ImportJob
from lms.models import TrainingCentre

FILE_GONE = _("The uploaded file is no longer kept; upload it again.")
COLUMNS_NOT_MAPPED = _("Say which sheet to read and which field each column holds before the import runs.")
FIELD_TWICE = _("“{field}” is chosen for more than one column: {headers}.")
REQUIRED_NOT_CHOSEN = _("No column holds {fields}; choose the column that does.")
NOT_A_FIELD = _("“{value}” is not a field of this kind of import.")


def headers_digest(headers) -> str:
    """The key a column mapping is remembered by: the headers as ``sheets.headers_key`` compares them."""
    return hashlib.sha256("\x1f".join(sheets.headers_key(headers)).encode()).hexdigest()


def column_mapping_remembered(*, centre: TrainingCentre | None, kind: str, headers) -> sheets.HeaderMapping | None:
    """The mapping remembered for these headers from this centre (None: administrators' files)."""
    found = ColumnMapping.objects.filter(training_centre=centre, kind=kind, headers_key=headers_digest(headers)).first()
    if found is None:
        return None
    return sheets.HeaderMapping(tuple(found.headers), tuple(found.fields))


def job_mapping(job: ImportJob) -> sheets.HeaderMapping | None:
    if not job.columns:
        return None
    return sheets.HeaderMapping(tuple(job.columns["headers"]), tuple(job.columns["fields"]))


def job_table(job: ImportJob) -> tuple[sheets.Located, tablib.Dataset | None]:
    """The job's table (its sheet and column mapping, or a mapping remembered for its headers),
    or the step its owner must take first (the dataset is then None)."""
    path = job.file_path
    if path is None or not path.exists():
        raise ValidationError(FILE_GONE)
    fmt = files.upload_format(str(path))
    located = sheets.locate(
        files.read_sheets(path, fmt=fmt, name=job.original_name),
        job.kind,
        sheet=job.sheet or None,
        mapping=job_mapping(job),
        remembered=lambda headers: column_mapping_remembered(
            centre=job.training_centre, kind=job.kind, headers=headers
        ),
    )
    if located.step:
        return located, None
    if located.table is None:
        return located, files.read_dataset(path, fmt=fmt, name=job.original_name)  # names what is wrong
    return located, files.table_dataset(located.table, located.fields)


def job_dataset(job: ImportJob) -> tablib.Dataset:
    """The dataset a checked job imports: read as its dry run read it."""
    located, dataset = job_table(job)
    if dataset is None:
        raise ValidationError(COLUMNS_NOT_MAPPED)
    return dataset


def mapping_errors(kind: str, headers: list[str], fields: list[str]) -> list[str]:
    """What is wrong with a proposed mapping: a field chosen twice, a required field not chosen."""
    columns = {c.name: c for c in FORMATS[kind]}
    errors, chosen = [], {}
    for index, name in enumerate(fields):
        if not name:
            continue
        if name not in columns:
            errors.append(str(NOT_A_FIELD.format(value=name)))
            continue
        chosen.setdefault(name, []).append(headers[index] if index < len(headers) else "")
    for name, where in chosen.items():
        if len(where) > 1:
            errors.append(str(FIELD_TWICE.format(field=field_label(columns[name]), headers=", ".join(where))))
    missing = [field_label(c) for c in columns.values() if c.required and c.name not in chosen]
    if missing:
        errors.append(str(REQUIRED_NOT_CHOSEN.format(fields=", ".join(missing))))
    return errors


def field_label(column) -> str:
    """A field as the mapping step names it: its Arabic header and its English name."""
    return f"{column.arabic} ({column.name})"


def column_mapping_remember(
    *, centre: TrainingCentre | None, kind: str, headers: list[str], fields: list[str], user
) -> ColumnMapping:
    """Remember ``fields`` for files of ``kind`` with these headers from ``centre``."""
    mapping, _created = ColumnMapping.objects.update_or_create(
        training_centre=centre,
        kind=kind,
        headers_key=headers_digest(headers),
        defaults={"headers": list(headers), "fields": list(fields), "updated_by": user},
    )
    return mapping
