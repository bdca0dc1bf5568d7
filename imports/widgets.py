"""django-import-export widgets that read spreadsheet cells the way MOI files write them.

A widget raises ``ValueError`` with a whole sentence naming the value; import-export turns it
into a validation error of the widget's column. Widgets that look records up read the import's
``Lookups`` or the resource's preloaded tables (bound in ``before_import``), never the database
row by row.
"""

import re

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from import_export.widgets import Widget

from imports import matching, synonyms
from lms import input_policy

VALUE_REQUIRED = _("A value is required.")
NOT_A_DATE = _("“{value}” is not a date: write 2024-03-31 or 31/03/2024.")
NOT_A_WHOLE_NUMBER = _("“{value}” is not a whole number.")
NOT_A_NUMBER = _("“{value}” is not a number.")
NEGATIVE = _("{value} is below zero.")
UNKNOWN_CHOICE = _("“{value}” is not one of: {allowed}.")
UNKNOWN_GOVERNORATE = _("No governorate is called “{value}” (use its code, English or Arabic name).")
UNKNOWN_CENTRE = _("No training centre is called “{value}” (use its code, English or Arabic name).")
UNKNOWN_COURSE = _("No course is called “{value}” (use its code, such as MPS-01, or its title).")
UNKNOWN_PERSON = _("No person has the service number “{value}”.")
UNKNOWN_SESSION = _("No training session has the reference “{value}”.")
BAD_SERVICE_NUMBER = input_policy.SERVICE_NUMBER_REFUSED
TOO_LONG = _("“{value}” is longer than {limit} characters.")

SERVICE_NUMBER = input_policy.SERVICE_NUMBER
A_CELL = _("The cell")


def _msg(template, **params) -> str:
    return str(template.format(**params))


class CellWidget(Widget):
    """Text, stripped; '' for an empty cell unless ``required``."""

    # Whether the reading of a cell depends on other cells of its row (the import then reads every
    # cell; otherwise it reads each distinct value of a column once).
    row_dependent = False

    def __init__(self, *, required: bool = False, max_length: int | None = None) -> None:
        super().__init__()
        self.required = required
        self.max_length = max_length

    def clean(self, value, row=None, **kwargs):
        raw = matching.text(value)
        if not raw:
            if self.required:
                raise ValueError(str(VALUE_REQUIRED))
            return self.empty()
        if self.max_length and len(raw) > self.max_length:
            raise ValueError(_msg(TOO_LONG, value=raw[:40], limit=self.max_length))
        try:  # no NUL, control or direction character in any cell (lms.input_policy)
            input_policy.check_free_text(raw, field=A_CELL)
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from error
        return self.parse(raw, row)

    def empty(self):
        return ""

    def parse(self, raw: str, row):
        return raw

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class ServiceNumberWidget(CellWidget):
    def parse(self, raw, row):
        try:
            return input_policy.check_service_number(raw)
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from error


class DateCellWidget(CellWidget):
    def clean(self, value, row=None, **kwargs):
        if hasattr(value, "year"):
            return matching.parse_date(value)
        return super().clean(value, row, **kwargs)

    def empty(self):
        return None

    def parse(self, raw, row):
        try:
            return matching.parse_date(raw)
        except ValueError as exc:
            raise ValueError(_msg(NOT_A_DATE, value=raw)) from exc


