"""People and places: who is trained, and where.

Nouns:
- ``Governorate``: one of Iraq's 18; ``is_kurdistan_region`` marks Erbil, Duhok and Sulaymaniyah
  (the national training plan excludes them).
- ``PoliceUnit``: a police directorate or unit within one governorate.
- ``Station``: a police station of a unit; ``is_model_police_station`` marks the MPS pilots.
- ``TrainingCentre``: an MOI training centre or academy in one governorate.
- ``Person``: every trainee and trainer. The MOI service number is unique and is the natural key
  for imports. A person may be a participant in one session and a trainer in another. Master
  trainers (the programme's own experts) are generation 0 of the cascade.

Invariants: a station's governorate is its unit's governorate; a person's name is kept as written
(``name_ar``) and in a normalised form (``name_ar_normalized``) used only for matching.

Learning records (the e-learning platform; workflows in ``lms/services.py``):
- ``CompletionRule``: per course, what completing it takes (defaults: pass mark 70 %, 3 attempts,
  all modules, module quizzes passed, post-test at least the pass mark).
- ``Enrolment``: a person taking a course; at most one per person and course.
- ``LessonCompletion``: a lesson finished; one per enrolment and lesson, keyed by the lesson page's
  ``translation_key`` so progress survives a change of language.
- ``QuizAttempt``: a pre-test, module quiz or post-test attempt, with its one-time token.
- ``CourseCompletion``: an enrolment that met its course's rules; one per enrolment.
- ``LearningStatement``: the xAPI-shaped statement written with each of the records above.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from lms.input_policy import check_name, check_service_number
from lms.text import normalize_arabic


def person_label(name_ar: str, service_number: str) -> str:
    """How a person is named in lists and messages. The Arabic name is isolated (U+2068…U+2069)
    so that an English page does not reorder it with the service number."""
    return f"\u2068{name_ar}\u2069 ({service_number})"


class BilingualName(models.Model):
    name_en = models.CharField(_("English name"), max_length=200)
    name_ar = models.CharField(_("Arabic name"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "ar").startswith("en") else self.name_ar


def in_reading_order(queryset: models.QuerySet) -> models.QuerySet:
    """Governorates, centres, units or stations in the alphabetical order of the names the reader
    sees (Arabic names on an Arabic page; the models' own ordering follows the English names)."""
    name = "name_en" if (get_language() or "ar").startswith("en") else "name_ar"
    if queryset.model is Governorate:
        return queryset.order_by(name)
    return queryset.order_by(f"governorate__{name}", name)


class Governorate(BilingualName):
    code = models.CharField(_("code"), max_length=8, unique=True)
    is_kurdistan_region = models.BooleanField(_("Kurdistan Region"), default=False)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("governorate")
        verbose_name_plural = _("governorates")

    def natural_key(self) -> tuple[str]:
        return (self.code,)


class PoliceUnit(BilingualName):
    governorate = models.ForeignKey(
        Governorate, verbose_name=_("governorate"), on_delete=models.PROTECT, related_name="units"
    )

    class Meta:
        ordering = ["governorate__name_en", "name_en"]
        verbose_name = _("police directorate or unit")
        verbose_name_plural = _("police directorates and units")
        constraints = [models.UniqueConstraint(fields=["governorate", "name_en"], name="unit_unique_name")]


class Station(BilingualName):
    unit = models.ForeignKey(PoliceUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="stations")
    governorate = models.ForeignKey(
        Governorate, verbose_name=_("governorate"), on_delete=models.PROTECT, related_name="stations"
    )
    is_model_police_station = models.BooleanField(_("Model Police Station"), default=False)

    class Meta:
        ordering = ["governorate__name_en", "name_en"]
        verbose_name = _("police station")
        verbose_name_plural = _("police stations")
        constraints = [models.UniqueConstraint(fields=["governorate", "name_en"], name="station_unique_name")]

    def clean(self) -> None:
        if self.unit_id and self.governorate_id and self.unit.governorate_id != self.governorate_id:
            raise ValidationError({"unit": _("The unit belongs to another governorate than the station.")})


class TrainingCentre(BilingualName):
    code = models.CharField(_("code"), max_length=16, unique=True)
    governorate = models.ForeignKey(
        Governorate, verbose_name=_("governorate"), on_delete=models.PROTECT, related_name="training_centres"
    )

    class Meta:
        ordering = ["governorate__name_en", "name_en"]
        verbose_name = _("training centre")
        verbose_name_plural = _("training centres")

    def natural_key(self) -> tuple[str]:
        return (self.code,)


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Rank(models.TextChoices):
    """Iraqi police ranks, from constable to major general."""

    POLICEMAN = "policeman", _("Policeman")
    CORPORAL = "corporal", _("Corporal")
    SERGEANT = "sergeant", _("Sergeant")
    CHIEF_SERGEANT = "chief_sergeant", _("Chief Sergeant")
    COMMISSIONER = "commissioner", _("Police Commissioner")
    LIEUTENANT = "lieutenant", _("Lieutenant")
    FIRST_LIEUTENANT = "first_lieutenant", _("First Lieutenant")
    CAPTAIN = "captain", _("Captain")
    MAJOR = "major", _("Major")
    LIEUTENANT_COLONEL = "lieutenant_colonel", _("Lieutenant Colonel")
    COLONEL = "colonel", _("Colonel")
    BRIGADIER = "brigadier", _("Brigadier")
    MAJOR_GENERAL = "major_general", _("Major General")
    CIVILIAN = "civilian", _("Civilian expert")


class PersonQuerySet(models.QuerySet):
    def master_trainers(self) -> "PersonQuerySet":
        return self.filter(is_master_trainer=True)

    def search_name(self, text: str) -> "PersonQuerySet":
        """People whose name holds every word of ``text``, in any order and whatever its Arabic
        spelling variant, or whose service number holds it.

        Offices write a name with the parts they know: first, father's and family name finds
        the full four-part name, and part of a service number (in Arabic-Indic digits too) finds it.
        """
        words = normalize_arabic(text).split()
        if not words:
            return self.none()
        arabic, latin = models.Q(), models.Q()
        for word in words:
            arabic &= models.Q(name_ar_normalized__contains=word)
        for word in text.split():
            latin &= models.Q(name_latin__icontains=word)
        number = "".join(words)  # the digits folded to 0–9; a number typed with spaces is one number
        return self.filter(arabic | latin | models.Q(service_number__icontains=number))


class Person(models.Model):
    service_number = models.CharField(_("service number"), max_length=32, unique=True)
    name_ar = models.CharField(_("full name (Arabic)"), max_length=200)
    name_latin = models.CharField(_("full name (Latin script)"), max_length=200, blank=True)
    name_ar_normalized = models.CharField(max_length=200, editable=False, db_index=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    rank = models.CharField(_("rank"), max_length=32, choices=Rank.choices, blank=True)
    governorate = models.ForeignKey(
        Governorate, verbose_name=_("governorate"), on_delete=models.PROTECT, related_name="people"
    )
    unit = models.ForeignKey(
        PoliceUnit, verbose_name=_("unit"), on_delete=models.PROTECT, null=True, blank=True, related_name="people"
    )
    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, null=True, blank=True, related_name="people"
    )
    is_master_trainer = models.BooleanField(
        _("master trainer"),
        default=False,
        help_text=_("The programme's own experts: generation 0 of the cascade."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name_ar"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.CheckConstraint(condition=models.Q(gender__in=["M", "F"]), name="person_gender_valid"),
            models.CheckConstraint(condition=~models.Q(service_number=""), name="person_service_number_present"),
        ]

    def __str__(self) -> str:
        return person_label(self.name_ar, self.service_number)

    def save(self, *args, **kwargs) -> None:
        # Derived column kept in step with the name; bulk paths call normalize_arabic themselves.
        self.name_ar_normalized = normalize_arabic(self.name_ar)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = {}
        # Names and the service number (which becomes a login name) keep to the input policy.
        checks = {"service_number": check_service_number, "name_ar": check_name, "name_latin": check_name}
        for name, check in checks.items():
            value = getattr(self, name)
            if value:
                try:
                    setattr(self, name, check(value, field=self._meta.get_field(name).verbose_name))
                except ValidationError as error:
                    errors[name] = error
        if self.unit_id and self.governorate_id and self.unit.governorate_id != self.governorate_id:
            errors["unit"] = _("The unit belongs to another governorate than the person.")
        if self.station_id and self.governorate_id and self.station.governorate_id != self.governorate_id:
            errors["station"] = _("The station belongs to another governorate than the person.")
        if errors:
            raise ValidationError(errors)

    def natural_key(self) -> tuple[str]:
        return (self.service_number,)


class StaffScope(models.Model):
    """The place a staff account's role is limited to.

    A training-centre manager is scoped to a centre, a governorate training officer to a
    governorate; directorate auditors and administrators have no scope (they see everything).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="staff_scope"
    )
    governorate = models.ForeignKey(
        Governorate, verbose_name=_("governorate"), on_delete=models.PROTECT, null=True, blank=True
    )
    training_centre = models.ForeignKey(
        TrainingCentre, verbose_name=_("training centre"), on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        verbose_name = _("staff scope")
        verbose_name_plural = _("staff scopes")

    def __str__(self) -> str:
        return f"{self.user} → {self.training_centre or self.governorate or '—'}"


# --- Learning records ------------------------------------------------------------------------
# Lessons and modules are Wagtail pages owned by ``courses``; learning records point at them by
# their ``translation_key`` (the same in Arabic and English) and module number, never by page id,
# so a trainee who switches language keeps their progress.


class CompletionRule(models.Model):
    """What finishing a course on the e-learning platform takes. A course without a row uses the
    defaults (``CompletionRule.for_course``)."""

    course = models.OneToOneField(
        "courses.Course", verbose_name=_("course"), on_delete=models.CASCADE, related_name="completion_rule"
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=70, help_text=_("Score needed to pass a module quiz or the post-test.")
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts allowed"), default=3, help_text=_("Attempts per module quiz and for the post-test.")
    )
    require_all_modules = models.BooleanField(_("every lesson of every module completed"), default=True)
    require_module_quizzes = models.BooleanField(_("every module quiz passed"), default=True)
    require_post_test = models.BooleanField(_("post-test passed (score at least the pass mark)"), default=True)

    class Meta:
        verbose_name = _("completion rule")
        verbose_name_plural = _("completion rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_mark__gte=1, pass_mark__lte=100), name="completion_rule_pass_mark_percent"
            ),
            models.CheckConstraint(condition=models.Q(max_attempts__gte=1), name="completion_rule_attempts_positive"),
        ]

    def __str__(self) -> str:
        return str(self.course)

    @classmethod
    def for_course(cls, course) -> "CompletionRule":
        """The course's rule, or an unsaved one with the defaults."""
        return cls.objects.filter(course=course).first() or cls(course=course)


class Enrolment(models.Model):
    """A person taking a course on the e-learning platform: at most one per person and course."""

    class Source(models.TextChoices):
        SELF = "self", _("Self-enrolled")
        MANAGER = "manager", _("Enrolled by a manager")

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="enrolments")
    course = models.ForeignKey(
        "courses.Course", verbose_name=_("course"), on_delete=models.PROTECT, related_name="enrolments"
    )
    source = models.CharField(_("enrolled how"), max_length=8, choices=Source.choices, default=Source.SELF)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enrolled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)

    class Meta:
        ordering = ["course__sort_order", "course__code"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [models.UniqueConstraint(fields=["person", "course"], name="enrolment_once_per_course")]

    def __str__(self) -> str:
        return f"{self.person} — {self.course.code}"


class LessonCompletion(models.Model):
    """A lesson finished by an enrolled person: one row however often it is reported."""

    class Method(models.TextChoices):
        SCROLLED = "scrolled", _("Read to the end")
        BUTTON = "button", _("Marked complete")

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="lesson_completions"
    )
    lesson_key = models.UUIDField(_("lesson"), help_text=_("The lesson page's translation key."))
    module_number = models.PositiveSmallIntegerField(_("module"))
    method = models.CharField(_("how"), max_length=8, choices=Method.choices)
    completed_at = models.DateTimeField(_("completed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lesson completion")
        verbose_name_plural = _("lesson completions")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "lesson_key"], name="lesson_completed_once"),
            models.CheckConstraint(condition=models.Q(module_number__gte=1), name="lesson_completion_module_number"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment} — {self.lesson_key}"


