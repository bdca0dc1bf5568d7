"""The two steps a file whose layout is not the template's takes before its dry run: choosing the
sheet of a workbook, and saying which field each column holds (remembered for the owner's
training centre, or for administrators). Both check the kept file again (``services``)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from imports import layout, services
from imports.models import ImportJob, JobStatus
from imports.storage import upload_read

NOT_WAITING = _("This import has already run or been abandoned; upload the file again.")
NO_SUCH_SHEET = _("The workbook has no sheet “{sheet}”.")
NO_MAPPING_TO_CHANGE = _("This import reads the template's columns; there is no column matching to change.")

# A job whose sheet or columns may still be chosen: before its confirmation, while its file is kept.
OPEN = (JobStatus.SHEET, JobStatus.COLUMNS, JobStatus.CHECKED, JobStatus.HELD)


@contextmanager
def _open_job(job: ImportJob) -> Iterator[ImportJob]:
    """The job, locked, while its kept file is read: this node's copy of it (object storage) is
    deleted when the block ends, also when the check again goes on in the background."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in OPEN:
        raise ValidationError(NOT_WAITING)
    with upload_read(job.stored_name) as path:
        if path is None or not path.exists():
            raise ValidationError(NOT_WAITING)
        yield job


@transaction.atomic
def import_job_sheet_choose(*, job: ImportJob, sheet: str) -> ImportJob:
    """Read ``sheet`` of the workbook (its columns are then matched again from the start)."""
    with _open_job(job) as job:
        if sheet not in job.layout.get("sheets", ()):
            raise ValidationError(NO_SUCH_SHEET.format(sheet=sheet))
        job.sheet, job.columns = sheet, {}
        return services.import_job_check_again(job=job)


@transaction.atomic
def import_job_columns_map(*, job: ImportJob, fields: list[str], user) -> ImportJob:
    """Read the file's columns as ``fields`` (one per header, "" to ignore the column), remember
    that for the next file with the same headers from the job's centre, and dry-run it again."""
    with _open_job(job) as job:
        headers = job.layout.get("headers")
        if headers is None:
            raise ValidationError(NO_MAPPING_TO_CHANGE)
        fields = [(f or "") for f in fields][: len(headers)]
        fields += [""] * (len(headers) - len(fields))
        errors = layout.mapping_errors(job.kind, headers, fields)
        if errors:
            raise ValidationError(errors)
        layout.column_mapping_remember(
            centre=job.training_centre, kind=job.kind, headers=headers, fields=fields, user=user
        )
        job.columns = {"headers": headers, "fields": fields, "remembered": False}
        return services.import_job_check_again(job=job)
