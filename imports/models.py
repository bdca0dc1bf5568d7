"""``ImportJob``: one uploaded spreadsheet on its way from dry run to stored records.

Invariants: a job belongs to the account that uploaded it, and only that account reads it (its
status, its report); a manager's job carries the training centre the manager was scoped to at
upload, and every row is checked against it. The uploaded file lives in the private ``imports``
storage (``imports.storage``: ``IMPORTS_DIR`` or object storage, never the web root) under a
random name, and is deleted when the job finishes or is abandoned; the reports (input rows with a
status and a reason) stay on the record.
A people file that names units or stations nobody has recorded yet keeps its file: an
administrator may accept to create them (``create_places``) and check it again; a centre
manager's job is held (``JobStatus.HELD``) until an administrator has loaded them.

A file whose headers are not the template's is read through a column mapping: the job waits
(``JobStatus.COLUMNS``) until its owner says which field each column holds, or which sheet to read
(``JobStatus.SHEET``) when a workbook has several candidates; ``layout`` keeps what the page needs
to ask (the sheets, or the headers with a few values under them), ``sheet`` and ``columns`` the
answers. ``ColumnMapping`` remembers an answer per training centre (or for administrators, who
have none) and set of headers, so the next such file maps itself; its owner can still change it.

``ValueSynonym``: a spelling of a choice's value an administrator added (``imports.synonyms``);
one per choice and spelling key.
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from imports import synonyms
from lms.models import TrainingCentre


class ImportKind(models.TextChoices):
    PEOPLE = "people", _("People (roster)")
    SESSIONS = "sessions", _("Training sessions")
    PARTICIPATIONS = "participations", _("Participations (attendance and results)")
    TARGETS = "targets", _("Training targets (national plan)")
    UNITS = "units", _("Police directorates and units (reference data)")
    STATIONS = "stations", _("Police stations (reference data)")
    CENTRES = "centres", _("Training centres (reference data)")


class JobStatus(models.TextChoices):
    CHECKING = "checking", _("Being checked")
    CHECKED = "checked", _("Dry run done")
    SHEET = "sheet", _("Sheet to choose")
    COLUMNS = "columns", _("Columns to match")
    HELD = "held", _("Waiting for reference data")
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
    missing_places = models.JSONField(
        _("units and stations not known"),
        default=list,
        blank=True,
        editable=False,
        help_text=_("What the dry run found missing: place, governorate, name as written, near matches."),
    )
    create_places = models.BooleanField(
        _("create the missing units and stations"),
        default=False,
        help_text=_("Accepted by an administrator: the import creates them in the same transaction."),
    )
    sheet = models.CharField(_("sheet"), max_length=100, blank=True, help_text=_("The workbook's sheet read."))
    columns = models.JSONField(
        _("column mapping"),
        default=dict,
        blank=True,
        help_text=_("The file's headers and the field each holds, when they are not the template's."),
    )
    layout = models.JSONField(default=dict, blank=True, editable=False)
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
        """Where this node reads the upload from (``imports.storage.local_copy``); it does not
        exist once the stored file is gone."""
        if not self.stored_name:
            return None
        from imports.storage import local_copy

        return local_copy(self.stored_name)

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.ABANDONED)

    @property
    def can_confirm(self) -> bool:
        return self.status == JobStatus.CHECKED and self.error_count == 0 and bool(self.stored_name)


class ColumnMapping(models.Model):
    """The fields of a file's columns, remembered for the next file with the same headers from the
    same training centre (``training_centre`` empty: an administrator's file)."""

    training_centre = models.ForeignKey(
        TrainingCentre,
        verbose_name=_("training centre"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    headers_key = models.CharField(max_length=64, editable=False)
    headers = models.JSONField(_("headers"), default=list)
    fields = models.JSONField(_("fields"), default=list)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["training_centre", "kind", "headers_key"],
                condition=models.Q(training_centre__isnull=False),
                name="column_mapping_unique_per_centre",
            ),
            models.UniqueConstraint(
                fields=["kind", "headers_key"],
                condition=models.Q(training_centre__isnull=True),
                name="column_mapping_unique_for_administrators",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.training_centre or _('administrators')}"


class ValueSynonym(models.Model):
    choice = models.CharField(_("choice"), max_length=16, choices=list(synonyms.CHOICE_LABELS.items()))
    written = models.CharField(
        _("written as"), max_length=100, help_text=_("As files write it; case, dots, diacritics and tatweel ignored.")
    )
    written_key = models.CharField(max_length=100, editable=False)
    value = models.CharField(_("means"), max_length=32, choices=synonyms.value_choices)

    class Meta:
        ordering = ["choice", "written"]
        verbose_name = _("value spelling")
        verbose_name_plural = _("value spellings")
        constraints = [models.UniqueConstraint(fields=["choice", "written_key"], name="value_synonym_unique")]

    def __str__(self) -> str:
        return f"{self.written} → {self.get_value_display()}"

    def save(self, *args, **kwargs) -> None:
        # The key is derived from the spelling; the tables of every process are rebuilt (a cache,
        # not stored data: rebuilt again after the commit, when other processes can read the row).
        self.written_key = synonyms.spelling_key(self.written)
        super().save(*args, **kwargs)
        synonyms.synonyms_changed()
        transaction.on_commit(synonyms.synonyms_changed)

    def clean(self) -> None:
        self.written_key = synonyms.spelling_key(self.written)
        if not self.written_key:
            raise ValidationError({"written": _("Write the spelling to accept.")})
        choices = synonyms.CHOICES.get(self.choice)
        if choices is not None and self.value not in choices.values:
            raise ValidationError(
                {"value": _("Choose one of: %(allowed)s.") % {"allowed": synonyms.accepted_values(self.choice)}}
            )
        taken = ValueSynonym.objects.filter(choice=self.choice, written_key=self.written_key).exclude(pk=self.pk)
        if taken.exists():
            raise ValidationError({"written": _("This spelling is already listed for this choice.")})

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        synonyms.synonyms_changed()
        transaction.on_commit(synonyms.synonyms_changed)
        return result