class CountWidget(CellWidget):
    """A whole number ≥ 0; ``default`` for an empty cell."""

    def __init__(self, *, default: int | None = 0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.default = default

    def empty(self):
        return self.default

    def parse(self, raw, row):
        try:
            number = matching.parse_int(raw)
        except ValueError as exc:
            raise ValueError(_msg(NOT_A_WHOLE_NUMBER, value=raw)) from exc
        if number < 0:
            raise ValueError(_msg(NEGATIVE, value=number))
        return number


class ScoreWidget(CellWidget):
    """A number, or None for an empty cell. Its range (0–100) is a cascade rule, checked there."""

    def empty(self):
        return None

    def parse(self, raw, row):
        try:
            return matching.parse_decimal(raw)
        except ValueError as exc:
            raise ValueError(_msg(NOT_A_NUMBER, value=raw)) from exc


class ChoiceWidget(CellWidget):
    """A choice (rank, gender, kind, outcome) as people write it: its value, either label, or a
    spelling of ``imports.synonyms`` (built-in or added by an administrator). The error names the
    accepted values by their labels, in the reader's language."""

    def __init__(self, choices, *, extra: dict[str, str] | None = None, default: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.choices = choices
        # The synonym table of the choice (rank, gender, kind, outcome): every choice imported has one.
        self.choice = next(name for name, enum in synonyms.CHOICES.items() if enum is choices)
        self.extra = {synonyms.spelling_key(k): v for k, v in (extra or {}).items()}
        self.default = default

    def empty(self):
        return self.default

    def parse(self, raw, row):
        value = synonyms.choice_value(self.choice, raw) or self.extra.get(synonyms.spelling_key(raw))
        if value is None:
            raise ValueError(_msg(UNKNOWN_CHOICE, value=raw, allowed=synonyms.accepted_values(self.choice)))
        return value


class BoundWidget(CellWidget):
    """A widget that looks up in tables the resource binds before the rows are read."""

    def bind(self, resource) -> None:
        self.resource = resource

    def empty(self):
        return None


class GovernorateWidget(BoundWidget):
    def parse(self, raw, row):
        found = self.resource.lookups.governorate(raw)
        if found is None:
            raise ValueError(_msg(UNKNOWN_GOVERNORATE, value=raw))
        return found


class CentreWidget(BoundWidget):
    def parse(self, raw, row):
        found = self.resource.lookups.centre(raw)
        if found is None:
            raise ValueError(_msg(UNKNOWN_CENTRE, value=raw))
        return found


class CourseWidget(BoundWidget):
    def parse(self, raw, row):
        found = self.resource.lookups.course(raw)
        if found is None:
            raise ValueError(_msg(UNKNOWN_COURSE, value=raw))
        return found


class PersonWidget(BoundWidget, ServiceNumberWidget):
    def parse(self, raw, row):
        number = ServiceNumberWidget.parse(self, raw, row)
        found = self.resource.people.get(number)
        if found is None:
            raise ValueError(_msg(UNKNOWN_PERSON, value=number))
        return found


class PeopleWidget(BoundWidget):
    """Service numbers separated by ; or , (or new lines) → a tuple of people, in service-number order."""

    def empty(self):
        return ()

    def parse(self, raw, row):
        found = []
        for number in (part.strip() for part in re.split(r"[;,،\n]", raw)):
            if not number:
                continue
            number = ServiceNumberWidget.parse(self, number, row)
            person = self.resource.people.get(number)
            if person is None:
                raise ValueError(_msg(UNKNOWN_PERSON, value=number))
            found.append(person)
        return tuple(sorted(found, key=lambda p: p.service_number))


class SessionWidget(BoundWidget):
    def parse(self, raw, row):
        found = self.resource.sessions.get(raw)
        if found is None:
            raise ValueError(_msg(UNKNOWN_SESSION, value=raw))
        return found


UNKNOWN_UNIT = _("No unit called “{value}” in this person's governorate.")
UNKNOWN_STATION = _("No police station called “{value}” in this person's governorate.")
NEAR_MATCHES = _("Did you mean: {names}?")
NEW_STATION_NEEDS_UNIT = _("A new police station needs its unit in the same row.")


class PlaceWidget(BoundWidget):
    """A unit or station, by English or Arabic name, within the row's governorate.

    A name nobody recorded is not a dead end: the error suggests the near matches of that
    governorate (compared Arabic-normalised), and the place is noted in the resource's
    ``missing_places``. When an administrator accepted to create the missing places
    (``resource.create_places``), it is created instead, in the import's transaction (so a dry run
    or a refused file leaves nothing behind), both names as written.
    """

    row_dependent = True  # looked up within the row's governorate

    def __init__(self, *, place: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.place = place

    def parse(self, raw, row):
        row = row or {}
        lookups = self.resource.lookups
        governorate = lookups.governorate(row.get("governorate"))
        if governorate is None:
            return None  # the governorate's own error is reported on its column
        found = getattr(lookups, self.place)(governorate.pk, raw)
        if found is not None:
            return found
        if getattr(self.resource, "create_places", False) and self.resource.place_chosen(self.place, governorate, raw):
            unit = None
            if self.place == "station":
                unit = lookups.unit(governorate.pk, row.get("unit"))
                if unit is None:
                    raise ValueError(str(NEW_STATION_NEEDS_UNIT))
            return lookups.place_create(self.place, governorate, raw, unit=unit)
        missing = getattr(self.resource, "missing_places", None)
        near = lookups.near_places(self.place, governorate.pk, raw)
        if missing is not None:
            missing.setdefault(
                (self.place, governorate.pk, matching.key(raw)),
                {
                    "place": self.place,
                    "governorate": governorate.code,
                    "name": raw,
                    "unit": matching.text(row.get("unit")) if self.place == "station" else "",
                    "near": [str(p) for p in near],
                },
            )
            self.resource.place_rows.add(self.resource.current_row)
        message = str((UNKNOWN_UNIT if self.place == "unit" else UNKNOWN_STATION).format(value=raw))
        if near:
            if (translation.get_language() or "").startswith("ar"):
                names = "، ".join(f"«{p}»" for p in near)
            else:
                names = ", ".join(f"“{p}”" for p in near)
            message += " " + _msg(NEAR_MATCHES, names=names)
        raise ValueError(message)
