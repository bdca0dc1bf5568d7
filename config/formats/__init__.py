"""The site's one way of writing numbers and dates (Iraqi usage), in Arabic and in English.

The convention, decided once for every page, chart, export and PDF:

- **Digits** are Western (0–9), as Iraqi government forms, police records and the service
  numbers the trainers type already use; Arabic-Indic digits (٠–٩) typed into a form are read
  as the same numbers, but never printed.
- **Numbers**: "," groups thousands and "." marks decimals, in both languages: 2,144 people,
  a mean gain of 16.7, a score of 52.5. Django's own ``ar`` locale would print 2.144 and 16,7,
  which an Iraqi reader takes for two and sixteen.
- **Dates**: day, month name, year: "7 كانون الأول 2026" / "7 December 2026", with the Iraqi
  (Levantine) month names كانون الثاني, شباط, آذار, نيسان, أيار, حزيران, تموز, آب, أيلول,
  تشرين الأول, تشرين الثاني, كانون الأول (Django's ``ar`` gives the Egyptian يناير, فبراير …;
  ``locale/ar`` translates Django's month names back to these). A date with a time adds the
  24-hour time: "7 كانون الأول 2026، 14:30". The short formats are the same, so no page mixes
  day-first, month-first and ISO dates. Dates are typed as 2026-12-07 or 07/12/2026 (day first).

The printed certificates (``certificates.rendering``) are the one deliberate exception: their
Arabic column is typeset as a formal document, with Arabic-Indic digits throughout and the same
Iraqi month names; their English column follows this convention.

Django applies it through ``FORMAT_MODULE_PATH = ["config.formats"]`` (``config/formats/ar`` and
``config/formats/en``) with ``USE_THOUSAND_SEPARATOR = True``: templates print ``{{ count }}``
and ``{{ day|date }}`` in this format. An id written into a URL, a form value or a data
attribute needs ``|unlocalize`` (1234, never 1,234). Code that formats outside a template (the
charts' labels, the PDF report, exports, e-mails) calls the helpers below, which read the same
format modules for the active language.
"""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Django's month names, listed here so that ``makemessages`` keeps their Iraqi translations in
# ``locale/ar`` (the project's catalogue is read before Django's own).
MONTHS = (
    _("January"), _("February"), _("March"), _("April"), _("May"), _("June"),
    _("July"), _("August"), _("September"), _("October"), _("November"), _("December"),
)  # fmt: skip
MONTHS_ALT = (
    pgettext_lazy("alt. month", "January"), pgettext_lazy("alt. month", "February"),
    pgettext_lazy("alt. month", "March"), pgettext_lazy("alt. month", "April"),
    pgettext_lazy("alt. month", "May"), pgettext_lazy("alt. month", "June"),
    pgettext_lazy("alt. month", "July"), pgettext_lazy("alt. month", "August"),
    pgettext_lazy("alt. month", "September"), pgettext_lazy("alt. month", "October"),
    pgettext_lazy("alt. month", "November"), pgettext_lazy("alt. month", "December"),
)  # fmt: skip

Number = int | float | Decimal


def number(value: Number | None, digits: int | None = None, *, empty: str = "—") -> str:
    """``value`` with thousands grouped, rounded to ``digits`` decimals (None: as it is; an int
    prints no decimals)."""
    if value is None:
        return empty
    if digits is None and isinstance(value, float) and value.is_integer():
        digits = 0
    if digits is not None:  # Django's number_format cuts off digits; round them half up first
        value = Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return formats.number_format(value, decimal_pos=digits, use_l10n=True, force_grouping=True)


def percent(value: Number | None, digits: int = 1, *, empty: str = "—") -> str:
    """``value`` (already ×100) as a percentage: "52.5%"."""
    return empty if value is None else f"{number(value, digits)}%"


def date_text(value: date | datetime | None, *, empty: str = "—") -> str:
    """A date in the site's format; a datetime is shown as its date in the site's time zone."""
    if value is None:
        return empty
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return formats.date_format(value, "DATE_FORMAT")


def datetime_text(value: datetime | None, *, empty: str = "—") -> str:
    """A moment in the site's format, in the site's time zone."""
    if value is None:
        return empty
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATETIME_FORMAT")


# The example under every date input: a day past the 12th, so it cannot be read month first.
DATE_INPUT_EXAMPLE = date(2025, 3, 21)
DATE_INPUT_HINT = _(
    "Pick the day in the calendar; the box shows it in your device's format. "
    "The site writes dates as day, month, year: {example}."
)


def date_input_hint() -> str:
    """The hint shown with every date input. The browser draws a date box in the device's own
    format (month first on some), so the hint says so and gives the site's: day, month, year."""
    return str(DATE_INPUT_HINT).format(example=date_text(DATE_INPUT_EXAMPLE))


date_input_hint_lazy = lazy(date_input_hint, str)
