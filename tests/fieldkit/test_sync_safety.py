"""The sync endpoint under the conditions a shared phone and a busy server bring: who is signed in, how,
and what happens when two writes race."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cascade import services
from cascade.models import Participation, SessionKind
from fieldkit import services as sync
from fieldkit.models import SyncChange
from lms import roles
from tests.cascade.personas import login, trainer_login
from tests.conftest import log_in_verified
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def field(cascade):
    today = timezone.localdate()
    trainer = cascade.qualified_trainer(start=today - timedelta(days=200))
    session = cascade.session(kind=SessionKind.CASCADE, lead=trainer, start=today - timedelta(days=4))
    people = [PersonFactory() for _ in range(3)]
    for person in people:
        services.participation_record(session=session, person=person)
    return session, trainer_login(trainer), people


def change(kind: str, **fields) -> dict:
    return {"id": str(uuid.uuid4()), "kind": kind, **fields}


def test_staff_signed_in_by_password_alone_cannot_write_through_the_sync(field, client):
    session, _trainer, people = field
    manager = login("manager", roles.CENTRE_MANAGER, centre=session.training_centre)
    score = change("score", session=session.pk, person=people[0].pk, field="pre_score", value="55")
    client.force_login(manager)  # password passed, second factor not
    response = client.post("/api/v1/sync/", {"changes": [score]}, content_type="application/json")
    assert response.status_code == 403
    assert Participation.objects.get(session=session, person=people[0]).pre_score is None
    assert not SyncChange.objects.exists()
    # Past the second factor, the same change is applied (the manager may edit the centre's sessions).
    log_in_verified(client, manager)
    response = client.post("/api/v1/sync/", {"changes": [score]}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["results"][0]["status"] == "applied"
    assert Participation.objects.get(session=session, person=people[0]).pre_score == Decimal("55")


def test_an_off_roster_reason_names_only_people_the_session_had(field):
    session, user, people = field
    stranger = PersonFactory(name_ar="غريب عن الدورة", service_number="990011")
    services.participation_remove(session=session, person=people[0])
    results = sync.sync_apply(
        user=user,
        changes=[
            change("score", session=session.pk, person=stranger.pk, field="pre_score", value="50"),
            change("score", session=session.pk, person=people[0].pk, field="pre_score", value="50"),
        ],
    )
    assert [r.code for r in results] == ["off_roster", "off_roster"]
    assert f"#{stranger.pk}" in results[0].message
    assert "990011" not in results[0].message and "غريب" not in results[0].message
    assert people[0].service_number in results[1].message  # taken off this roster: the trainer knew them
