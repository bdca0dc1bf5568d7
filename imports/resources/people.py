"""People: one row per person, identified by service number."""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from cascade.permissions import people_of_centre
from imports import matching
from imports.resources.base import (
    HISTORY_REASON,
    RecordResource,
    chunks,
)
from imports.widgets import (
    CellWidget,
    ChoiceWidget,
    GovernorateWidget,
    PlaceWidget,
    ServiceNumberWidget,
)
from lms.bulk import records_create, records_update
from lms.models import Gender, Person, Rank
from lms.signals import COUNTED_FIELDS, people_changed
from lms.text import normalize_arabic

POSSIBLE_DUPLICATE = _(
    "Possibly the same person as {people}: same name, governorate and rank under another service number."
)
# A centre's import names only the namesakes its manager may see; the others are counted.
POSSIBLE_DUPLICATE_ELSEWHERE = _(
    "Possibly the same person as someone recorded outside your centre: same name, governorate and rank "
    "(records outside your centre: {count}). An administrator can compare them."
)
PERSON_OUTSIDE_CENTRE = _(
    "Service number {number} is already recorded for someone who has not trained or been trained at {own}: "
    "only an administrator can import changes to their record. Leave the row out; your participations "
    "and sessions files can still name them."
)


def _people_of_centre(numbers: list[str], centre) -> set[str]:
    """Those of ``numbers`` whom ``centre``'s manager may change (``cascade.permissions.people_of_centre``)."""
    found: set[str] = set()
    of_centre = people_of_centre(centre.pk)
    for chunk in chunks(numbers):
        found.update(of_centre.filter(service_number__in=chunk).values_list("service_number", flat=True))
    return found


def _counted_differently(people: list[Person]) -> list[int]:
    """Those of ``people`` (changed, not yet saved) whom the cascade's figures would count by a
    different gender, governorate, unit or station than the stored record."""
    columns = [f"{name}_id" if name != "gender" else name for name in COUNTED_FIELDS]
    stored: dict[int, list] = {}
    for chunk in chunks([p.pk for p in people]):
        stored.update((pk, rest) for pk, *rest in Person.objects.filter(pk__in=chunk).values_list("pk", *columns))
    return [p.pk for p in people if stored.get(p.pk) != [getattr(p, c) for c in columns]]


class PersonResource(RecordResource):
    service_number = Field("service_number", "service_number", ServiceNumberWidget(required=True, max_length=32))
    name_ar = Field("name_ar", "name_ar", CellWidget(required=True, max_length=200))
    name_latin = Field("name_latin", "name_latin", CellWidget(max_length=200))
    gender = Field("gender", "gender", ChoiceWidget(Gender, required=True))
    rank = Field("rank", "rank", ChoiceWidget(Rank))
    unit = Field("unit", "unit", PlaceWidget(place="unit"))
    station = Field("station", "station", PlaceWidget(place="station"))
    governorate = Field("governorate", "governorate", GovernorateWidget(required=True))

    identity_field = "service_number"

    class Meta(RecordResource.Meta):
        model = Person
        fields = ("service_number", "name_ar", "name_latin", "gender", "rank", "unit", "station", "governorate")
        import_id_fields = ("service_number",)

    def _number(self, row) -> str | None:
        try:
            return self.fields["service_number"].widget.clean(row.get("service_number"))
        except ValueError:
            return None

    def preload(self, dataset):
        numbers = {n for n in (self._number(row) for row in dataset.dict) if n}
        self.existing: dict[str, Person] = {}
        for chunk in chunks(numbers):
            self.existing.update(
                (p.service_number, p)
                for p in Person.objects.filter(service_number__in=chunk).select_related(
                    "governorate", "unit", "station"
                )
            )
        self.in_scope: set[str] = set()
        if self.scope_centre is not None:
            self.in_scope = _people_of_centre(list(self.existing), self.scope_centre)
        # Stored people who share a normalised name with someone in the file: possible duplicates.
        names = {normalize_arabic(matching.text(row.get("name_ar"))) for row in dataset.dict} - {""}
        self.namesakes: dict[tuple, set[str]] = defaultdict(set)
        for chunk in chunks(names):
            for number, name, governorate_id, rank in Person.objects.filter(name_ar_normalized__in=chunk).values_list(
                "service_number", "name_ar_normalized", "governorate_id", "rank"
            ):
                self.namesakes[(name, governorate_id, rank)].add(number)
        # Whose service numbers a warning may show: everyone's for an administrator; for a centre's
        # import, the people its manager may see and the rows of the file itself (added as read).
        self.namesakes_shown: set[str] | None = None
        if self.scope_centre is not None:
            stored = set().union(*self.namesakes.values()) if self.namesakes else set()
            self.namesakes_shown = _people_of_centre(sorted(stored), self.scope_centre)

    def identity(self, row):
        return self._number(row)

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        # A training-centre manager adds new people, and updates only the people of their centre's
        # sessions; a row naming anyone else is refused whether or not it would change them, so
        # the dry run tells a manager nothing about records they may not read.
        number = self._number(row)
        if self.scope_centre is not None and number in self.existing and number not in self.in_scope:
            raise ValidationError(
                {"service_number": str(PERSON_OUTSIDE_CENTRE.format(number=number, own=self.scope_centre))}
            )

    def find_existing(self, row):
        number = self._number(row)
        return self.existing.get(number) if number else None

    def prepare(self, instance):
        instance.name_ar_normalized = normalize_arabic(instance.name_ar or "")

    def check_row(self, instance):
        instance.clean()  # unit and station lie in the person's governorate
        key = (instance.name_ar_normalized, instance.governorate_id, instance.rank)
        others = self.namesakes[key] - {instance.service_number}
        shown = others if self.namesakes_shown is None else others & self.namesakes_shown
        if shown:
            self.warnings[self.current_row].append(str(POSSIBLE_DUPLICATE.format(people=", ".join(sorted(shown)))))
        if others - shown:
            self.warnings[self.current_row].append(str(POSSIBLE_DUPLICATE_ELSEWHERE.format(count=len(others - shown))))
        self.namesakes[key].add(instance.service_number)
        if self.namesakes_shown is not None:
            self.namesakes_shown.add(instance.service_number)  # a row of the file: its importer knows it

    def apply(self, pending):
        now = timezone.now()
        new = [instance for _, instance, is_create in pending if is_create]
        updated = [instance for _, instance, is_create in pending if not is_create]
        records_create(new, Person, user=self.acting_user, reason=HISTORY_REASON, batch_size=2000)
        for instance in updated:
            instance.updated_at = now
        fields = [*self._meta.fields[1:], "name_ar_normalized", "updated_at"]
        recounted = _counted_differently(updated)
        records_update(updated, fields, Person, user=self.acting_user, reason=HISTORY_REASON, batch_size=1000)
        if recounted:
            people_changed.send(sender=Person, person_ids=recounted)
        self.progress_step(self.total)
