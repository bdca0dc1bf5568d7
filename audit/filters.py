"""The dashboard's filters (django-filter) over the participation facts of one scope.

Governorate, centre and station choices are limited to the scope, so a governorate officer
cannot even name another governorate; the facts are scoped before any filter runs as well.
``station``, ``unit``, ``lead_trainer``, ``year`` and ``quarter`` are not on the form: the
drill-down links set them to name the cell a number came from.

Two governorates belong to a participation: where the person was trained (``governorate``, the
governorate of the session's training centre, which the plan's targets count by) and where the
person serves (``serves_in``: the governorate of the person's unit, or the person's own when no
unit is recorded). The form names them "Trained in" and "Serves in" so a figure never mixes them.

``describe`` writes a set of filters (as stored in the export log) as labels and values a reader
understands: names, not ids.
"""

from datetime import date

import django_filters
from django import forms
from django.db.models import Max
from django.utils.functional import lazy
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from audit.models import FigureCell, ParticipationFact
from audit.selectors import AuditScope, facts_visible_to
from audit.tables import quarter_label
from cascade.models import SessionKind
from config.formats import date_input_hint_lazy, date_text
from courses.models import Course
from lms.models import Gender, Governorate, Person, PoliceUnit, Station, TrainingCentre, in_reading_order


def _generation_label(number: int) -> str:
    return gettext("Generation %(number)s") % {"number": number}


# Lazy: the label is put in the reader's language when the form is rendered, not at import time.
generation_label = lazy(_generation_label, str)


def generation_choices() -> list[tuple[str, str]]:
    """The generations the counted records reach, from the first to the deepest: a generation no
    one has reached yet is not offered. Read from the summary cells (a small table), or from the
    facts while the cells are being built."""
    deepest = FigureCell.objects.aggregate(deepest=Max("generation"))["deepest"]
    if deepest is None:
        deepest = ParticipationFact.objects.aggregate(deepest=Max("generation"))["deepest"]
    return [(str(n), generation_label(n)) for n in range(1, (deepest or 1) + 1)]


PERIOD_REVERSED = _("The period ends on %(stop)s, before it starts on %(start)s: swap the two dates.")


class FactFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        period = cleaned.get("period")
        if period and period.start and period.stop and period.start > period.stop:
            # Accepted, such a period selects nothing and every figure reads 0 without saying why.
            self.add_error(
                "period",
                forms.ValidationError(
                    PERIOD_REVERSED,
                    code="period_reversed",
                    params={"start": date_text(period.start), "stop": date_text(period.stop)},
                ),
            )
        return cleaned


FORM_FIELDS = ("governorate", "serves_in", "training_centre", "course", "kind", "generation", "gender", "period")
DRILL_FIELDS = ("station", "unit", "lead_trainer", "year", "quarter")


