"""``Target``: one line of the national training plan.

Invariants: at most one target per year, governorate, course and training centre (a governorate
line has no centre; the two cases are separate constraints because SQL treats NULLs as distinct);
the women target never exceeds the participant target; the centre lies in the governorate.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from courses.models import Course
from lms.models import Governorate, TrainingCentre


class Target(models.Model):
    year = models.PositiveSmallIntegerField(_("year"))
    governorate = models.ForeignKey(
        Governorate, verbose_name=_("governorate"), on_delete=models.PROTECT, related_name="targets"
    )
    training_centre = models.ForeignKey(
        TrainingCentre,
        verbose_name=_("training centre"),
        on_delete=models.PROTECT,
        related_name="targets",
        null=True,
        blank=True,
        help_text=_("Leave empty for a target of the whole governorate."),
    )
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="targets")
    target_participants = models.PositiveIntegerField(_("target participants"))
    target_women = models.PositiveIntegerField(_("target women"), default=0)

    class Meta:
        ordering = ["year", "governorate__name_en", "course__sort_order"]
        verbose_name = _("training target")
        verbose_name_plural = _("training targets")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "governorate", "course"],
                condition=Q(training_centre__isnull=True),
                name="plans_target_one_per_governorate_course_year",
            ),
            models.UniqueConstraint(
                fields=["year", "training_centre", "course"],
                condition=Q(training_centre__isnull=False),
                name="plans_target_one_per_centre_course_year",
            ),
            models.CheckConstraint(
                condition=Q(target_women__lte=F("target_participants")),
                name="plans_target_women_within_participants",
            ),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="plans_target_year_plausible"),
        ]
        indexes = [models.Index(fields=["year", "course"], name="plans_target_year_course")]

    def __str__(self) -> str:
        where = self.training_centre or self.governorate
        return f"{self.year} · {where} · {self.course.code}"

    def clean(self) -> None:
        centre = self.training_centre if self.training_centre_id else None
        if centre and self.governorate_id and centre.governorate_id != self.governorate_id:
            raise ValidationError({"training_centre": _("This training centre is not in the chosen governorate.")})
        women, participants = self.target_women, self.target_participants
        if women is not None and participants is not None and women > participants:
            raise ValidationError({"target_women": _("The women target cannot exceed the participant target.")})
