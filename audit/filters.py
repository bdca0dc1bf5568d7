"""The dashboard's filters (django-filter) over the participation facts of one scope.

Governorate, centre and station choices are limited to the scope, so a governorate officer
cannot even name another governorate; the facts are scoped before any filter runs as well.
``station``, ``unit``, ``lead_trainer``, ``year`` and ``quarter`` are not on the form: the
drill-down links set them to name the cell a number came from.
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from audit.models import ParticipationFact
from audit.selectors import AuditScope, facts_visible_to
from cascade.models import SessionKind
from courses.models import Course
from lms.models import Gender, Governorate, PoliceUnit, Station, TrainingCentre

GENERATION_CHOICES = [(str(n), _("Generation %(number)s") % {"number": n}) for n in range(1, 6)]
FORM_FIELDS = ("governorate", "training_centre", "course", "kind", "generation", "gender", "period")
DRILL_FIELDS = ("station", "unit", "lead_trainer", "year", "quarter")


class FactFilter(django_filters.FilterSet):
    governorate = django_filters.ModelChoiceFilter(label=_("Governorate"), queryset=Governorate.objects.none())
    training_centre = django_filters.ModelChoiceFilter(
        label=_("Training centre"), queryset=TrainingCentre.objects.none()
    )
    course = django_filters.ModelChoiceFilter(label=_("Course"), queryset=Course.objects.all())
    kind = django_filters.ChoiceFilter(label=_("Session kind"), choices=SessionKind.choices)
    generation = django_filters.ChoiceFilter(label=_("Generation"), choices=GENERATION_CHOICES)
    gender = django_filters.ChoiceFilter(label=_("Gender"), choices=Gender.choices)
    period = django_filters.DateFromToRangeFilter(
        label=_("Period"),
        field_name="start_date",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    station = django_filters.ModelChoiceFilter(queryset=Station.objects.none(), field_name="station")
    unit = django_filters.ModelChoiceFilter(queryset=PoliceUnit.objects.none(), field_name="unit")
    lead_trainer = django_filters.NumberFilter(field_name="lead_trainer_id")
    year = django_filters.NumberFilter(field_name="year")
    quarter = django_filters.DateFilter(field_name="quarter")

    class Meta:
        model = ParticipationFact
        fields: list[str] = []

    def __init__(self, data=None, *, scope: AuditScope, **kwargs) -> None:
        super().__init__(data, queryset=facts_visible_to(scope), **kwargs)
        self.scope = scope
        governorates = scope.governorates()
        self.filters["governorate"].queryset = governorates
        self.filters["training_centre"].queryset = scope.centres()
        self.filters["station"].queryset = Station.objects.filter(governorate__in=governorates)
        self.filters["unit"].queryset = PoliceUnit.objects.filter(governorate__in=governorates)

    @property
    def cleaned(self) -> dict:
        """The valid filter values (empty when the form is invalid: the view answers 400 then)."""
        return {key: value for key, value in self.form.cleaned_data.items() if value not in (None, "")}
