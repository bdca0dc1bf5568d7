"""Training sessions and the cascade they form.

Nouns:
- ``TrainingSession``: one delivery of a course. Its kind is ToT (trains trainers), cascade
  (delivered by qualified MOI trainers) or direct (delivered by the programme's own experts).
  It may carry headcounts by gender: the participants *reported*, named or not yet named.
- ``SessionTrainer``: a person training in a session, as lead or co-trainer.
- ``Participation``: a person taking part in a session, with days attended, pre/post-test scores
  and an outcome.
- ``TrainerQualification``: a person's licence to deliver a course, earned by completing a ToT
  session for it, valid from/until.
- ``AttendanceDay``: one day of the session a participant was present; ``days_attended`` is their
  count when days are recorded one by one (rosters imported with a count only have no days).
- ``SessionReopening``: the log of a closed session reopened by a training-centre manager, with
  who, when and why.

Headcounts and names: ``headcount_male``/``headcount_female`` are the participants *reported*, by
gender. Each is at least the number of named participants of that gender: naming someone already
counted raises only the named-coverage share (named ÷ reported); naming someone beyond the count
raises the count by one. Nobody is counted twice.

The lineage is the graph trainer → participant through sessions; it is a DAG, not a tree.
Master trainers are generation 0, and a session's participants are one generation below its
trainers (see ``cascade.lineage``).

Invariants (database constraints where a row can check itself, ``cascade.integrity`` for the
rules across rows, which every write path calls):
- end date ≥ start date; scores within 0–100; headcounts ≥ 0 and ≥ the named participants;
- attendance days lie within the session's dates;
- a person appears at most once per session as participant and once as trainer; one lead;
- nobody trains themselves and the lineage has no cycle;
- a cascade session's trainers hold a qualification for its course valid on its start date;
- a closed session does not change until a training-centre manager reopens it.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from courses.models import Course
from lms.models import Governorate, Person, TrainingCentre


class SessionKind(models.TextChoices):
    TOT = "tot", _("Training of trainers (ToT)")
    CASCADE = "cascade", _("Cascade")
    DIRECT = "direct", _("Direct")


class SessionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class TrainingSessionQuerySet(models.QuerySet):
    def tot(self) -> "TrainingSessionQuerySet":
        return self.filter(kind=SessionKind.TOT)

    def cascade(self) -> "TrainingSessionQuerySet":
        return self.filter(kind=SessionKind.CASCADE)

    def direct(self) -> "TrainingSessionQuerySet":
        return self.filter(kind=SessionKind.DIRECT)

    def closed(self) -> "TrainingSessionQuerySet":
        return self.filter(status=SessionStatus.CLOSED)

    def led_by_master_trainers(self) -> "TrainingSessionQuerySet":
        return self.filter(trainers__role=TrainerRole.LEAD, trainers__person__is_master_trainer=True)


class TrainingSession(ClusterableModel):
    ref = models.CharField(
        _("session reference"), max_length=64, unique=True, help_text=_("The reference used in rosters and imports.")
    )
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions")
    kind = models.CharField(_("kind"), max_length=16, choices=SessionKind.choices)
    training_centre = models.ForeignKey(
        TrainingCentre, verbose_name=_("training centre"), on_delete=models.PROTECT, related_name="sessions"
    )
    governorate = models.ForeignKey(
        Governorate, verbose_name=_("governorate"), on_delete=models.PROTECT, related_name="sessions"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(_("status"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.OPEN)
    headcount_male = models.PositiveIntegerField(
        _("men reported"), default=0, help_text=_("Men who took part, named or not yet named.")
    )
    headcount_female = models.PositiveIntegerField(
        _("women reported"), default=0, help_text=_("Women who took part, named or not yet named.")
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "ref"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="session_dates_in_order"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in SessionKind]), name="session_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "start_date"]),
            models.Index(fields=["governorate", "start_date"]),
            models.Index(fields=["training_centre", "start_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.ref} · {self.course.code} · {self.get_kind_display()}"

    @property
    def is_closed(self) -> bool:
        return self.status == SessionStatus.CLOSED

    @property
    def headcount_reported(self) -> int:
        return self.headcount_male + self.headcount_female

    @property
    def day_count(self) -> int:
        return (self.end_date - self.start_date).days + 1

    @property
    def days(self) -> list[date]:
        return [date.fromordinal(self.start_date.toordinal() + n) for n in range(self.day_count)]


class TrainerRole(models.TextChoices):
    LEAD = "lead", _("Lead trainer")
    CO_TRAINER = "co", _("Co-trainer")


class SessionTrainer(models.Model):
    session = ParentalKey(TrainingSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="trainers")
    person = models.ForeignKey(
        Person, verbose_name=_("trainer"), on_delete=models.PROTECT, related_name="trainer_roles"
    )
    role = models.CharField(_("role"), max_length=8, choices=TrainerRole.choices, default=TrainerRole.LEAD)

    class Meta:
        verbose_name = _("session trainer")
        verbose_name_plural = _("session trainers")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="trainer_once_per_session"),
            models.UniqueConstraint(
                fields=["session"], condition=models.Q(role="lead"), name="one_lead_trainer_per_session"
            ),
        ]
        indexes = [models.Index(fields=["person", "session"])]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


class Outcome(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    INCOMPLETE = "incomplete", _("Incomplete")
    WITHDRAWN = "withdrawn", _("Withdrawn")


def _score_in_range(field: str) -> models.Q:
    return models.Q(**{f"{field}__isnull": True}) | models.Q(**{f"{field}__gte": 0, f"{field}__lte": 100})


class Participation(models.Model):
    session = ParentalKey(
        TrainingSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="participations"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("participant"), on_delete=models.PROTECT, related_name="participations"
    )
    days_attended = models.PositiveSmallIntegerField(_("days attended"), default=0)
    pre_score = models.DecimalField(_("pre-test score"), max_digits=5, decimal_places=2, null=True, blank=True)
    post_score = models.DecimalField(_("post-test score"), max_digits=5, decimal_places=2, null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.INCOMPLETE)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="participant_once_per_session"),
            models.CheckConstraint(condition=_score_in_range("pre_score"), name="pre_score_0_100"),
            models.CheckConstraint(condition=_score_in_range("post_score"), name="post_score_0_100"),
            models.CheckConstraint(
                condition=models.Q(outcome__in=[o.value for o in Outcome]), name="participation_outcome_valid"
            ),
        ]
        indexes = [models.Index(fields=["person", "session"])]

    def __str__(self) -> str:
        return f"{self.person} @ {self.session.ref}"


class TrainerQualificationQuerySet(models.QuerySet):
    def valid_on(self, day: date) -> "TrainerQualificationQuerySet":
        return self.filter(valid_from__lte=day).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day)
        )


class TrainerQualification(models.Model):
    person = models.ForeignKey(
        Person, verbose_name=_("trainer"), on_delete=models.PROTECT, related_name="qualifications"
    )
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="qualifications"
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    source_session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("ToT session"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="qualifications_granted",
        help_text=_("The ToT session whose completion earned this qualification."),
    )

    objects = TrainerQualificationQuerySet.as_manager()

    class Meta:
        ordering = ["person", "course", "-valid_from"]
        verbose_name = _("trainer qualification")
        verbose_name_plural = _("trainer qualifications")
        constraints = [
            models.UniqueConstraint(fields=["person", "course", "source_session"], name="qualification_once_per_tot"),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=models.F("valid_from")),
                name="qualification_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.course.code}"


class AttendanceDay(models.Model):
    participation = models.ForeignKey(
        Participation, verbose_name=_("participation"), on_delete=models.CASCADE, related_name="attendance_days"
    )
    day = models.DateField(_("day"))

    class Meta:
        ordering = ["participation", "day"]
        verbose_name = _("attendance day")
        verbose_name_plural = _("attendance days")
        constraints = [models.UniqueConstraint(fields=["participation", "day"], name="attendance_once_per_day")]

    def __str__(self) -> str:
        return f"{self.participation} · {self.day}"


class SessionReopening(models.Model):
    """A closed session reopened by a training-centre manager: kept for the audit trail."""

    session = models.ForeignKey(
        TrainingSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="reopenings"
    )
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reopened by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    reopened_at = models.DateTimeField(_("reopened at"), default=timezone.now)
    reason = models.TextField(_("reason"))

    class Meta:
        ordering = ["-reopened_at"]
        verbose_name = _("session reopening")
        verbose_name_plural = _("session reopenings")
        constraints = [models.CheckConstraint(condition=~models.Q(reason=""), name="reopening_reason_present")]

    def __str__(self) -> str:
        return f"{self.session.ref} · {self.reopened_at:%Y-%m-%d}"


class LineageLink(models.Model):
    """One pair of the lineage index: ``ancestor`` trained ``descendant``, directly (depth 1) or through
    ``depth - 1`` people between them, by the shortest such path.

    Derived data: the transitive closure of the trainer → participant graph of sessions, kept in step
    by the cascade's writer with every trainer or participation row it writes or deletes
    (``cascade.lineage_upkeep``; rebuilt by ``links_rebuild`` after bulk loads). It turns reach,
    descendant pages and ancestor chains into index lookups instead of walks over the whole graph.
    """

    pk = models.CompositePrimaryKey("ancestor", "descendant")
    # No database constraints: derived rows, rebuilt in bulk (millions of checks for nothing). A person
    # with links has sessions, which protect them from deletion; the ORM still cascades to these rows.
    ancestor = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    descendant = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    depth = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("lineage link")
        verbose_name_plural = _("lineage links")
        indexes = [
            # Reach: a trainer's descendants level by level, counted or paged without touching the table.
            models.Index(fields=["ancestor", "depth", "descendant"], name="lineage_down"),
            # Chains: a person's ancestors, nearest first.
            models.Index(fields=["descendant", "depth", "ancestor"], name="lineage_up"),
        ]

    def __str__(self) -> str:
        return f"{self.ancestor_id} → {self.descendant_id} ({self.depth})"


def _derived_person(**kwargs) -> models.ForeignKey:
    """A person column of a derived table: no constraint, and nothing done on delete (the triggers that
    keep the table in step follow the deletion of the rows it is derived from; a merge leaves it alone)."""
    return models.ForeignKey(
        Person, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False, **kwargs
    )


class ReachCount(models.Model):
    """How many people are ``depth`` steps below ``ancestor`` in the lineage index (``people`` > 0).

    Derived data: the ``LineageLink`` rows grouped by (ancestor, depth). Database triggers on the index
    table (migration ``0005``) keep it in step with every pair inserted, moved to another depth or
    deleted; ``lineage_upkeep.links_rebuild`` switches them off and counts afresh. As each pair keeps its
    shortest depth, these are the distinct people per generation below the ancestor.
    """

    pk = models.CompositePrimaryKey("ancestor", "depth")
    ancestor = _derived_person()
    depth = models.PositiveSmallIntegerField()
    people = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("reach count")
        verbose_name_plural = _("reach counts")

    def __str__(self) -> str:
        return f"{self.ancestor_id} · {self.depth}: {self.people}"


class SessionGeneration(models.Model):
    """A session's generation: one below the best-placed of its trainers (master trainers are generation 0).

    Derived data, one row per session with a trainer connected to a master trainer (no row: no
    generation). ``course`` repeats the session's course (a trigger follows a change of course) so
    that counts per course and generation need no join. Written by ``cascade.lineage_upkeep`` whenever
    the index or a session's trainers change, and in bulk by its ``links_rebuild``.
    """

    session = models.OneToOneField(
        TrainingSession, on_delete=models.CASCADE, primary_key=True, related_name="+", db_constraint=False
    )
    course = models.ForeignKey(
        Course, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    generation = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("session generation")
        verbose_name_plural = _("session generations")

    def __str__(self) -> str:
        return f"{self.session_id}: {self.generation}"
