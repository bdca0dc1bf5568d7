"""Who sees and changes which sessions and people (cascade.permissions), role by role."""

import pytest

from cascade import permissions
from cascade.models import TrainingSession
from lms import roles
from lms.models import Person
from tests.cascade.personas import World, build_world, login, trainer_login
from tests.factories import governorate

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cascade) -> World:
    return build_world(cascade)


def visible(user) -> set[str]:
    return set(permissions.sessions_visible_to(user).values_list("ref", flat=True))


def editable(user) -> set[str]:
    return set(permissions.sessions_editable_by(user).values_list("ref", flat=True))


def test_a_trainer_sees_and_changes_only_the_sessions_they_lead_or_co_train(world, cascade):
    lead = trainer_login(world.trainer_a)
    co = trainer_login(world.co_trainer)
    other = trainer_login(world.trainer_b)
    assert visible(lead) == editable(lead) == {world.session_a.ref}
    assert visible(co) == editable(co) == {world.session_a.ref}
    assert visible(other) == editable(other) == {world.session_b.ref}
    assert permissions.can_edit_session(lead, world.session_a)
    assert not permissions.can_edit_session(lead, world.session_b)
    assert not permissions.can_reopen_session(lead, world.session_a)


def test_a_trainer_sees_the_people_of_their_sessions_and_nobody_else(world):
    user = trainer_login(world.trainer_a)
    people = set(permissions.people_visible_to(user))
    assert {world.trainer_a, world.co_trainer, world.participant_a} <= people
    assert world.participant_b not in people and world.trainer_b not in people


def test_a_centre_manager_sees_changes_and_reopens_their_centres_sessions_only(world):
    centre = world.session_a.training_centre
    manager = login("m", roles.CENTRE_MANAGER, centre=centre)
    centre_sessions = set(centre.sessions.values_list("ref", flat=True))  # the ToT sessions too
    assert world.session_a.ref in centre_sessions and world.session_b.ref not in centre_sessions
    assert visible(manager) == editable(manager) == centre_sessions
    assert permissions.can_reopen_session(manager, world.session_a)
    assert not permissions.can_reopen_session(manager, world.session_b)
    assert world.participant_b not in set(permissions.people_visible_to(manager))


def test_a_governorate_officer_reads_their_governorate_and_changes_nothing(world):
    officer = login("o", roles.GOVERNORATE_OFFICER, governorate=governorate("BA"))
    assert visible(officer) == {world.session_b.ref}
    assert editable(officer) == set()
    people = set(permissions.people_visible_to(officer))
    assert world.participant_b in people and world.participant_a not in people


def test_a_directorate_auditor_reads_everything_and_changes_nothing(world):
    auditor = login("a", roles.DIRECTORATE_AUDITOR)
    assert visible(auditor) == {s.ref for s in TrainingSession.objects.all()}
    assert editable(auditor) == set()
    assert permissions.people_visible_to(auditor).count() == Person.objects.count()
    assert not permissions.can_add_people(auditor)


def test_a_trainee_sees_only_their_own_participations_and_themselves(world):
    trainee = login("t", roles.TRAINEE, person=world.participant_a)
    assert visible(trainee) == set()
    assert list(permissions.participations_visible_to(trainee).values_list("person", flat=True)) == [
        world.participant_a.pk
    ]
    assert list(permissions.people_visible_to(trainee)) == [world.participant_a]


def test_a_staff_role_without_its_scope_sees_nothing(world):
    manager = login("m", roles.CENTRE_MANAGER)
    officer = login("o", roles.GOVERNORATE_OFFICER)
    assert visible(manager) == visible(officer) == set()
    assert not permissions.can_reopen_session(manager, world.session_a)


def test_anonymous_and_inactive_users_see_nothing(world, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    inactive = trainer_login(world.trainer_a)
    inactive.is_active = False
    assert visible(AnonymousUser()) == visible(inactive) == set()
    assert permissions.people_visible_to(AnonymousUser()).count() == 0
    assert not permissions.can_edit_session(inactive, world.session_a)


def test_a_user_with_two_roles_sees_the_union(world):
    user = login("both", roles.CENTRE_MANAGER, centre=world.session_b.training_centre, person=world.trainer_a)
    user.groups.add(*type(user.groups.first()).objects.filter(name=roles.TRAINER))
    user = type(user).objects.get(pk=user.pk)
    assert visible(user) == {world.session_a.ref, world.session_b.ref}
