"""Matching spreadsheet text to reference records and values.

Governorates, training centres and courses are matched by code, English name or Arabic name;
Arabic is compared in its normalised form (``lms.text.normalize_arabic``), English without case.
Choices (gender, rank, kind, outcome) are read through ``imports.synonyms``. Dates: see
``parse_date``. Arabic-Indic digits are read as digits everywhere.

Each ``Lookups`` loads its reference tables once per import (a few dozen rows), so matching a
row costs no query.
"""

import difflib
import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from courses.models import Course
from courses.numbers import WESTERN_DIGITS
from lms.models import Governorate, PoliceUnit, Station, TrainingCentre
from lms.text import normalize_arabic

_DMY = re.compile(r"^(\d{1,2})\s*[/.\-\\]\s*(\d{1,2})\s*[/.\-\\]\s*(\d{4})$")
_YMD = re.compile(r"^(\d{4})\s*[/.\-\\]\s*(\d{1,2})\s*[/.\-\\]\s*(\d{1,2})$")
_SERIAL = re.compile(r"^(\d{5})(\.0+)?$")
# Excel's day 0 (its serials count from 1900-01-01 = 1, with the 1900 leap-year bug built in).
_EXCEL_EPOCH = date(1899, 12, 30)
# Serials read as dates: 1990-01-01 … 2100-12-31 (other five-digit numbers are not dates).
_SERIALS = range(32874, 73416)
# Direction marks an Arabic spreadsheet may leave around a date typed in right-to-left text.
_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u2066\u2067\u2068\u2069"))


def key(text) -> str:
    """The comparison form of a name or code: Arabic folded, case and spacing ignored."""
    return normalize_arabic(str(text).translate(WESTERN_DIGITS))


def place_key(place: str, governorate_code: str, name) -> tuple[str, str, str]:
    """A unit or station a file names, as the step that creates them tells one from another."""
    return (place, governorate_code, key(text(name)))


def text(value) -> str:
    """A cell as stripped text ('' when empty), with Arabic-Indic digits as digits only for numbers."""
    if value is None:
        return ""
    return str(value).strip()


def parse_date(value) -> date:
    """A date as offices write it; raises ValueError otherwise.

    Year first (2024-03-31, 2024/3/31) or day first (31/3/2024, 31.03.2024, 31-3-2024), in any
    digits (٣١/٣/٢٠٢٤), and an Excel date serial (45382 = 2024-03-31: a date cell not formatted
    as a date, or a workbook saved as CSV) between 1990 and 2100.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(int(value)) if float(value).is_integer() else str(value)
    raw = text(value).translate(WESTERN_DIGITS).translate(_MARKS).replace("٫", ".").replace("،", "/").strip()
    if match := _YMD.match(raw):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DMY.match(raw):
        day, month, year = (int(g) for g in match.groups())
    elif (match := _SERIAL.match(raw)) and int(match.group(1)) in _SERIALS:
        return _EXCEL_EPOCH + timedelta(days=int(match.group(1)))
    else:
        raise ValueError(raw)
    return date(year, month, day)


def parse_int(value) -> int:
    raw = text(value).translate(WESTERN_DIGITS).replace(",", "")
    if re.fullmatch(r"-?\d+(\.0+)?", raw):
        return int(Decimal(raw))
    raise ValueError(raw)


def parse_decimal(value) -> Decimal:
    raw = text(value).translate(WESTERN_DIGITS).replace("٫", ".")
    try:
        number = Decimal(raw)
    except InvalidOperation as exc:
        raise ValueError(raw) from exc
    if not number.is_finite():
        raise ValueError(raw)
    return number


# Words of a unit's or station's name that every such name has.
_GENERIC_WORDS = frozenset(
    key(word)
    for word in (
        "مديرية",
        "شرطة",
        "مركز",
        "قسم",
        "دائرة",
        "police",
        "directorate",
        "station",
        "department",
        "unit",
        "of",
        "the",
    )
)


def _distinctive(name_key: str) -> str:
    words = [word for word in name_key.split() if word not in _GENERIC_WORDS]
    return " ".join(words) or name_key


class Lookups:
    """Reference tables of one import, indexed by every accepted spelling."""

    def __init__(self) -> None:
        self.governorates = self._index(Governorate.objects.all(), ("code", "name_en", "name_ar"))
        self.centres = self._index(TrainingCentre.objects.select_related("governorate"), ("code", "name_en", "name_ar"))
        self.courses = self._index(Course.objects.all(), ("code", "title_en", "title_ar"))
        for course in Course.objects.all():
            self.courses.setdefault(key(course.code.replace("-", "")), course)
        self._units: dict[tuple[int, str], PoliceUnit] | None = None
        self._stations: dict[tuple[int, str], Station] | None = None

    @staticmethod
    def _index(queryset, attributes) -> dict:
        index = {}
        for obj in queryset:
            for attribute in attributes:
                index.setdefault(key(getattr(obj, attribute)), obj)
        return index

    def governorate(self, value) -> Governorate | None:
        return self.governorates.get(key(value)) if text(value) else None

    def centre(self, value) -> TrainingCentre | None:
        return self.centres.get(key(value)) if text(value) else None

    def course(self, value) -> Course | None:
        if not text(value):
            return None
        return self.courses.get(key(value)) or self.courses.get(key(text(value).replace("-", "")))

    def unit(self, governorate_id: int, value) -> PoliceUnit | None:
        if self._units is None:
            self._units = self._places(PoliceUnit.objects.all())
        return self._units.get((governorate_id, key(value)))

    def station(self, governorate_id: int, value) -> Station | None:
        if self._stations is None:
            self._stations = self._places(Station.objects.all())
        return self._stations.get((governorate_id, key(value)))

    def near_places(self, place: str, governorate_id: int, value, limit: int = 3) -> list:
        """The places of the governorate whose names are closest to ``value`` (Arabic-normalised)."""
        index = self._units if place == "unit" else self._stations
        if index is None:
            getattr(self, place)(governorate_id, "")  # loads the table
            index = self._units if place == "unit" else self._stations
        names = {name: found for (gid, name), found in index.items() if gid == governorate_id}
        # Compared on what tells places apart: "مديرية شرطة الشعلة" and "مديرية شرطة الرصافة"
        # share most of their letters, and their distinctive words nothing.
        distinct: dict[str, list[str]] = {}
        for name in names:
            distinct.setdefault(_distinctive(name), []).append(name)
        close = difflib.get_close_matches(_distinctive(key(value)), list(distinct), n=limit * 2, cutoff=0.75)
        return list(dict.fromkeys(names[name] for near in close for name in distinct[near]))[:limit]

    def place_create(self, place: str, governorate, value, *, unit=None):
        """A new unit (or station of ``unit``) named ``value`` in both languages, known from now on."""
        name = text(value)[:200]
        if place == "unit":
            found = PoliceUnit.objects.create(governorate=governorate, name_en=name, name_ar=name)
            self._units[(governorate.pk, key(name))] = found
        else:
            found = Station.objects.create(governorate=governorate, unit=unit, name_en=name, name_ar=name)
            self._stations[(governorate.pk, key(name))] = found
        return found

    @staticmethod
    def _places(queryset) -> dict:
        index = {}
        for place in queryset:
            for name in (place.name_en, place.name_ar):
                index.setdefault((place.governorate_id, key(name)), place)
        return index
