"""Forms of the trainer workspace. They parse input only; the services run the rules.

``show_breaches`` puts the integrity rules' errors (``RulesBroken.breaches``) beside the field or
the roster row they concern, so a trainer sees which value to correct.
"""

import json
from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from cascade.models import Outcome, Participation, SessionKind, SessionTrainer, TrainerQualification, TrainingSession
from config.formats import date_input_hint_lazy
from courses.models import Course
from courses.numbers import western_digits
from lms.input_policy import check_free_text
from lms.models import Gender, Person, TrainingCentre, in_reading_order

PERSON_NOT_FOUND = _("No person has the service number {number}.")
FUTURE_ATTENDANCE = _("Attendance cannot be recorded for {day}: that day has not come yet.")
SERVICE_NUMBER_TAKEN = _("Service number {number} is already recorded, for {person}. Add that person instead.")
SEARCH_TOO_SHORT = _("Type at least {count} characters of a name or service number.")
SEARCH_MIN_LENGTH = 2


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def show_breaches(
    error: ValidationError, *, form: forms.Form | None = None, rows: dict[int, forms.Form] | None = None
) -> list[str]:
    """Put a service's ``ValidationError`` on ``form`` and the roster ``rows`` (keyed by person id).

    A breach naming a field of the form goes on that field; one naming a roster row goes on that
    row (on its field when it has one); the rest are errors of the whole form. Without a form,
    those are returned, for the top of the page.
    """
    rows = rows or {}
    unplaced: list[str] = []

    def place(field: str | None, message) -> None:
        if form is None:
            unplaced.extend(message if isinstance(message, list) else [message])
        else:
            form.add_error(field if field in form.fields else None, message)

    breaches = getattr(error, "breaches", None)
    if breaches is None:
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                place(name, [str(m) for e in errors for m in e.messages])
        else:
            place(None, error.messages)
        return unplaced
    for breach in breaches:
        row = rows.get(breach.person_id) if breach.person_id is not None else None
        if row is not None:
            row.add_error(breach.field if breach.field in row.fields else None, breach.message)
        else:
            place(breach.field, breach.message)
    return unplaced


def qualified_courses(person: Person) -> "forms.models.QuerySet[Course]":
    """The courses ``person`` may open a session for: every course for a master trainer, else the
    courses of their qualifications (whether one is valid on the start date is the rules' check)."""
    if person.is_master_trainer:
        return Course.objects.all()
    course_ids = TrainerQualification.objects.filter(person=person).values("course_id")
    return Course.objects.filter(pk__in=course_ids)


def trainer_centres(person: Person) -> "forms.models.QuerySet[TrainingCentre]":
    """The centres ``person`` may open a session at: every centre for a master trainer (they train
    nationally), else the centres of their own governorate and those they already train at."""
    if person.is_master_trainer:
        return TrainingCentre.objects.all()
    trained_at = SessionTrainer.objects.filter(person=person).values("session__training_centre_id")
    return TrainingCentre.objects.filter(Q(governorate_id=person.governorate_id) | Q(pk__in=trained_at))


