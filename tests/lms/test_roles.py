import pytest
from django.contrib.auth.models import Group

from lms import roles

pytestmark = pytest.mark.django_db


def test_every_role_is_a_group_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLES)


def test_each_group_holds_exactly_its_declared_permissions():
    for role, perms in roles.ROLE_PERMISSIONS.items():
        if role == roles.ADMINISTRATOR:
            continue
        held = {f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=role).permissions.all()}
        assert held == set(perms), role


def test_administrators_may_change_everything_of_the_project_apps():
    held = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=roles.ADMINISTRATOR).permissions.all()
    }
    assert {"lms.change_governorate", "cascade.delete_trainingsession", "courses.change_course"} <= held


def test_trainees_hold_no_model_permission():
    assert not Group.objects.get(name=roles.TRAINEE).permissions.exists()


def test_syncing_twice_changes_nothing():
    before = {g.name: set(g.permissions.values_list("id", flat=True)) for g in Group.objects.all()}
    roles.sync_role_permissions()
    after = {g.name: set(g.permissions.values_list("id", flat=True)) for g in Group.objects.all()}
    assert before == after
