"""Import workflows: one ``records_import`` behind the admin flow, the command and the Celery job.

``records_import`` runs the kind's resource over a dataset inside one transaction with
``rollback_on_validation_errors=True``: when any row is invalid nothing is stored, and a dry run
stores nothing either (its writes are rolled back, so the rules across rows see exactly what a
real import would). It returns an ``ImportOutcome``: per row, new / updated / unchanged / error
with the column and the reason, and the counts.

The admin flow around it: ``import_job_check`` keeps the upload (``imports.storage``) and
records the dry run on an ``ImportJob``; ``import_job_confirm`` queues the job (only when the dry
run found no error) and ``import_job_run`` — called by the Celery task — imports the file for
real, stores the report and deletes the file. ``import_files_cleanup`` deletes the files of jobs
abandoned after their dry run.
"""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import tablib
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from openpyxl.utils import get_column_letter

from imports import access, files, layout, sheets
from imports.columns import FORMATS, header_key, header_map
from imports.models import ImportJob, JobStatus
from imports.reference import REFERENCE_RESOURCES
from imports.resources import RESOURCES
from imports.storage import local_copy_discard, stored_file_delete, stored_file_save, stored_files_older_than
from lms.models import TrainingCentre

logger = logging.getLogger(__name__)

NEW, UPDATED, UNCHANGED, ERROR = "new", "updated", "unchanged", "error"
STATUS_LABELS = {NEW: _("new"), UPDATED: _("updated"), UNCHANGED: _("unchanged"), ERROR: _("error")}
_IMPORT_TYPES = {"new": NEW, "update": UPDATED, "skip": UNCHANGED, "invalid": ERROR, "error": ERROR}

MISSING_COLUMNS = _("The file has no column {columns}; download the template to see the expected headers.")
NO_ROWS = _("The file holds headers but no rows.")
JOB_NOT_CONFIRMABLE = _("This import cannot be confirmed: its dry run found errors, or it has already run.")
FILE_GONE = layout.FILE_GONE
UNEXPECTED_FAILURE = _("The import stopped on an unexpected error; nothing was stored.")
KIND_NOT_FOR_CENTRES = _("Training-centre managers cannot import {kind}; ask an administrator.")
NO_LONGER_ALLOWED = _(
    "Your account may no longer run this import (its role or training centre changed); nothing was stored."
)


@dataclass
class RowReport:
    line: int  # the row's line in the spreadsheet; the header is line 1
    status: str
    column: str = ""
    reason: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportOutcome:
    kind: str
    headers: list[str]
    values: list[list]
    rows: list[RowReport]
    file_errors: list[str]
    dry_run: bool
    # Units and stations the rows name that nobody recorded (``PlaceWidget``), and whether they
    # are the file's only errors (an administrator may then accept to create them).
    missing_places: list[dict] = field(default_factory=list)
    only_missing_places: bool = False

    @property
    def counts(self) -> dict[str, int]:
        counts = {NEW: 0, UPDATED: 0, UNCHANGED: 0, ERROR: 0}
        for row in self.rows:
            counts[row.status] += 1
        if self.file_errors and not counts[ERROR]:
            counts[ERROR] = len(self.file_errors)
        return counts

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or any(row.status == ERROR for row in self.rows)

    @property
    def stored(self) -> bool:
        return not self.dry_run and not self.has_errors

    def error_rows(self) -> list[RowReport]:
        return [row for row in self.rows if row.status == ERROR]

    def report_csv(self) -> str:
        """The input rows, each with its status, column and reason (formula-looking cells escaped)."""
        headers = ["row", *self.headers, "status", "column", "reason"]
        lines = [
            [row.line, *values, row.status, row.column, " ".join([row.reason, *row.warnings]).strip()]
            for row, values in zip(self.rows, self.values, strict=False)
        ]
        lines += [["", *([""] * len(self.headers)), ERROR, "", message] for message in self.file_errors]
        return files.write_csv(headers, lines)


def dataset_prepare(kind: str, dataset: tablib.Dataset) -> tuple[tablib.Dataset, list[str], list[str]]:
    """The dataset with canonical headers (English or Arabic accepted) and every column present.

    Returns (dataset, headers as written in the file, file-level errors). A dataset read through a
    column mapping (``column_fields``: the field of each column, "" to ignore it) is read by it;
    otherwise each header is read by the template's spellings. Columns the format does not know
    are left out; optional columns the file lacks are read as empty.
    """
    original = list(dataset.headers or [])
    positions = _positions(kind, dataset)
    columns = FORMATS[kind]
    missing = [c for c in columns if c.required and c.name not in positions]
    if missing:
        names = ", ".join(f"{c.name} / {c.arabic}" for c in missing)
        return dataset, original, [str(MISSING_COLUMNS.format(columns=names))]
    prepared = tablib.Dataset(headers=[c.name for c in columns])
    for raw in dataset:
        prepared.append([raw[positions[c.name]] if c.name in positions else None for c in columns])
    return prepared, original, []


