"""The lineage, reach and audit pages: wiring, what they show, and who may see them."""

from datetime import date

import pytest
from django.urls import reverse

from cascade import lineage, services
from cascade.models import Outcome, Participation, SessionKind, SessionTrainer, TrainerRole
from lms import roles
from tests.cascade.personas import build_world, login, trainer_login
from tests.conftest import log_in_verified
from tests.factories import PersonFactory, governorate

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cascade):
    return build_world(cascade)


def lineage_url(person) -> str:
    return reverse("cascade:person_lineage", args=[person.pk])


def reach_url(person) -> str:
    return reverse("cascade:trainer_reach", args=[person.pk])


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for url in (lineage_url(world.participant_a), reach_url(world.trainer_a), reverse("cascade:integrity_audit")):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response.url


def test_a_trainer_sees_the_chain_of_their_participant_up_to_the_master_trainer(client, world, cascade):
    client.force_login(trainer_login(world.trainer_a))
    response = client.get(lineage_url(world.participant_a))
    assert response.status_code == 200
    top, direct = response.context["chain"]  # from generation 0 down to the trainers of the participant
    assert {entry.person for entry in direct.entries} == {world.trainer_a, world.co_trainer}
    assert [entry.person for entry in top.entries] == [cascade.master]
    (session,) = [s for s in direct.entries[0].sessions]
    assert session.edge.session_id == world.session_a.pk and session.trained == [world.participant_a]
    # The master trainer trained both of them in ToT sessions: every path is drawn.
    trained_by_master = {person for s in top.entries[0].sessions for person in s.trained}
    assert trained_by_master == {world.trainer_a, world.co_trainer}
    html = response.content.decode()
    for person in (world.trainer_a, world.co_trainer, cascade.master):
        assert person.service_number in html
    assert response.context["generation"] == 2


def test_a_trainer_sees_their_own_tree_and_reach_but_not_another_trainers(client, world):
    client.force_login(trainer_login(world.trainer_a))
    own = client.get(lineage_url(world.trainer_a))
    assert own.status_code == 200
    assert [s.pk for s in own.context["sessions"]] == [world.session_a.pk]
    participants = client.get(
        reverse("cascade:person_lineage_participants", args=[world.trainer_a.pk, world.session_a.pk]) + "?partial=1"
    )
    assert participants.status_code == 200
    assert world.participant_a.service_number in participants.content.decode()
    assert "<html" not in participants.content.decode()  # a fragment for the tree's script
    assert client.get(reach_url(world.trainer_a)).status_code == 200
    for url in (
        lineage_url(world.trainer_b),
        reach_url(world.trainer_b),
        lineage_url(world.participant_b),
        reverse("cascade:person_lineage_sessions", args=[world.trainer_b.pk]),
        reverse("cascade:person_lineage_participants", args=[world.trainer_b.pk, world.session_b.pk]),
        # Not a session trainer A trained: no door into another trainer's roster.
        reverse("cascade:person_lineage_participants", args=[world.trainer_a.pk, world.session_b.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_a_trainee_sees_only_their_own_chain_upward(client, world):
    client.force_login(login("trainee-a", roles.TRAINEE, person=world.participant_a))
    own = client.get(lineage_url(world.participant_a))
    assert own.status_code == 200
    assert own.context["tree_access"] is None and not own.context["can_see_reach"]
    assert world.trainer_a.service_number in own.content.decode()
    for url in (reach_url(world.participant_a), lineage_url(world.trainer_a), lineage_url(world.participant_b)):
        assert client.get(url).status_code == 404, url


def test_staff_of_a_governorate_see_its_people_and_only_name_people_in_their_scope(client, world, cascade):
    # A Basra participant of trainer B later trains someone in Baghdad (outside the officer's scope).
    services.participation_record(session=world.session_b, person=world.participant_b, outcome=Outcome.COMPLETED)
    tot = cascade.session(kind=SessionKind.TOT, lead=world.trainer_b, start=date(2022, 6, 1))
    services.participation_record(session=tot, person=world.participant_b, outcome=Outcome.COMPLETED)
    services.session_close(session=tot)
    baghdad_trainee = PersonFactory(governorate=governorate("BG"))
    later = cascade.session(kind=SessionKind.CASCADE, lead=world.participant_b, start=date(2023, 1, 8))
    services.participation_record(session=later, person=baghdad_trainee)

    officer = login("officer-ba", roles.GOVERNORATE_OFFICER, governorate=governorate("BA"))
    log_in_verified(client, officer)
    assert client.get(lineage_url(world.participant_b)).status_code == 200
    assert client.get(lineage_url(world.participant_a)).status_code == 404
    page = client.get(reverse("cascade:person_lineage_participants", args=[world.participant_b.pk, later.pk]))
    assert page.status_code == 200
    assert baghdad_trainee.service_number not in page.content.decode()
    assert page.context["hidden"] == 1
    reach_page = client.get(reach_url(world.participant_b))
    assert reach_page.context["reach"].total == 1
    assert baghdad_trainee.service_number not in reach_page.content.decode()


def test_the_directorate_sees_everyone_named(client, world, cascade):
    log_in_verified(client, login("auditor", roles.DIRECTORATE_AUDITOR))
    response = client.get(lineage_url(cascade.master))
    assert response.status_code == 200
    assert response.context["below_total"] == len(lineage.descendant_ids([cascade.master.pk]))
    reach_page = client.get(reach_url(cascade.master))
    assert reach_page.status_code == 200
    assert reach_page.context["reach"].total == response.context["below_total"]


def test_the_audit_page_lists_every_violation_with_its_records_for_the_directorate_only(client, world, english):
    # History loaded without the rules: trainer A also "attends" their own session.
    Participation.objects.create(session=world.session_a, person=world.trainer_a)
    # and participant A trains trainer A's trainer in a session: a cycle.
    SessionTrainer.objects.create(session=world.session_b, person=world.participant_a, role=TrainerRole.CO_TRAINER)
    Participation.objects.create(session=world.session_b, person=world.trainer_a)

    log_in_verified(client, login("auditor", roles.DIRECTORATE_AUDITOR))
    response = client.get(reverse("cascade:integrity_audit"))
    assert response.status_code == 200
    groups = {group["rule"]: group["rows"] for group in response.context["groups"]}
    assert len(groups["self_training"]) == 1
    assert world.trainer_a in groups["self_training"][0]["people"]
    assert groups["self_training"][0]["sessions"][0]["ref"] == world.session_a.ref
    assert groups["lineage_cycle"], "the cycle is listed"
    assert {world.trainer_a, world.participant_a} <= set(groups["lineage_cycle"][0]["people"])
    assert groups["trainer_not_qualified"]  # participant A is not qualified to co-train session B
    html = response.content.decode()
    assert world.session_a.ref in html and lineage_url(world.trainer_a) in html

    for user in (
        trainer_login(world.trainer_a),
        login("m", roles.CENTRE_MANAGER, centre=world.session_a.training_centre),
    ):
        log_in_verified(client, user)
        assert client.get(reverse("cascade:integrity_audit")).status_code == 403
