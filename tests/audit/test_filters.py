"""The dashboard's filter labels are put in the reader's language when shown, not when imported;
the generation filter offers the generations the records reach."""

from datetime import date

import pytest
from django.utils import translation

from audit.filters import generation_choices
from audit.services import facts_rebuild
from audit.tables import quarter_label
from cascade import services
from cascade.models import SessionKind
from tests.factories import PersonFactory


@pytest.mark.django_db
def test_generation_labels_follow_the_language_of_the_request():
    choices = generation_choices()
    with translation.override("en"):
        assert [str(label) for _value, label in choices][:1] == ["Generation 1"]
    with translation.override("ar"):
        arabic = str(choices[0][1])
    assert arabic != "Generation 1" and "1" in arabic


def test_only_the_generations_the_records_reach_are_offered(cascade):
    assert [value for value, _label in generation_choices()] == ["1"]  # nothing counted yet: the first only
    # A ToT the master trainer leads (generation 1); a cascade session its graduate leads (generation 2).
    graduate = cascade.qualified_trainer()
    session = cascade.session(kind=SessionKind.CASCADE, lead=graduate, start=date(2022, 3, 6))
    services.participation_record(session=session, person=PersonFactory())
    facts_rebuild()
    assert [value for value, _label in generation_choices()] == ["1", "2"]


def test_a_quarter_is_named_in_the_readers_language():
    with translation.override("en"):
        assert quarter_label("2024-07-01") == "2024 Q3"
    with translation.override("ar"):
        assert quarter_label("2024-07-01") == "الربع 3 من 2024"