class FactFilter(django_filters.FilterSet):
    governorate = django_filters.ModelChoiceFilter(
        label=_("Trained in (governorate)"),
        queryset=Governorate.objects.none(),
        help_text=_("The governorate of the training centre that held the session."),
    )
    serves_in = django_filters.ModelChoiceFilter(
        label=_("Serves in (governorate)"),
        queryset=Governorate.objects.all(),
        method="filter_serves_in",
        help_text=_("The governorate of the person's unit (or the person's own, without a unit)."),
    )
    training_centre = django_filters.ModelChoiceFilter(
        label=_("Training centre"), queryset=TrainingCentre.objects.none()
    )
    course = django_filters.ModelChoiceFilter(label=_("Course"), queryset=Course.objects.all())
    kind = django_filters.ChoiceFilter(label=_("Session kind"), choices=SessionKind.choices)
    generation = django_filters.ChoiceFilter(label=_("Generation"), choices=generation_choices)
    gender = django_filters.ChoiceFilter(label=_("Gender"), choices=Gender.choices)
    period = django_filters.DateFromToRangeFilter(
        label=_("Period"),
        help_text=date_input_hint_lazy(),
        field_name="start_date",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    station = django_filters.ModelChoiceFilter(
        label=_("Police station"), queryset=Station.objects.none(), field_name="station"
    )
    unit = django_filters.ModelChoiceFilter(
        label=_("Police unit"), queryset=PoliceUnit.objects.none(), field_name="unit"
    )
    # Bounded: a value past what the database holds is a form error (400), not a server error.
    lead_trainer = django_filters.NumberFilter(
        label=_("Lead trainer"), field_name="lead_trainer_id", min_value=1, max_value=2**63 - 1
    )
    year = django_filters.NumberFilter(label=_("Year"), field_name="year", min_value=1900, max_value=9999)
    quarter = django_filters.DateFilter(label=_("Quarter"), field_name="quarter")

    class Meta:
        model = ParticipationFact
        fields: list[str] = []
        form = FactFilterForm

    def __init__(self, data=None, *, scope: AuditScope, **kwargs) -> None:
        super().__init__(data, queryset=facts_visible_to(scope), **kwargs)
        self.scope = scope
        governorates = scope.governorates()
        self.filters["governorate"].queryset = in_reading_order(governorates)
        self.filters["serves_in"].queryset = in_reading_order(Governorate.objects.all())
        self.filters["training_centre"].queryset = in_reading_order(scope.centres())
        self.filters["station"].queryset = Station.objects.filter(governorate__in=governorates)
        self.filters["unit"].queryset = PoliceUnit.objects.filter(governorate__in=governorates)
        for name in FORM_FIELDS:
            if name != "period":
                self.filters[name].extra["empty_label"] = _("All")

    def filter_serves_in(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(serves_in=value)

    @property
    def cleaned(self) -> dict:
        """The valid filter values (empty when the form is invalid: the view answers 400 then)."""
        return {key: value for key, value in self.form.cleaned_data.items() if value not in (None, "")}


def describe(plain: dict) -> list[tuple[str, str]]:
    """(label, value) for each filter of ``plain`` (``selectors.filters_key``'s JSON values),
    in the active language: "Trained in (governorate)": "Basra", "Gender": "Female"."""

    def named(model, pk) -> str:
        found = model.objects.filter(pk=pk).first()
        return str(found) if found is not None else f"#{pk}"

    def course(pk) -> str:
        found = Course.objects.filter(pk=pk).first()
        if found is None:
            return f"#{pk}"
        english = (get_language() or "ar").startswith("en")
        return f"{found.code} · {found.title_en if english else found.title_ar}"

    def period(bounds) -> str:
        start, stop = ((date_text(date.fromisoformat(d)) if d else "…") for d in (list(bounds) + ["", ""])[:2])
        return f"{start} – {stop}"

    values = {
        "governorate": lambda v: named(Governorate, v),
        "serves_in": lambda v: named(Governorate, v),
        "training_centre": lambda v: named(TrainingCentre, v),
        "course": course,
        "kind": lambda v: str(dict(SessionKind.choices).get(v, v)),
        "generation": lambda v: gettext("Generation %(number)s") % {"number": v},
        "gender": lambda v: str(dict(Gender.choices).get(v, v)),
        "period": period,
        "station": lambda v: named(Station, v),
        "unit": lambda v: named(PoliceUnit, v),
        "lead_trainer": lambda v: named(Person, v),
        "year": str,
        "quarter": quarter_label,
    }
    labels = {
        "station": _("Police station"),
        "unit": _("Police unit"),
        "lead_trainer": _("Lead trainer"),
        "year": _("Year"),
        "quarter": _("Quarter"),
    }
    described = []
    for name, value in plain.items():
        if value in (None, "", []):
            continue
        field = FactFilter.base_filters.get(name)
        label = labels.get(name) or (field.label if field is not None and field.label else name)
        try:
            text = values[name](value) if name in values else str(value)
        except (ValueError, TypeError):
            text = str(value)
        described.append((str(label), text))
    return described
