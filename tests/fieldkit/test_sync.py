"""The sync of changes recorded offline: idempotent, through the cascade's writer, honest about conflicts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from cascade import services
from cascade.models import AttendanceDay, Outcome, Participation
from fieldkit import services as sync
from fieldkit.models import ChangeStatus, SyncChange
from lms import roles
from lms.models import Person
from tests.cascade.personas import login, trainer_login
from tests.fieldkit.conftest import change

pytestmark = pytest.mark.django_db


def marks(session, people, days: int) -> list[dict]:
    batch = []
    for person in people:
        for n in range(days):
            day = session.start_date + timedelta(days=n)
            batch.append(change("attendance", session=session.pk, person=person.pk, day=str(day), present=True))
        batch.append(change("score", session=session.pk, person=person.pk, field="pre_score", value="٤٥"))
    return batch


def test_replaying_the_same_batch_stores_nothing_new(field):
    session, user, people = field
    batch = marks(session, people, 3)
    first = sync.sync_apply(user=user, changes=batch)
    assert {r.status for r in first} == {"applied"}
    roster = Participation.objects.filter(session=session)
    counts = (SyncChange.objects.count(), AttendanceDay.objects.count(), roster.count())
    assert counts == (len(batch), 9, 3)
    again = sync.sync_apply(user=user, changes=batch)
    assert all(r.replayed and r.status == "applied" for r in again)
    assert (SyncChange.objects.count(), AttendanceDay.objects.count(), roster.count()) == counts
    # Arabic-Indic digits are read as 0-9.
    assert set(roster.values_list("pre_score", flat=True)) == {Decimal("45")}


def test_one_bad_change_is_returned_with_its_reason_and_the_good_ones_are_stored(field):
    session, user, people = field
    good = marks(session, people[:2], 2)
    bad = change("score", session=session.pk, person=people[2].pk, field="post_score", value="150")
    with translation.override("ar"):
        results = sync.sync_apply(user=user, changes=[*good, bad])
    assert [r.status for r in results] == ["applied"] * len(good) + ["conflict"]
    assert results[-1].code == "score_out_of_range"
    assert "150" in results[-1].message and "درجة" in results[-1].message  # the rule, in Arabic
    assert AttendanceDay.objects.count() == 4
    stored = SyncChange.objects.get(change_id=bad["id"])
    assert stored.status == ChangeStatus.CONFLICT and stored.code == "score_out_of_range"
    # Edited to a valid score, it is applied.
    sync.conflict_resolve(user=user, change=stored, choice=sync.EDIT, value="٩٠")
    assert Participation.objects.get(person=people[2]).post_score == Decimal("90")
    assert SyncChange.objects.get(pk=stored.pk).status == ChangeStatus.EDITED


def test_a_session_closed_meanwhile_returns_conflicts_resolved_by_the_trainer(field):
    session, user, people = field
    manager = login("manager", roles.CENTRE_MANAGER, centre=session.training_centre)
    services.session_close(session=session)
    batch = [
        change("attendance", session=session.pk, person=people[0].pk, day=str(session.start_date), present=True),
        change("outcome", session=session.pk, person=people[1].pk, outcome=Outcome.COMPLETED, base="incomplete"),
    ]
    results = sync.sync_apply(user=user, changes=batch)
    assert [(r.status, r.code) for r in results] == [("conflict", "session_closed")] * 2
    assert AttendanceDay.objects.count() == 0
    # The centre manager sees them; keep mine fails while the session is closed and stays a conflict.
    assert sync.conflicts_visible_to(manager).conflicts().count() == 2
    first, second = SyncChange.objects.order_by("position")
    with pytest.raises(sync.ValidationError):
        sync.conflict_resolve(user=user, change=first, choice=sync.KEEP_MINE)
    services.session_reopen(session=session, reopened_by=manager, reason="late attendance sheet")
    sync.conflict_resolve(user=user, change=first, choice=sync.KEEP_MINE)
    sync.conflict_resolve(user=user, change=second, choice=sync.KEEP_THEIRS)
    assert AttendanceDay.objects.filter(participation__person=people[0]).count() == 1
    assert Participation.objects.get(person=people[1]).outcome == Outcome.INCOMPLETE
    assert sorted(SyncChange.objects.values_list("status", flat=True)) == ["kept_mine", "kept_theirs"]
    assert not sync.conflicts_visible_to(manager).conflicts().exists()


def test_a_value_changed_by_someone_else_is_a_conflict_not_an_overwrite(field):
    session, user, people = field
    services.participation_record(session=session, person=people[0], pre_score=70)
    results = sync.sync_apply(
        user=user,
        changes=[change("score", session=session.pk, person=people[0].pk, field="pre_score", value="50", base=None)],
    )
    assert results[0].code == "changed_on_server"
    assert Participation.objects.get(person=people[0]).pre_score == Decimal("70")


def test_new_people_are_created_once_and_named_by_later_changes(field):
    session, user, _people = field
    create = change(
        "person_create",
        session=session.pk,
        service_number="٧٧٠٠١",
        name_ar="حسن علي",
        gender="M",
        governorate=session.governorate_id,
    )
    mark = change("attendance", session=session.pk, person_ref=create["id"], day=str(session.start_date), present=True)
    sync.sync_apply(user=user, changes=[create, mark])
    sync.sync_apply(user=user, changes=[create, mark])
    person = Person.objects.get(service_number="77001")
    assert AttendanceDay.objects.filter(participation__person=person).count() == 1


def test_a_trainer_syncs_only_their_own_sessions(field, cascade):
    session, _user, people = field
    other = cascade.qualified_trainer(start=session.start_date - timedelta(days=100))
    results = sync.sync_apply(
        user=trainer_login(other),
        changes=[change("outcome", session=session.pk, person=people[0].pk, outcome="completed")],
    )
    assert results[0].status == "refused" and results[0].code == "session_not_yours"
    assert not SyncChange.objects.exists()


def test_the_endpoint_answers_each_change(field, client):
    session, user, people = field
    client.force_login(user)
    batch = marks(session, people[:1], 1) + [{"id": "not-a-uuid", "kind": "score"}]
    response = client.post("/api/v1/sync/", {"changes": batch}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["status"] for r in body["results"]] == ["applied", "applied", "refused"]
    assert body["conflicts"] == 0
    assert body["user"] == user.pk  # a page opened under another login knows to open again
    assert client.post("/api/v1/sync/", {"changes": "x"}, content_type="application/json").status_code == 400


def test_a_merged_person_and_a_lapsed_qualification_come_back_with_their_reasons(field):
    from cascade.models import TrainerQualification
    from imports.merge import person_merge

    session, user, people = field
    survivor, duplicate = people[0], people[1]
    person_merge(survivor=survivor, duplicate=duplicate)
    mark = change("attendance", session=session.pk, person=duplicate.pk, day=str(session.start_date), present=True)
    assert sync.sync_apply(user=user, changes=[mark])[0].code == "person_merged"
    # The trainer's qualification lapses before the session's start: every change waits, with the rule's code.
    TrainerQualification.objects.filter(person__user=user).update(valid_until=session.start_date - timedelta(days=1))
    score = change("score", session=session.pk, person=people[2].pk, field="pre_score", value="60")
    result = sync.sync_apply(user=user, changes=[score])[0]
    assert (result.status, result.code) == ("conflict", "trainer_not_qualified")
    assert Participation.objects.get(session=session, person=people[2]).pre_score is None


def test_the_sync_endpoint_is_in_the_openapi_schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "post" in schema["paths"]["/api/v1/sync/"]
    assert {"SyncBatchRequest", "SyncChangeRequest", "SyncResponse"} <= set(schema["components"]["schemas"])