def _positions(kind: str, dataset: tablib.Dataset) -> dict[str, int]:
    """Field name → the index of the dataset's column holding it (the first, when several do)."""
    fields = getattr(dataset, "column_fields", None)
    if fields is None:
        mapping = header_map(kind)
        fields = [mapping.get(header_key(header)) for header in dataset.headers or []]
    known = {c.name for c in FORMATS[kind]}
    positions: dict[str, int] = {}
    for index, name in enumerate(fields):
        if name in known and name not in positions:
            positions[name] = index
    return positions


def records_import(
    *,
    kind: str,
    dataset: tablib.Dataset,
    dry_run: bool,
    user=None,
    scope_centre: TrainingCentre | None = None,
    progress=None,
    create_places: bool = False,
) -> ImportOutcome:
    """Validate (and unless ``dry_run``, store) every row of ``dataset``; all rows or none.

    ``scope_centre`` limits every row to that training centre (a manager's import); the kinds a
    manager may not import at all are refused here too, whatever the caller checked.
    """
    values = [list(row) for row in dataset]
    # Each row's line in its sheet, when the file was read as offices make it (files.read_table):
    # title rows, blank rows and totals are not counted as rows but do count as lines.
    lines = getattr(dataset, "source_lines", None)
    if scope_centre is not None and kind not in access.MANAGER_KINDS:
        return ImportOutcome(
            kind, list(dataset.headers or []), values, [], [str(KIND_NOT_FOR_CENTRES.format(kind=kind))], dry_run
        )
    prepared, headers, file_errors = dataset_prepare(kind, dataset)
    if not file_errors and not len(prepared):
        file_errors = [str(NO_ROWS)]
    if file_errors:
        return ImportOutcome(kind, headers, values, [], file_errors, dry_run)

    resource = (RESOURCES.get(kind) or REFERENCE_RESOURCES[kind])(
        user=user, scope_centre=scope_centre, progress=progress
    )
    resource.create_places, resource.missing_places, resource.place_rows = create_places, {}, set()
    result = resource.import_data(
        prepared,
        dry_run=dry_run,
        use_transactions=True,
        rollback_on_validation_errors=True,
        raise_errors=False,
    )
    positions = _positions(kind, dataset)
    written = {name: headers[index] or get_column_letter(index + 1) for name, index in positions.items()}
    column_names = {c.name: written.get(c.name, c.name) for c in FORMATS[kind]}
    rows = []
    for number, row_result in enumerate(result.rows, 1):
        line = lines[number - 1] if lines and number <= len(lines) else number + 1
        report = RowReport(line=line, status=_IMPORT_TYPES[row_result.import_type])
        reasons = []
        if row_result.validation_error is not None:
            for attribute, messages in _error_dict(row_result.validation_error).items():
                column = column_names.get(resource.column_of(attribute), resource.column_of(attribute))
                reasons.append((column, " ".join(str(m) for m in messages)))
        for attribute, message in resource.rule_errors.get(number, ()):
            column = column_names.get(resource.column_of(attribute), "")
            if (column, message) not in reasons:
                reasons.append((column, message))
        for error in row_result.errors:
            logger.warning("Import row %s failed: %s", number + 1, error.error)
            reasons.append(("", str(UNEXPECTED_FAILURE)))
        if reasons:
            report.column = "; ".join(dict.fromkeys(c for c, _ in reasons if c))
            report.reason = " ".join(m for _, m in reasons)
        report.warnings = resource.warnings.get(number, [])
        rows.append(report)
    for error in result.base_errors:
        logger.error("Import of %s failed: %s", kind, error.error)
        file_errors.append(str(UNEXPECTED_FAILURE))
    outcome = ImportOutcome(kind, headers, values, rows, file_errors, dry_run)
    outcome.missing_places = list(resource.missing_places.values())
    place_columns = {column_names.get("unit"), column_names.get("station")}
    outcome.only_missing_places = (
        bool(outcome.missing_places)
        and not file_errors
        and all(
            number in resource.place_rows and set(row.column.split("; ")) <= place_columns
            for number, row in enumerate(rows, 1)
            if row.status == ERROR
        )
    )
    return outcome


