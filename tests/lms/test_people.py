import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from lms.models import Person
from tests.factories import PersonFactory, StationFactory, governorate

pytestmark = pytest.mark.django_db


def test_the_service_number_is_unique():
    PersonFactory(service_number="12345")
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(service_number="12345")


def test_search_tolerates_arabic_spelling_variants():
    person = PersonFactory(name_ar="أحمد عبد الله الجبوري")
    assert list(Person.objects.search_name("احمد عبدالله"[:4])) == [person]
    assert list(Person.objects.search_name("عبد اللّه")) == [person]


def test_search_finds_a_name_from_the_parts_an_office_writes_and_a_part_of_the_service_number():
    person = PersonFactory(
        name_ar="محمد علي حسين الجبوري", name_latin="Mohammed Ali Hussein Al-Jubouri", service_number="BG-40517"
    )
    PersonFactory(name_ar="محمد حسن علي الربيعي", service_number="BA-11111")
    assert list(Person.objects.search_name("محمد علي الجبوري")) == [person]  # first, father's, family name
    assert list(Person.objects.search_name("الجبوري محمد")) == [person]  # in any order
    assert list(Person.objects.search_name("mohammed jubouri")) == [person]
    assert list(Person.objects.search_name("40517")) == [person]
    assert list(Person.objects.search_name("٤٠٥١٧")) == [person]  # Arabic-Indic digits
    assert list(Person.objects.search_name("محمد علي الربيعي الجبوري")) == []  # every word must be there
    assert list(Person.objects.search_name("   ")) == []


def test_a_station_of_another_governorate_is_refused():
    station = StationFactory(unit__governorate=governorate("BA"))
    person = PersonFactory.build(governorate=governorate("BG"), station=station)
    with pytest.raises(ValidationError) as excinfo:
        person.clean()
    assert "station" in excinfo.value.message_dict


def test_a_person_can_be_trainee_in_one_session_and_trainer_in_another(cascade):
    trainer = cascade.qualified_trainer()  # participant of a ToT session ...
    assert trainer.participations.count() == 1
    assert trainer.qualifications.count() == 1  # ... and now qualified to train
