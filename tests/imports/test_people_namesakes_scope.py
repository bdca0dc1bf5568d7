"""A centre manager's people import warns of possible duplicates without naming the service numbers
of people recorded outside their centre; an administrator's names every namesake."""

import pytest

from cascade.models import SessionKind
from imports.columns import PEOPLE
from imports.services import records_import
from lms.models import Rank
from lms.text import normalize_arabic
from tests.factories import PersonFactory, governorate
from tests.imports.helpers import dataset

pytestmark = pytest.mark.django_db
NAME = "كريم حسن جواد"


def namesake(number: str):
    return PersonFactory(
        service_number=number,
        name_ar=NAME,
        name_ar_normalized=normalize_arabic(NAME),
        rank=Rank.LIEUTENANT,
        governorate=governorate("BG"),
    )


def warnings(scope_centre) -> list[str]:
    rows = [["9000001", NAME, "", "M", "lieutenant", "", "", "BG"]]
    outcome = records_import(
        kind="people", dataset=dataset([c.name for c in PEOPLE], rows), dry_run=True, scope_centre=scope_centre
    )
    [row] = outcome.rows
    return row.warnings


def test_a_centres_import_names_only_the_namesakes_its_manager_may_see(english, cascade):
    of_centre = namesake("8000001")
    cascade.session(kind=SessionKind.TOT, lead=cascade.master, co=[of_centre])
    namesake("8000002")  # recorded nationally, never at this centre
    namesake("8000003")

    said = " ".join(warnings(cascade.centre))

    assert "8000001" in said
    assert "8000002" not in said and "8000003" not in said
    assert "records outside your centre: 2" in said


def test_an_administrators_import_names_every_namesake(english, cascade):
    namesake("8000001")
    namesake("8000002")

    said = " ".join(warnings(None))

    assert "8000001, 8000002" in said
    assert "outside your centre" not in said
