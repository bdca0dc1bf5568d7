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
- ``FigureCell``, ``TrainerCell``, ``TrainerCohort``, ``PlacePeople``: the facts summed up by
  every dimension the dashboard filters on (``audit.cells``), so that any filter combination reads
  a few indexed rows instead of the facts. Derived from the facts in the same transaction that
  writes them.
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
    # Kept here rather than joined from the person at each read: a period's partial months are
    # summed from the facts on the spot, and a join to every person costs more than the facts.
    serves_in = _ref(Governorate, null=True, help_text="The governorate of the person's unit, else the person's own.")
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
        # The dashboard reads the summary cells; the facts serve the drill-down lists (by a
        # selective column), the cells' refresh (a centre's course in a month) and a period's
        # partial months.
        indexes = [
            models.Index(fields=["governorate", "person"], name="audit_fact_gov_person"),
            models.Index(fields=["training_centre", "course", "start_date"], name="audit_fact_slice"),
            models.Index(fields=["course", "person"], name="audit_fact_course_person"),
            models.Index(fields=["start_date", "person"], name="audit_fact_date_person"),
            models.Index(fields=["unit"], name="audit_fact_unit"),
            models.Index(fields=["station", "course"], name="audit_fact_station_course"),
            models.Index(fields=["session"], name="audit_fact_session"),
            models.Index(fields=["lead_trainer"], name="audit_fact_lead"),
        ]

    def __str__(self) -> str:
        return f"fact of participation {self.participation_id}"


class CellKey(models.Model):
    """The dimensions a cell sums the facts by (``FigureCell`` and ``TrainerCell``)."""

    governorate = _ref(Governorate)
    training_centre = _ref(TrainingCentre)
    course = _ref(Course)
    generation = models.PositiveSmallIntegerField(null=True)
    month = models.DateField(help_text="First day of the month the sessions started in.")
    gender = models.CharField(max_length=1, choices=Gender.choices)
    serves_in = _ref(Governorate, null=True)

    class Meta:
        abstract = True


class FigureCell(CellKey):
    """The facts of one combination of the dashboard's dimensions: the session's governorate,
    centre, course, kind and generation, the month it started in, the person's gender and the
    governorate they serve in. Counts add up across cells; the people (and the trainers of the
    cell's sessions, and the people a master-led ToT qualified) are stored as sorted sets of ids
    (``audit.cells.ids_pack``), so that distinct counts over any set of cells are exact."""

    kind = models.CharField(max_length=16, choices=SessionKind.choices)
    participations = models.PositiveIntegerField()
    completions = models.PositiveIntegerField()
    scored = models.PositiveIntegerField(help_text="Completed participations with a pre and a post score.")
    gain_sum = models.DecimalField(max_digits=14, decimal_places=2, help_text="Sum of the scored gains.")
    people = models.BinaryField()
    trainers = models.BinaryField(help_text="Trainers (lead or co) of the cell's sessions.")
    tot_trainers = models.BinaryField(help_text="People qualified by a ToT session led by a master trainer.")

    class Meta:
        verbose_name = _("dashboard figure cell")
        verbose_name_plural = _("dashboard figure cells")
        indexes = [
            # A scope (governorate or centre) and a course or period are leading keys of every read.
            models.Index(fields=["governorate", "course", "month"], name="audit_cell_gov"),
            models.Index(fields=["training_centre", "course", "month"], name="audit_cell_centre"),
        ]

    def __str__(self) -> str:
        return f"cell {self.training_centre_id}/{self.course_id}/{self.kind}/{self.month:%Y-%m}"


class TrainerCell(CellKey):
    """Scored cascade participations of one lead trainer, per dimension combination (as
    ``FigureCell``): their number and summed gain, for the learning gain by trainer."""

    lead_trainer = _ref(Person)
    scored = models.PositiveIntegerField()
    gain_sum = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("trainer figure cell")
        verbose_name_plural = _("trainer figure cells")
        indexes = [
            models.Index(fields=["governorate", "course", "month"], name="audit_tcell_gov"),
            models.Index(fields=["training_centre", "course", "month"], name="audit_tcell_centre"),
        ]

    def __str__(self) -> str:
        return f"trainer {self.lead_trainer_id} cell {self.training_centre_id}/{self.course_id}/{self.month:%Y-%m}"


class TrainerCohort(models.Model):
    """The scored gains of the ToT sessions that qualified one trainer for one course (whatever
    the dashboard's filters: it describes the trainer's own cohort)."""

    trainer = _ref(Person)
    course = _ref(Course)
    scored = models.PositiveIntegerField()
    gain_sum = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("trainer cohort gain")
        verbose_name_plural = _("trainer cohort gains")
        constraints = [models.UniqueConstraint(fields=["trainer", "course"], name="audit_cohort_unique")]

    def __str__(self) -> str:
        return f"cohort of trainer {self.trainer_id} in course {self.course_id}"


class PlacePeople(models.Model):
    """The people with a fact at one police station or unit (sorted ids, as ``FigureCell``)."""

    STATION, UNIT = "station", "unit"
    place_kind = models.CharField(max_length=8, choices=[(STATION, STATION), (UNIT, UNIT)])
    place_id = models.BigIntegerField()
    people = models.BinaryField()

    class Meta:
        verbose_name = _("people of a place")
        verbose_name_plural = _("people of places")
        constraints = [models.UniqueConstraint(fields=["place_kind", "place_id"], name="audit_place_unique")]

    def __str__(self) -> str:
        return f"people of {self.place_kind} {self.place_id}"


class FactsState(models.Model):
    """A single row (pk 1)."""

    version = models.PositiveBigIntegerField(default=0)
    rebuilt_at = models.DateTimeField(null=True)
    updated_at = models.DateTimeField(null=True)
    rows = models.PositiveIntegerField(default=0)
    rebuild_seconds = models.FloatField(default=0)
    cells_complete = models.BooleanField(
        default=True, help_text="The summary cells count every fact (false until a rebuild after an upgrade)."
    )

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
    render_ms = models.PositiveIntegerField(
        default=0, help_text="How long the figures and the body took to compute, in milliseconds."
    )

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
