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
