"""Plan targets: one row per year, governorate, training centre and course."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from imports import matching
from imports.resources.base import (
    RecordResource,
)
from imports.widgets import (
    CentreWidget,
    CountWidget,
    CourseWidget,
    GovernorateWidget,
)
from plans.models import Target
from plans.signals import targets_changed

YEAR_OUT_OF_RANGE = _("{year} is not a plan year (2000–2100).")


class TargetResource(RecordResource):
    year = Field("year", "year", CountWidget(required=True, default=None))
    governorate = Field("governorate", "governorate", GovernorateWidget(required=True))
    training_centre = Field("training_centre", "training_centre", CentreWidget())
    course = Field("course", "course_code", CourseWidget(required=True))
    target_participants = Field("target_participants", "target_participants", CountWidget(required=True))
    target_women = Field("target_women", "target_women", CountWidget())

    identity_field = "course"

    class Meta(RecordResource.Meta):
        model = Target
        fields = ("year", "governorate", "training_centre", "course", "target_participants", "target_women")
        import_id_fields = ("year", "governorate", "training_centre", "course")

    def _key(self, row):
        try:
            year = matching.parse_int(row.get("year"))
        except ValueError:
            return None
        governorate = self.lookups.governorate(row.get("governorate"))
        course = self.lookups.course(row.get("course_code"))
        centre = self.lookups.centre(row.get("training_centre"))
        if governorate is None or course is None or (matching.text(row.get("training_centre")) and centre is None):
            return None
        return (year, governorate.pk, centre.pk if centre else None, course.pk)

    def preload(self, dataset):
        years = set()
        for row in dataset.dict:
            try:
                years.add(matching.parse_int(row.get("year")))
            except ValueError:
                continue
        self.existing = {
            (t.year, t.governorate_id, t.training_centre_id, t.course_id): t
            for t in Target.objects.filter(year__in=years)
        }

    def identity(self, row):
        return self._key(row)

    def find_existing(self, row):
        key = self._key(row)
        return self.existing.get(key) if key else None

    def check_row(self, instance):
        if not 2000 <= instance.year <= 2100:
            raise ValidationError({"year": str(YEAR_OUT_OF_RANGE.format(year=instance.year))})
        instance.clean()  # the centre lies in the governorate; women within participants
        self.scope_error("training_centre", instance.training_centre if instance.training_centre_id else None)

    def apply(self, pending):
        self.save_pending(pending, ["target_participants", "target_women"])
        if pending:
            targets_changed.send(sender=Target)
        self.progress_step(self.total)