class SessionFieldsForm(forms.Form):
    start_date = forms.DateField(label=_("Start date"), widget=DateInput(), help_text=date_input_hint_lazy())
    end_date = forms.DateField(label=_("End date"), widget=DateInput(), help_text=date_input_hint_lazy())
    headcount_male = forms.IntegerField(
        label=_("Men reported"),
        min_value=0,
        initial=0,
        help_text=_("Only if names are not yet available: how many men took part. Leave 0 to count the named."),
    )
    headcount_female = forms.IntegerField(
        label=_("Women reported"),
        min_value=0,
        initial=0,
        help_text=_("Only if names are not yet available: how many women took part."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_notes(self) -> str:
        return check_free_text(self.cleaned_data["notes"], field=self.fields["notes"].label)


class SessionCreateForm(SessionFieldsForm):
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.none())
    kind = forms.ChoiceField(label=_("Kind of session"), choices=[(SessionKind.CASCADE, SessionKind.CASCADE.label)])
    training_centre = forms.ModelChoiceField(label=_("Training centre"), queryset=TrainingCentre.objects.all())

    field_order = ["course", "kind", "training_centre", "start_date", "end_date"]

    def __init__(self, *args, trainer: Person, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = qualified_courses(trainer)
        self.fields["training_centre"].queryset = in_reading_order(trainer_centres(trainer))
        if trainer.is_master_trainer:
            # Master trainers (generation 0) also run ToT and direct sessions.
            self.fields["kind"].choices = SessionKind.choices
        else:
            self.fields["kind"].initial = SessionKind.CASCADE


class SessionEditForm(SessionFieldsForm):
    pass


def roster_day_choices(session_days: list[date]) -> list[tuple[str, str]]:
    """The attendance checkboxes of a roster row: each day's ISO date and its short label."""
    return [(day.isoformat(), date_format(day, "D j/n")) for day in session_days]


def _comparable(name: str, value) -> str | list[str] | None:
    """A roster field's value in one spelling, for comparing what was shown with what is posted."""
    if value in (None, ""):
        return None
    if name == "days":
        return sorted(str(day) for day in value)
    if isinstance(value, Decimal | int | float):
        return format(Decimal(value).normalize(), "f")
    return str(value)


def _as_written(score: Decimal | None) -> Decimal | None:
    """A stored score as a trainer writes it: 77, 49.5 (stored as 77.00 and 49.50)."""
    return None if score is None else Decimal(format(score.normalize(), "f"))


class RosterRowForm(forms.Form):
    """One participant's record: the days present, the two scores and the outcome."""

    days = forms.MultipleChoiceField(label=_("Days present"), required=False, widget=forms.CheckboxSelectMultiple)
    pre_score = forms.DecimalField(
        label=_("Pre-test"), required=False, min_value=0, max_value=100, decimal_places=2, max_digits=5
    )
    post_score = forms.DecimalField(
        label=_("Post-test"), required=False, min_value=0, max_value=100, decimal_places=2, max_digits=5
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)

    def __init__(
        self,
        *args,
        participation: Participation,
        session_days: list[date],
        days_present,
        day_choices: list[tuple[str, str]] | None = None,
        **kwargs,
    ):
        """``day_choices`` (``roster_day_choices(session_days)``) may be given once for every row of a roster."""
        initial = {
            "days": [day.isoformat() for day in days_present],
            "pre_score": _as_written(participation.pre_score),
            "post_score": _as_written(participation.post_score),
            "outcome": participation.outcome,
        }
        super().__init__(*args, prefix=f"p{participation.person_id}", initial=initial, **kwargs)
        self.participation = participation
        self.had_days = bool(days_present)
        self.fields["days"].choices = day_choices if day_choices is not None else roster_day_choices(session_days)

    # What the page showed travels with the form, so a save writes only the fields this person
    # changed: another trainer's marks, saved while this page was open, are never written back
    # over with the older values the page still holds.
    @property
    def shown_name(self) -> str:
        return self.add_prefix("shown")

    @property
    def shown(self) -> str:
        """The row as stored when the page was first opened (kept as posted when it is shown again)."""
        if self.is_bound and self.shown_name in self.data:
            return self.data[self.shown_name]
        return json.dumps({name: _comparable(name, value) for name, value in self.initial.items()})

    def changed_fields(self) -> set[str]:
        """The fields whose value differs from what the page showed (all of them when a form was
        posted without it, as a script may do)."""
        try:
            shown = json.loads(self.data[self.shown_name]) if self.shown_name in self.data else None
        except (TypeError, ValueError):
            shown = None
        if not isinstance(shown, dict):
            return set(self.fields)
        return {name for name in self.fields if _comparable(name, self.cleaned_data.get(name)) != shown.get(name)}

    @property
    def scores(self) -> list:
        """The fields after the attendance days, one cell each in the roster grid."""
        return [self["pre_score"], self["post_score"], self["outcome"]]

    def clean_days(self) -> list[str]:
        today = timezone.localdate()
        for value in self.cleaned_data["days"]:
            if date.fromisoformat(value) > today:
                raise ValidationError(FUTURE_ATTENDANCE.format(day=date_format(date.fromisoformat(value))))
        return self.cleaned_data["days"]

    def days_present(self) -> list[date] | None:
        """The ticked days; None keeps an attendance recorded as a bare count (imported rosters)."""
        days = [date.fromisoformat(value) for value in self.cleaned_data["days"]]
        if not days and not self.had_days and self.participation.days_attended:
            return None
        return days

    @property
    def days_field_id(self) -> str:
        return f"{self.prefix}-days"


class PersonSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Service number or name"),
        max_length=100,
        help_text=_("Any spelling of an Arabic name is found (أ/ا/إ, ة/ه, ى/ي)."),
    )

    def clean_q(self) -> str:
        text = self.cleaned_data["q"].strip()
        if len(text) < SEARCH_MIN_LENGTH:
            raise ValidationError(SEARCH_TOO_SHORT.format(count=SEARCH_MIN_LENGTH))
        return text


class AddPersonForm(forms.Form):
    person = forms.ModelChoiceField(queryset=Person.objects.all(), widget=forms.HiddenInput)


class NewPersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ["service_number", "name_ar", "name_latin", "gender", "rank", "governorate"]
        widgets = {"gender": forms.RadioSelect}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["gender"].choices = Gender.choices  # radio buttons: no blank "select" choice
        self.existing: Person | None = None

    def clean_service_number(self) -> str:
        """A number already recorded names its person, so the trainer can add them instead."""
        number = western_digits(self.cleaned_data["service_number"])
        self.existing = Person.objects.filter(service_number=number).first()
        if self.existing is not None:
            raise ValidationError(SERVICE_NUMBER_TAKEN.format(number=number, person=self.existing))
        return number


class CoTrainerForm(forms.Form):
    service_number = forms.CharField(label=_("Co-trainer's service number"), max_length=32)

    def clean_service_number(self) -> Person:
        number = self.cleaned_data["service_number"].strip()
        person = Person.objects.filter(service_number=number).first()
        if person is None:
            raise ValidationError(PERSON_NOT_FOUND.format(number=number))
        return person


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the session reopened?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the session's log with your name and the time."),
    )


def session_days_present(session: TrainingSession) -> dict[int, list[date]]:
    """Each participant's recorded days (person id → days), in one query."""
    days: dict[int, list[date]] = {}
    for person_id, day in session.participations.values_list("person_id", "attendance_days__day"):
        if day is not None:
            days.setdefault(person_id, []).append(day)
    return days
