"""The directorate audit's summary tables and its export log.

Nouns:
- ``ParticipationFact``: one row per participation with everything the dashboard filters and
  groups by (the session's course, kind, place and dates; the person's gender, unit and station;
  the participation's generation, outcome and gain; whether the session was a ToT led by a master
  trainer that qualified the person). Derived data: ``audit.services`` rebuilds it from the
  cascade records. Its foreign keys carry no database constraint, so the cascade's own bulk
  deletes never wait on it; a rebuild drops rows whose participation is gone.
- ``PendingSession``: a session whose records changed and whose facts are not yet counted again
  (noted when the cascade's ``sessions_changed`` arrives, before the refresh is queued; dropped
  by the refresh that counted it). Their number is what a dashboard page says is not yet counted.
- ``FactsState``: one row saying when the facts were last rebuilt and their version; every write
  to the facts bumps the version, which retires the stored dashboard figures.
- ``DashboardSnapshot``: the dashboard's figures for one scope and set of filters at one facts
  version (a summary of the summary, so that a page answers from one row).
- ``DashboardPage``: the dashboard's rendered body for one scope, query, language and facts
  version (``audit.pages``): a request for a stored dashboard renders only the site's layout.
- ``ExportLog``: who exported what, when, with which filters; the directorate reads it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cascade.models import Outcome, Participation, SessionKind, TrainingSession
from courses.models import Course
from lms.models import Gender, Governorate, Person, PoliceUnit, Station, TrainingCentre


def _ref(model, **kwargs) -> models.ForeignKey:
    """A foreign key without a database constraint: facts are rebuilt, never the source of truth."""
    return models.ForeignKey(model, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", **kwargs)


class ParticipationFact(models.Model):
    participation = models.OneToOneField(
        Participation,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="audit_fact",
    )
    person = _ref(Person)
    session = _ref(TrainingSession)
    course = _ref(Course)
    kind = models.CharField(max_length=16, choices=SessionKind.choices)
    governorate = _ref(Governorate)
    training_centre = _ref(TrainingCentre)
    unit = _ref(PoliceUnit, null=True)
    station = _ref(Station, null=True)
    lead_trainer = _ref(Person, null=True)
    gender = models.CharField(max_length=1, choices=Gender.choices)
    generation = models.PositiveSmallIntegerField(null=True)
    start_date = models.DateField()
    year = models.PositiveSmallIntegerField()
    quarter = models.DateField(help_text="First day of the quarter the session started in.")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    completed = models.BooleanField()
    pre_score = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    post_score = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    gain = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    master_led_tot = models.BooleanField(help_text="A ToT session whose lead trainer is a master trainer.")
    qualified = models.BooleanField(help_text="The session earned the person a trainer qualification.")

    class Meta:
        verbose_name = _("participation fact")
        verbose_name_plural = _("participation facts")
        # (filter column, person): a single-filter count of distinct people reads only the index.
        indexes = [
            models.Index(fields=["governorate", "person"], name="audit_fact_gov_person"),
            models.Index(fields=["training_centre", "person"], name="audit_fact_centre_person"),
            models.Index(fields=["course", "person"], name="audit_fact_course_person"),
            models.Index(fields=["kind", "person"], name="audit_fact_kind_person"),
            models.Index(fields=["generation", "person"], name="audit_fact_gen_person"),
            models.Index(fields=["start_date", "person"], name="audit_fact_date_person"),
            models.Index(fields=["gender", "person"], name="audit_fact_gender_person"),
            models.Index(fields=["station", "course"], name="audit_fact_station_course"),
            models.Index(fields=["session"], name="audit_fact_session"),
            models.Index(fields=["lead_trainer"], name="audit_fact_lead"),
        ]

    def __str__(self) -> str:
        return f"fact of participation {self.participation_id}"


class FactsState(models.Model):
    """A single row (pk 1)."""

    version = models.PositiveBigIntegerField(default=0)
    rebuilt_at = models.DateTimeField(null=True)
    updated_at = models.DateTimeField(null=True)
    rows = models.PositiveIntegerField(default=0)
    rebuild_seconds = models.FloatField(default=0)

    class Meta:
        verbose_name = _("audit figures state")
        verbose_name_plural = _("audit figures state")

    def __str__(self) -> str:
        return f"facts version {self.version}"


class PendingSession(models.Model):
    """One note that ``session_id`` changed after ``noted_at`` (several notes of one session count
    once). A refresh drops only the notes made before it began reading, so a change saved while it
    runs stays noted until the refresh queued for it."""

    session_id = models.BigIntegerField(db_index=True)
    noted_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("change not yet counted")
        verbose_name_plural = _("changes not yet counted")

    def __str__(self) -> str:
        return f"session {self.session_id} changed at {self.noted_at:%Y-%m-%d %H:%M:%S}"


class DashboardSnapshot(models.Model):
    key = models.CharField(max_length=64, unique=True)
    version = models.PositiveBigIntegerField()
    payload = models.JSONField()
    computed_at = models.DateTimeField(auto_now=True)
    compute_ms = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("dashboard snapshot")
        verbose_name_plural = _("dashboard snapshots")

    def __str__(self) -> str:
        return f"dashboard {self.key[:12]} at version {self.version}"


class DashboardPage(models.Model):
    key = models.CharField(max_length=64, unique=True)
    version = models.PositiveBigIntegerField()
    html = models.TextField()
    rendered_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("stored dashboard page")
        verbose_name_plural = _("stored dashboard pages")

    def __str__(self) -> str:
        return f"dashboard page {self.key[:12]} at version {self.version}"


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
    PDF = "pdf", "PDF"


class ExportLog(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    username = models.CharField(_("username"), max_length=150)
    exported_at = models.DateTimeField(_("exported at"), auto_now_add=True, db_index=True)
    what = models.CharField(_("what was exported"), max_length=64)
    format = models.CharField(_("format"), max_length=8, choices=ExportFormat.choices)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)

    class Meta:
        ordering = ["-exported_at"]
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log")

    def __str__(self) -> str:
        return f"{self.username} · {self.what}.{self.format} · {self.exported_at:%Y-%m-%d %H:%M}"
