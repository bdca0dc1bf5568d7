"""Reference data from files: police units, police stations and training centres.

The same flow as the record kinds (``imports.resources.base.RecordResource``): a dry run, a report of
every row, all rows or none, unchanged rows skipped, history rows naming the importing account.
Identities: a unit or a station by governorate and English name (the database's own uniqueness),
compared Arabic-normalised and without case; a training centre by its code. A station names its
unit in the same governorate; a units file loaded first makes them known.

Administrators only (``imports.access``): reference data is the Directorate's.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from imports import matching
from imports.resources.base import RecordResource
from imports.widgets import BoundWidget, CellWidget, GovernorateWidget
from lms.models import PoliceUnit, Station, TrainingCentre

NOT_YES_OR_NO = _("“{value}” is not yes or no (نعم / لا).")
UNKNOWN_UNIT_OF_STATION = _("No unit called “{value}” in the station's governorate.")
NAME_TAKEN = _("Another {place} of this governorate is already called “{name}”.")

YES = {"yes", "y", "true", "1", "x", "✓", "نعم", "ن", "صح"}
NO = {"no", "n", "false", "0", "لا", "كلا"}


class YesNoWidget(CellWidget):
    """yes / no in English or Arabic (also 1/0, true/false, ✓); no for an empty cell."""

    def empty(self):
        return False

    def parse(self, raw, row):
        folded = matching.key(raw)
        if folded in {matching.key(v) for v in YES}:
            return True
        if folded in {matching.key(v) for v in NO}:
            return False
        raise ValueError(str(NOT_YES_OR_NO.format(value=raw)))


class StationUnitWidget(BoundWidget):
    row_dependent = True  # looked up within the row's governorate

    def parse(self, raw, row):
        governorate = self.resource.lookups.governorate((row or {}).get("governorate"))
        if governorate is None:
            return None
        found = self.resource.lookups.unit(governorate.pk, raw)
        if found is None:
            raise ValueError(str(UNKNOWN_UNIT_OF_STATION.format(value=raw)))
        return found


def _place_key(row, lookups) -> tuple | None:
    governorate = lookups.governorate(row.get("governorate"))
    name = matching.key(row.get("name_en") or "")
    return (governorate.pk, name) if governorate is not None and name else None


class _PlaceResource(RecordResource):
    """A unit or a station: identity (governorate, English name)."""

    identity_field = "name_en"
    place_label = ""

    def preload(self, dataset):
        self.existing = {}
        for place in self._meta.model.objects.all():
            self.existing.setdefault((place.governorate_id, matching.key(place.name_en)), place)
        # Both names are unique within a governorate: a new Arabic name may not repeat another's.
        self.arabic_names = {(p.governorate_id, matching.key(p.name_ar)): p.pk for p in self.existing.values()}

    def identity(self, row):
        return _place_key(row, self.lookups)

    def find_existing(self, row):
        key = _place_key(row, self.lookups)
        return self.existing.get(key) if key else None

    def check_row(self, instance):
        key = (instance.governorate_id, matching.key(instance.name_ar))
        mine = instance.pk or ("row", self.current_row)
        if self.arabic_names.setdefault(key, mine) != mine:
            raise ValidationError({"name_ar": str(NAME_TAKEN.format(place=self.place_label, name=instance.name_ar))})


class PoliceUnitResource(_PlaceResource):
    governorate = Field("governorate", "governorate", GovernorateWidget(required=True))
    name_en = Field("name_en", "name_en", CellWidget(required=True, max_length=200))
    name_ar = Field("name_ar", "name_ar", CellWidget(required=True, max_length=200))

    place_label = _("unit")

    class Meta(RecordResource.Meta):
        model = PoliceUnit
        fields = ("governorate", "name_en", "name_ar")
        import_id_fields = ("governorate", "name_en")

    def apply(self, pending):
        self.save_pending(pending, ["name_en", "name_ar"])
        self.progress_step(self.total)


class StationResource(_PlaceResource):
    governorate = Field("governorate", "governorate", GovernorateWidget(required=True))
    unit = Field("unit", "unit", StationUnitWidget(required=True))
    name_en = Field("name_en", "name_en", CellWidget(required=True, max_length=200))
    name_ar = Field("name_ar", "name_ar", CellWidget(required=True, max_length=200))
    is_model_police_station = Field("is_model_police_station", "model_police_station", YesNoWidget())

    place_label = _("police station")

    class Meta(RecordResource.Meta):
        model = Station
        fields = ("governorate", "unit", "name_en", "name_ar", "is_model_police_station")
        import_id_fields = ("governorate", "name_en")

    def apply(self, pending):
        self.save_pending(pending, ["unit", "name_en", "name_ar", "is_model_police_station"])
        self.progress_step(self.total)


class TrainingCentreResource(RecordResource):
    code = Field("code", "code", CellWidget(required=True, max_length=16))
    name_en = Field("name_en", "name_en", CellWidget(required=True, max_length=200))
    name_ar = Field("name_ar", "name_ar", CellWidget(required=True, max_length=200))
    governorate = Field("governorate", "governorate", GovernorateWidget(required=True))

    identity_field = "code"

    class Meta(RecordResource.Meta):
        model = TrainingCentre
        fields = ("code", "name_en", "name_ar", "governorate")
        import_id_fields = ("code",)

    def preload(self, dataset):
        self.existing = {matching.key(c.code): c for c in TrainingCentre.objects.all()}

    def identity(self, row):
        return matching.key(row.get("code") or "") or None

    def find_existing(self, row):
        return self.existing.get(matching.key(row.get("code") or ""))

    def apply(self, pending):
        self.save_pending(pending, ["code", "name_en", "name_ar", "governorate"])
        self.progress_step(self.total)


REFERENCE_RESOURCES: dict[str, type[RecordResource]] = {
    "units": PoliceUnitResource,
    "stations": StationResource,
    "centres": TrainingCentreResource,
}
