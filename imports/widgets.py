"""django-import-export widgets that read spreadsheet cells the way MOI files write them.

A widget raises ``ValueError`` with a whole sentence naming the value; import-export turns it
into a validation error of the widget's column. Widgets that look records up read the import's
``Lookups`` or the resource's preloaded tables (bound in ``before_import``), never the database
row by row.
"""

import re

from django.utils.translation import gettext_lazy as _
from import_export.widgets import Widget

from imports import matching

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
BAD_SERVICE_NUMBER = _("“{value}” is not a service number: use letters, digits, - and / only.")
TOO_LONG = _("“{value}” is longer than {limit} characters.")

SERVICE_NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z/\-]*$")


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
        return self.parse(raw, row)

    def empty(self):
        return ""

    def parse(self, raw: str, row):
        return raw

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")


class ServiceNumberWidget(CellWidget):
    def parse(self, raw, row):
        raw = raw.translate(_ARABIC_DIGITS)
        if not SERVICE_NUMBER.match(raw):
            raise ValueError(_msg(BAD_SERVICE_NUMBER, value=raw))
        return raw


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
    def __init__(self, choices, *, extra: dict[str, str] | None = None, default: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.choices = choices
        self.extra = extra
        self.default = default
        self._map: dict[str, str] | None = None

    def empty(self):
        return self.default

    def parse(self, raw, row):
        if self._map is None:
            self._map = matching.choice_map(self.choices, self.extra)
        value = self._map.get(matching.key(raw))
        if value is None:
            allowed = ", ".join(str(member.value) for member in self.choices)
            raise ValueError(_msg(UNKNOWN_CHOICE, value=raw, allowed=allowed))
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
