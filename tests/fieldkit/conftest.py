"""What the sync tests share: a session recorded offline by its trainer, and a change as a phone sends it."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from cascade import services
from cascade.models import SessionKind
from tests.cascade.personas import trainer_login
from tests.factories import PersonFactory


@pytest.fixture
def field(cascade):
    """An open cascade session that began four days ago and ends today, its trainer, three participants."""
    today = timezone.localdate()
    trainer = cascade.qualified_trainer(start=today - timedelta(days=200))
    session = cascade.session(kind=SessionKind.CASCADE, lead=trainer, start=today - timedelta(days=4))
    people = [PersonFactory() for _ in range(3)]
    for person in people:
        services.participation_record(session=session, person=person)
    return session, trainer_login(trainer), people


def change(kind: str, **fields) -> dict:
    """A change as the phone queues it: an id of its own, its kind and fields."""
    return {"id": str(uuid.uuid4()), "kind": kind, **fields}
