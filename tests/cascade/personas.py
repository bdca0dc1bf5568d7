"""Logins for the workspace and permission tests: one per role, scoped like real staff.

Users get no password (hashing one costs about a second); tests sign them in with ``force_login``.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cascade import services
from cascade.models import SessionKind, TrainingSession
from lms import roles
from lms.models import Person, StaffScope
from tests.factories import PersonFactory, TrainingCentreFactory, governorate


def login(username: str, role: str, *, person: Person | None = None, centre=None, governorate=None):
    user = get_user_model().objects.create_user(username=username, password=None)
    user.groups.add(Group.objects.get(name=role))
    if person is not None:
        person.user = user
        person.save(update_fields=["user"])
    if centre is not None or governorate is not None:
        StaffScope.objects.create(user=user, training_centre=centre, governorate=governorate)
    return user


def trainer_login(person: Person, username: str = ""):
    return login(username or f"trainer-{person.pk}", roles.TRAINER, person=person)


@dataclass
class World:
    """Two trainers' sessions in two governorates, for proving who sees what."""

    session_a: TrainingSession  # led by trainer A at the cascade fixture's centre (Baghdad), co-trained by C
    session_b: TrainingSession  # led by trainer B at a Basra centre
    participant_a: Person
    participant_b: Person
    trainer_a: Person
    trainer_b: Person
    co_trainer: Person


def build_world(cascade) -> World:
    basra_centre = TrainingCentreFactory(governorate=governorate("BA"))
    trainer_a = cascade.qualified_trainer()
    trainer_b = cascade.qualified_trainer(governorate=governorate("BA"))
    co_trainer = cascade.qualified_trainer()
    session_a = cascade.session(kind=SessionKind.CASCADE, lead=trainer_a, co=[co_trainer])
    session_b = services.session_create(
        ref="B-001",
        course=cascade.course,
        kind=SessionKind.CASCADE,
        training_centre=basra_centre,
        start_date=session_a.start_date,
        end_date=session_a.end_date,
        lead_trainer=trainer_b,
    )
    participant_a, participant_b = PersonFactory(), PersonFactory(governorate=governorate("BA"))
    services.participation_record(session=session_a, person=participant_a)
    services.participation_record(session=session_b, person=participant_b)
    return World(session_a, session_b, participant_a, participant_b, trainer_a, trainer_b, co_trainer)
