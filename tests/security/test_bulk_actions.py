"""Wagtail's bulk-action confirmation pages name only records the user may act on.

An outside probe read 300 names and service numbers in one request: any account that opens the
admin could ``GET /admin/bulk/lms/person/delete/?id=1&…&id=300`` (and the same for sessions and
qualifications). Only the POST asked the permission; the confirmation page listed everything,
the records without access included. Now an id the user may not act on is a 404.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from wagtail.admin.views.bulk_action.registry import bulk_action_registry

from cascade.models import TrainerQualification, TrainingSession
from lms import roles
from lms.models import Person
from tests.cascade.personas import build_world, login, trainer_login
from tests.conftest import log_in_verified
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cascade):
    world = build_world(cascade)
    world.people = PersonFactory.create_batch(20)
    return world


def prober_accounts(world) -> dict:
    """The accounts of the probe: every one of them opens the admin."""
    reviewer = login("bulk-reviewer", roles.CONTENT_REVIEWER)
    author = trainer_login(world.trainer_b, username="bulk-author")
    # A trainer who also authors course pages: admin access, no record rights.
    author.user_permissions.add(Permission.objects.get(codename="access_admin"))
    officer = login("bulk-officer", roles.GOVERNORATE_OFFICER, governorate=world.session_b.governorate)
    # A manager of another centre than trainer A's (whose session is in the list).
    manager = login("bulk-manager", roles.CENTRE_MANAGER, centre=world.session_b.training_centre)
    for user in (reviewer, author, officer, manager):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return {"reviewer": reviewer, "author": author, "officer": officer, "manager": manager}


def bulk_url(model, ids, action="delete") -> str:
    opts = model._meta
    return f"/admin/bulk/{opts.app_label}/{opts.model_name}/{action}/?" + "&".join(f"id={pk}" for pk in ids)


def refused(response) -> bool:
    return response.status_code in (403, 404) or (response.status_code == 302 and "/admin/" in response["Location"])


@pytest.mark.parametrize(
    ("model", "label"),
    [
        (Person, lambda person: person.service_number),
        (TrainingSession, lambda session: session.ref),
        (TrainerQualification, lambda qualification: qualification.person.service_number),
    ],
)
def test_no_prober_reads_records_from_a_bulk_delete_page(client, world, model, label):
    objects = list(model.objects.all())
    assert len(objects) >= 3
    for name, user in prober_accounts(world).items():
        response = log_in_verified(client, user).get(bulk_url(model, [obj.pk for obj in objects]))
        assert refused(response), (name, response.status_code)
        body = response.content.decode()
        leaked = [label(obj) for obj in objects if label(obj) in body]
        assert not leaked, (name, leaked)


def test_an_administrator_still_confirms_a_bulk_delete(client, world):
    admin = login("bulk-admin", roles.ADMINISTRATOR)
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    response = log_in_verified(client, admin).get(bulk_url(Person, [p.pk for p in world.people[:3]]))
    assert response.status_code == 200
    assert all(p.service_number in response.content.decode() for p in world.people[:3])


def test_ids_that_are_not_numbers_are_not_found(client, world):
    admin = login("bulk-admin", roles.ADMINISTRATOR)
    response = log_in_verified(client, admin).get("/admin/bulk/lms/person/delete/?id=x%27")
    assert response.status_code == 404


def test_every_bulk_action_lists_only_what_wagtails_own_check_allows(client, world, rf):
    """For every model's every bulk action and every prober: a page that opens names nothing the
    action's own per-record check (``check_perm``) refuses that user."""
    bulk_action_registry._scan_for_bulk_actions()
    accounts = {**prober_accounts(world), "admin": login("bulk-admin", roles.ADMINISTRATOR)}
    Group.objects.get(name=roles.ADMINISTRATOR)  # the groups exist (migrations)
    checked = 0
    for app_label, models in bulk_action_registry.actions.items():
        for model_name, actions in models.items():
            model = next(iter(actions.values())).models
            model = next(m for m in model if m._meta.app_label == app_label and m._meta.model_name == model_name)
            objects = list(model._default_manager.all()[:30])
            if not objects:
                continue
            for action_type, action_class in actions.items():
                for name, user in accounts.items():
                    response = log_in_verified(client, user).get(
                        bulk_url(model, [obj.pk for obj in objects], action_type)
                    )
                    if refused(response):
                        continue
                    assert response.status_code == 200, (model_name, action_type, name, response.status_code)
                    request = rf.get("/")
                    request.user = user
                    action = action_class(request, model)
                    assert all(action.check_perm(obj) for obj in objects), (model_name, action_type, name)
                    checked += 1
    assert checked  # an administrator confirms something