def _error_dict(error: ValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {key: [m for e in errors for m in e.messages] for key, errors in error.error_dict.items()}
    return {"__all__": error.messages}


# --- files ----------------------------------------------------------------------------------


def upload_store(uploaded) -> tuple[str, str]:
    """Check an uploaded file and keep it in the imports storage with a random name: (stored name,
    format). A file refused is never stored."""
    head = uploaded.read(8)
    uploaded.seek(0)
    fmt = files.check_upload(
        name=uploaded.name, size=uploaded.size, content_type=getattr(uploaded, "content_type", ""), head=head
    )
    if fmt == files.XLSX:
        files.check_xlsx_directory(uploaded, name=uploaded.name)
        uploaded.seek(0)
    stored_name = f"{uuid.uuid4().hex}.{fmt}"
    stored_file_save(stored_name, uploaded)
    return stored_name, fmt


def dataset_from_path(path: Path, *, name: str, kind: str | None = None) -> tablib.Dataset:
    """The file's rows; with ``kind``, its table of that kind found as offices make it."""
    fmt = files.upload_format(str(path))
    if kind is None:
        return files.read_dataset(path, fmt=fmt, name=name)
    return files.read_table(path, fmt=fmt, name=name, kind=kind)


def _delete_file(job: ImportJob) -> bool:
    """Forget the job's upload and delete the stored file; whether there was one."""
    existed = bool(job.stored_name) and stored_file_delete(job.stored_name)
    job.stored_name = ""
    job.file_deleted_at = timezone.now()
    return existed


# --- jobs -----------------------------------------------------------------------------------


def import_job_check(*, owner, kind: str, uploaded, scope_centre: TrainingCentre | None) -> ImportJob:
    """Keep the upload and run its dry run. A file refused outright raises ValidationError.

    A file larger than ``IMPORT_CHECK_IN_REQUEST_BYTES`` is read and dry-run by the background
    job (``check_import_job``), not in the request: the job is saved as being checked and its page
    follows the check (under the embedded default the task runs at once, in-process).
    """
    stored_name, _fmt = upload_store(uploaded)
    job = ImportJob(
        owner=owner,
        kind=kind,
        training_centre=scope_centre,
        original_name=Path(uploaded.name).name[:255],
        stored_name=stored_name,
    )
    if uploaded.size > settings.IMPORT_CHECK_IN_REQUEST_BYTES:
        from imports.tasks import check_import_job

        job.status = JobStatus.CHECKING
        job.save()
        check_import_job.delay_on_commit(str(job.pk), translation.get_language() or settings.LANGUAGE_CODE)
        return job
    _dry_run(job)
    return job


def import_job_dry_run(*, job_id) -> ImportJob | None:
    """The background check of a large upload; a job no longer being checked is left as it is."""
    job = ImportJob.objects.filter(pk=job_id, status=JobStatus.CHECKING).first()
    if job is None:
        return None
    return import_job_dry_run_now(job)


def import_job_check_again(*, job: ImportJob) -> ImportJob:
    """Dry-run a kept upload again, once its owner has named its sheet or its columns: in the
    request, or in the background for a large file (as ``import_job_check``)."""
    job.create_places, job.failure = False, ""
    path = job.file_path
    if path is not None and path.exists() and path.stat().st_size > settings.IMPORT_CHECK_IN_REQUEST_BYTES:
        from imports.tasks import check_import_job

        job.status = JobStatus.CHECKING
        job.save()
        check_import_job.delay_on_commit(str(job.pk), translation.get_language() or settings.LANGUAGE_CODE)
        return job
    job.status = JobStatus.CHECKING
    return import_job_dry_run_now(job)


def import_job_dry_run_now(job: ImportJob) -> ImportJob:
    """The dry run of a job being checked; a file that cannot be read fails the job with the reason."""
    job.status = JobStatus.CHECKED
    try:
        _dry_run(job)
    except ValidationError as error:
        job.status = JobStatus.FAILED
        job.failure = " ".join(error.messages)
        job.finished_at = timezone.now()
        job.save()
    return job


def _dry_run(job: ImportJob) -> None:
    """Read the stored upload and dry-run it into ``job`` (saved); a file that cannot be read is
    deleted and its ValidationError raised. A file whose sheet or columns its owner must name
    first leaves the job waiting for that step (``JobStatus.SHEET`` / ``JobStatus.COLUMNS``)."""
    kind, owner, scope_centre = job.kind, job.owner, job.training_centre
    try:
        located, dataset = layout.job_table(job)
    except ValidationError:
        _delete_file(job)
        raise
    finally:
        local_copy_discard(job.stored_name)  # read: this node keeps no copy of the personal data
    job.sheet = located.table.sheet if located.table is not None and len(located.sheets) > 1 else job.sheet
    if located.step:
        _wait_for_layout(job, located)
        return
    if located.remembered:
        job.columns = {"headers": list(located.table.headers), "fields": located.fields, "remembered": True}
    job.layout = {"sheets": located.sheets}
    if job.columns:  # what the page shows to change the mapping
        job.layout |= _columns_layout(located)
    outcome = records_import(kind=kind, dataset=dataset, dry_run=True, user=owner, scope_centre=scope_centre)
    _record_counts(job, outcome)
    job.dry_run_report = outcome.report_csv()
    # Units or stations nobody recorded, and nothing else wrong: the file is kept, for an
    # administrator to accept creating them (imports.places); a manager's job waits for one.
    job.missing_places = outcome.missing_places if outcome.only_missing_places else []
    if job.missing_places and scope_centre is not None:
        job.status = JobStatus.HELD
    if outcome.has_errors and not job.missing_places and not job.columns and len(located.sheets) < 2:
        # It can never be confirmed: keep nothing. A file read through a column mapping or from
        # one of several sheets is kept, so its owner can change the mapping or the sheet.
        _delete_file(job)
    job.save()


def _wait_for_layout(job: ImportJob, located: sheets.Located) -> None:
    """The job waits for its owner to pick a sheet or map the columns; ``layout`` keeps what the
    page asks with (the sheets; the headers, the fields proposed and a few values of each column)."""
    job.status = JobStatus.SHEET if located.step == sheets.SHEET else JobStatus.COLUMNS
    job.layout = {"sheets": located.sheets}
    if located.step == sheets.COLUMNS:
        job.sheet = located.table.sheet
        job.layout |= _columns_layout(located)
    job.total_rows = job.new_count = job.updated_count = job.unchanged_count = job.error_count = 0
    job.dry_run_report = ""
    job.missing_places = []
    job.save()


def _columns_layout(located: sheets.Located) -> dict:
    table = located.table
    headers = list(table.headers)
    while headers and not headers[-1]:
        headers.pop()  # empty trailing header cells are not columns (files.table_dataset)
    width = len(headers)
    return {
        "headers": headers,
        "fields": list(located.fields or [])[:width],
        "samples": [[_sample(cell) for cell in row[:width]] for row in located.samples()],
        "header_line": table.header_line,
    }


def _sample(cell) -> str:
    value = files._cell_text(cell)
    return "" if value is None else str(value)[:60]


def _record_counts(job: ImportJob, outcome: ImportOutcome) -> None:
    counts = outcome.counts
    job.total_rows = len(outcome.rows)
    job.new_count, job.updated_count = counts[NEW], counts[UPDATED]
    job.unchanged_count, job.error_count = counts[UNCHANGED], counts[ERROR]


def dry_run_rows(job: ImportJob) -> list[dict]:
    """The dry run's rows, read back from its report, for the page: each row's line, status,
    column, reason and its values by column name (``values``). An error about the whole file (a
    missing column, a file of another kind) is a row without a line."""
    import csv
    import io

    mapping = header_map(job.kind)
    reader = csv.reader(io.StringIO(job.dry_run_report.lstrip("\ufeff")))
    headers = next(reader, [])
    # Read through a column mapping, the report's columns are the file's, in order.
    names = list(job.columns["fields"]) if job.columns else [mapping.get(header_key(h)) for h in headers[1:-3]]
    rows = []
    for line in reader:
        if len(line) < 4:
            continue
        values = {name: value for name, value in zip(names, line[1:-3], strict=False) if name}
        status, column, reason = line[-3:]
        rows.append({"line": line[0], "status": status, "column": column, "reason": reason, "values": values})
    return rows


@transaction.atomic
def import_job_confirm(*, job: ImportJob) -> ImportJob:
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not job.can_confirm:
        raise ValidationError(JOB_NOT_CONFIRMABLE)
    job.status = JobStatus.QUEUED
    job.save(update_fields=["status"])
    from imports.tasks import run_import_job

    run_import_job.delay_on_commit(str(job.pk), translation.get_language() or settings.LANGUAGE_CODE)
    return job


def progress_key(job_id) -> str:
    return f"imports:job:{job_id}:progress"


def import_job_run(*, job_id, language: str | None = None, resume: bool = False) -> ImportJob | None:
    """Import a confirmed job's file for real. Safe to call twice: only a queued job runs.

    ``resume``: the job's message came back because the worker running it died (ops.workers), so
    a job left *running* is run again; the import is one transaction, so the dead run stored nothing.
    """
    runnable = (JobStatus.QUEUED, JobStatus.RUNNING) if resume else (JobStatus.QUEUED,)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status not in runnable:
            return job
        job.status, job.started_at = JobStatus.RUNNING, timezone.now()
        job.save(update_fields=["status", "started_at"])

    def progress(done: int, total: int) -> None:
        cache.set(progress_key(job.pk), (done, total), timeout=24 * 3600)

    with translation.override(language or settings.LANGUAGE_CODE):
        try:
            if job.file_path is None or not job.file_path.exists():
                raise ValidationError(FILE_GONE)
            # The owner's rights are read again: a role or centre taken away after the dry run
            # must not let the queued job write with the old scope.
            owner = job.owner
            if (
                not owner.is_active
                or job.kind not in access.import_kinds_for(owner)
                or access.scope_centre_for(owner) != job.training_centre
            ):
                raise ValidationError(NO_LONGER_ALLOWED)
            dataset = layout.job_dataset(job)
            outcome = records_import(
                kind=job.kind,
                dataset=dataset,
                dry_run=False,
                user=job.owner,
                scope_centre=job.training_centre,
                progress=progress,
                create_places=job.create_places,
            )
        except ValidationError as exc:
            outcome = None
            job.failure = " ".join(str(m) for m in exc.messages)
        except Exception:
            logger.exception("Import job %s failed", job.pk)
            outcome = None
            job.failure = str(UNEXPECTED_FAILURE)
    if outcome is not None:
        _record_counts(job, outcome)
        job.report = outcome.report_csv()
        job.status = JobStatus.DONE if outcome.stored else JobStatus.FAILED
        if not outcome.stored:
            job.failure = " ".join(outcome.file_errors) or job.failure
    else:
        job.status = JobStatus.FAILED
    job.processed_rows = job.total_rows
    job.finished_at = timezone.now()
    _delete_file(job)
    job.save()
    cache.delete(progress_key(job.pk))
    return job


def job_progress(job: ImportJob) -> dict:
    """What the progress bar shows: a percentage, the status and, when finished, the counts."""
    if job.is_finished:
        percent = 100
    elif job.status == JobStatus.RUNNING:
        done, total = cache.get(progress_key(job.pk)) or (0, 1)
        percent = min(99, int(100 * done / max(total, 1)))
    else:
        percent = 0
    return {
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "percent": percent,
        # The page reloads once the job leaves the background: imported, refused, or checked.
        "finished": job.status not in (JobStatus.CHECKING, JobStatus.QUEUED, JobStatus.RUNNING),
        "counts": {
            NEW: job.new_count,
            UPDATED: job.updated_count,
            UNCHANGED: job.unchanged_count,
            ERROR: job.error_count,
        },
    }


# Jobs whose file is kept for their owner's next step (confirm, accept places, sheet, columns).
WAITING = (JobStatus.CHECKED, JobStatus.HELD, JobStatus.SHEET, JobStatus.COLUMNS)


def import_files_cleanup(*, now=None) -> int:
    """Delete the files of finished jobs and of dry runs abandoned for IMPORT_ABANDONED_AFTER_HOURS,
    and any stray file of that age in the imports storage. Returns how many files were deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.IMPORT_ABANDONED_AFTER_HOURS)
    deleted = 0
    stale = ImportJob.objects.exclude(stored_name="").filter(
        status__in=[*WAITING, JobStatus.DONE, JobStatus.FAILED, JobStatus.ABANDONED]
    )
    for job in stale:
        if job.status in WAITING and job.created_at > cutoff:
            continue
        deleted += _delete_file(job)
        if job.status in WAITING:
            job.status = JobStatus.ABANDONED
        job.save(update_fields=["stored_name", "file_deleted_at", "status"])
    stray = set(stored_files_older_than(cutoff))
    stray -= set(ImportJob.objects.filter(stored_name__in=stray).values_list("stored_name", flat=True))
    for name in stray:
        deleted += stored_file_delete(name)
    return deleted