class QuizKind(models.TextChoices):
    PRE_TEST = "pre", _("Pre-test")
    MODULE = "module", _("Module quiz")
    POST_TEST = "post", _("Post-test")


class QuizAttempt(models.Model):
    """One attempt at a quiz, created when the quiz is served and graded once when submitted.

    ``token`` is handed out with the served quiz and must come back with the answers; setting
    ``submitted_at`` consumes it, so a replayed submission finds nothing to grade. ``number`` counts
    the attempts of one person at one quiz (1, 2, …) and is unique, so two tabs cannot both open
    attempt 2. Pre- and post-tests have ``module_number`` 0.
    """

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    kind = models.CharField(_("quiz"), max_length=8, choices=QuizKind.choices)
    module_number = models.PositiveSmallIntegerField(_("module"), default=0)
    number = models.PositiveSmallIntegerField(_("attempt"))
    token = models.UUIDField(_("attempt token"), unique=True, editable=False)
    question_ids = models.JSONField(_("questions served"), default=list)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    served_at = models.DateTimeField(_("served at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)

    class Meta:
        ordering = ["served_at"]
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "kind", "module_number", "number"], name="quiz_attempt_number"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="module", module_number__gte=1)
                    | (~models.Q(kind="module") & models.Q(module_number=0))
                ),
                name="quiz_attempt_module_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=0, score__lte=100),
                name="quiz_attempt_score_percent",
            ),
            models.CheckConstraint(
                condition=models.Q(submitted_at__isnull=True, score__isnull=True)
                | models.Q(submitted_at__isnull=False, score__isnull=False),
                name="quiz_attempt_graded_when_submitted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment} — {self.get_kind_display()} {self.module_number or ''} #{self.number}"


class CourseCompletion(models.Model):
    """An enrolment whose course's completion rules were met; created once, never undone by later attempts."""

    enrolment = models.OneToOneField(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="completion"
    )
    completed_at = models.DateTimeField(_("completed at"))
    pre_score = models.DecimalField(_("pre-test score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    post_score = models.DecimalField(_("post-test score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("course completion")
        verbose_name_plural = _("course completions")

    def __str__(self) -> str:
        return str(self.enrolment)

    @property
    def gain(self):
        """Post-test minus pre-test score in percentage points (None without both)."""
        if self.pre_score is None or self.post_score is None:
            return None
        return self.post_score - self.pre_score


class LearningStatement(models.Model):
    """An xAPI-shaped statement (actor, verb, object, result, timestamp) written with the record it
    describes, so the records can be sent to a Learning Record Store later."""

    id = models.UUIDField(primary_key=True, editable=False)
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="learning_statements"
    )
    verb = models.CharField(_("verb"), max_length=200)
    object_id = models.CharField(_("object"), max_length=500)
    timestamp = models.DateTimeField(_("timestamp"), db_index=True)
    statement = models.JSONField(_("statement"))

    class Meta:
        ordering = ["timestamp", "id"]
        verbose_name = _("learning statement")
        verbose_name_plural = _("learning statements")

    def __str__(self) -> str:
        return f"{self.person.service_number} {self.verb.rsplit('/', 1)[-1]} {self.object_id}"
