"""factory-boy factories with Arabic names and Latin transliterations.

Trainer and participation rows are written as the cascade's writer writes them: the row, then the
lineage upkeep for it (``cascade.lineage_upkeep``), so the index and the stored generations hold them.
"""

import factory
from factory.django import DjangoModelFactory

from cascade import lineage_upkeep
from cascade.models import (
    Outcome,
    Participation,
    SessionKind,
    SessionTrainer,
    TrainerQualification,
    TrainerRole,
    TrainingSession,
)
from courses.models import Course
from lms.models import Gender, Governorate, Person, PoliceUnit, Rank, Station, TrainingCentre


def governorate(code: str = "BG") -> Governorate:
    """The 18 governorates are reference data loaded by a migration."""
    return Governorate.objects.get(code=code)


def course(code: str = "MPS-01") -> Course:
    """The eight courses are reference data loaded by a migration."""
    return Course.objects.get(code=code)


class TrainingCentreFactory(DjangoModelFactory):
    class Meta:
        model = TrainingCentre

    code = factory.Sequence(lambda n: f"TC{n:03d}")
    name_en = factory.Sequence(lambda n: f"Police Training Centre {n}")
    name_ar = factory.Sequence(lambda n: f"مركز تدريب الشرطة {n}")
    governorate = factory.LazyFunction(governorate)


class PoliceUnitFactory(DjangoModelFactory):
    class Meta:
        model = PoliceUnit

    name_en = factory.Sequence(lambda n: f"Police Directorate {n}")
    name_ar = factory.Sequence(lambda n: f"مديرية الشرطة {n}")
    governorate = factory.LazyFunction(governorate)


class StationFactory(DjangoModelFactory):
    class Meta:
        model = Station

    name_en = factory.Sequence(lambda n: f"Station {n}")
    name_ar = factory.Sequence(lambda n: f"مركز شرطة {n}")
    unit = factory.SubFactory(PoliceUnitFactory)
    governorate = factory.SelfAttribute("unit.governorate")


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    service_number = factory.Sequence(lambda n: f"SN{n:07d}")
    name_ar = factory.Faker("name", locale="ar_AA")
    name_latin = factory.Faker("name", locale="en_US")
    gender = Gender.MALE
    rank = Rank.LIEUTENANT
    governorate = factory.LazyFunction(governorate)


class MasterTrainerFactory(PersonFactory):
    is_master_trainer = True
    rank = Rank.CIVILIAN


class TrainingSessionFactory(DjangoModelFactory):
    """A bare session row. Tests that exercise the rules go through ``cascade.services`` instead."""

    class Meta:
        model = TrainingSession

    ref = factory.Sequence(lambda n: f"S-{n:05d}")
    course = factory.LazyFunction(course)
    kind = SessionKind.CASCADE
    training_centre = factory.SubFactory(TrainingCentreFactory)
    governorate = factory.SelfAttribute("training_centre.governorate")
    start_date = factory.Faker("date_between", start_date="-4y", end_date="-1y")
    end_date = factory.LazyAttribute(lambda o: o.start_date)


class SessionTrainerFactory(DjangoModelFactory):
    class Meta:
        model = SessionTrainer

    session = factory.SubFactory(TrainingSessionFactory)
    person = factory.SubFactory(PersonFactory)
    role = TrainerRole.LEAD

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        row = super()._create(model_class, *args, **kwargs)
        lineage_upkeep.links_add_session(row.session_id, trainer_id=row.person_id)
        return row


class ParticipationFactory(DjangoModelFactory):
    class Meta:
        model = Participation

    session = factory.SubFactory(TrainingSessionFactory)
    person = factory.SubFactory(PersonFactory)
    days_attended = 5
    outcome = Outcome.COMPLETED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        row = super()._create(model_class, *args, **kwargs)
        lineage_upkeep.links_add_session(row.session_id, participant_id=row.person_id)
        return row


class TrainerQualificationFactory(DjangoModelFactory):
    class Meta:
        model = TrainerQualification

    person = factory.SubFactory(PersonFactory)
    course = factory.LazyFunction(course)
    valid_from = factory.Faker("date_between", start_date="-6y", end_date="-5y")
    valid_until = None
