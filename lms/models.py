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
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

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
        """Names containing ``text`` whatever its Arabic spelling variant, or a service-number prefix."""
        needle = normalize_arabic(text)
        return self.filter(
            models.Q(name_ar_normalized__contains=needle)
            | models.Q(name_latin__icontains=text.strip())
            | models.Q(service_number__startswith=text.strip())
        )


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
