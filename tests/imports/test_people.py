"""People (rosters): headers in English or Arabic, places by any name, identity by service number,
re-import changes nothing, possible duplicates flagged."""

import pytest

from imports.columns import PEOPLE
from imports.services import records_import
from lms.models import Person
from tests.factories import PersonFactory, governorate
from tests.imports.helpers import dataset

pytestmark = pytest.mark.django_db

HEADERS = [c.name for c in PEOPLE]
ARABIC = [c.arabic for c in PEOPLE]


def roster(n: int, start: int = 1):
    return [
        [f"9{i:06d}", f"أحمد علي {i}", f"Ahmed Ali {i}", "M", "lieutenant", "", "", "Baghdad"]
        for i in range(start, start + n)
    ]


def test_it_stores_a_roster_and_reimporting_it_changes_nothing():
    outcome = records_import(kind="people", dataset=dataset(HEADERS, roster(20)), dry_run=False)
    assert outcome.counts == {"new": 20, "updated": 0, "unchanged": 0, "error": 0}
    assert outcome.stored
    person = Person.objects.get(service_number="9000001")
    assert person.governorate.code == "BG"
    assert person.name_ar_normalized == "احمد علي 1"

    again = records_import(kind="people", dataset=dataset(HEADERS, roster(20)), dry_run=False)
    assert again.counts == {"new": 0, "updated": 0, "unchanged": 20, "error": 0}


def test_it_accepts_arabic_headers_and_governorates_by_code_or_arabic_name():
    rows = roster(3)
    rows[0][7], rows[1][7], rows[2][7] = "BA", "البصره", "basra"
    outcome = records_import(kind="people", dataset=dataset(ARABIC, rows), dry_run=False)
    assert outcome.counts["new"] == 3, outcome.rows
    assert set(Person.objects.values_list("governorate__code", flat=True)) == {"BA"}


def test_a_dry_run_stores_nothing():
    outcome = records_import(kind="people", dataset=dataset(HEADERS, roster(5)), dry_run=True)
    assert outcome.counts["new"] == 5
    assert not Person.objects.exists()


def test_an_invalid_row_stores_nothing_and_names_row_column_and_reason(english):
    rows = roster(5)
    rows[2][7] = "Atlantis"
    outcome = records_import(kind="people", dataset=dataset(HEADERS, rows), dry_run=False)
    assert not Person.objects.exists()
    [bad] = outcome.error_rows()
    assert (bad.line, bad.column) == (4, "governorate")
    assert "Atlantis" in bad.reason


def test_an_update_is_counted_as_updated():
    records_import(kind="people", dataset=dataset(HEADERS, roster(2)), dry_run=False)
    rows = roster(2)
    rows[1][4] = "captain"
    outcome = records_import(kind="people", dataset=dataset(HEADERS, rows), dry_run=False)
    assert outcome.counts == {"new": 0, "updated": 1, "unchanged": 1, "error": 0}
    assert Person.objects.get(service_number="9000002").rank == "captain"


def test_a_spelling_variant_of_an_existing_name_is_flagged_as_a_possible_duplicate(english):
    PersonFactory(service_number="555", name_ar="فاطمة أحمد", rank="lieutenant", governorate=governorate("BG"))
    rows = [["777", "فاطمه احمد", "", "F", "lieutenant", "", "", "BG"]]
    outcome = records_import(kind="people", dataset=dataset(HEADERS, rows), dry_run=True)
    [row] = outcome.rows
    assert row.status == "new"
    assert "555" in row.warnings[0]
