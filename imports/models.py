"""``ImportJob``: one uploaded spreadsheet on its way from dry run to stored records.

Invariants: a job belongs to the account that uploaded it, and only that account reads it (its
status, its report); a manager's job carries the training centre the manager was scoped to at
upload, and every row is checked against it. The uploaded file lives under
``settings.IMPORTS_DIR`` (outside the web root) under a random name, and is deleted when the job
finishes or is abandoned; the reports (input rows with a status and a reason) stay on the record.
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lms.models import TrainingCentre


class ImportKind(models.TextChoices):
    PEOPLE = "people", _("People (roster)")
    SESSIONS = "sessions", _("Training sessions")
    PARTICIPATIONS = "participations", _("Participations (attendance and results)")
    TARGETS = "targets", _("Training targets (national plan)")


class JobStatus(models.TextChoices):
    CHECKED = "checked", _("Dry run done")
    QUEUED = "queued", _("Waiting to run")
    RUNNING = "running", _("Running")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Refused: nothing stored")
    ABANDONED = "abandoned", _("Abandoned")


class ImportJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.CASCADE, related_name="import_jobs"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    training_centre = models.ForeignKey(
        TrainingCentre,
        verbose_name=_("training centre"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Set for a training-centre manager: every row must belong to this centre."),
    )
    original_name = models.CharField(_("file name"), max_length=255)
    stored_name = models.CharField(max_length=64, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.CHECKED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    new_count = models.PositiveIntegerField(_("new"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    dry_run_report = models.TextField(_("dry-run report (CSV)"), blank=True, editable=False)
    report = models.TextField(_("import report (CSV)"), blank=True, editable=False)
    failure = models.TextField(_("reason the import stopped"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        indexes = [models.Index(fields=["owner", "-created_at"]), models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_name}"

    @property
    def file_path(self) -> Path | None:
        if not self.stored_name:
            return None
        return Path(settings.IMPORTS_DIR) / self.stored_name

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.ABANDONED)

    @property
    def can_confirm(self) -> bool:
        return self.status == JobStatus.CHECKED and self.error_count == 0 and bool(self.stored_name)
