"""The catalogue of the eight mandatory MPS courses.

Nouns: ``Course``. Invariants: a course code (``MPS-01`` … ``MPS-08``) is unique and never
changes once sessions reference it; every course has an Arabic and an English title. The CMS
pages that carry a course's content hang from this record; this app holds no learner data.
"""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Course(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True)
    title_en = models.CharField(_("English title"), max_length=200)
    title_ar = models.CharField(_("Arabic title"), max_length=200)
    hours = models.PositiveSmallIntegerField(_("face-to-face hours"))
    audience_en = models.TextField(_("audience (English)"), blank=True)
    audience_ar = models.TextField(_("audience (Arabic)"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="course_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    @property
    def title(self) -> str:
        """The title in the active language (Arabic unless English is active)."""
        return self.title_en if (get_language() or "ar").startswith("en") else self.title_ar

    def natural_key(self) -> tuple[str]:
        return (self.code,)
