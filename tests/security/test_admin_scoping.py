"""The admin's people, session and qualification screens keep to each role's scope.

The permission matrix checks answers (200, 403, 404) URL by URL; these tests check which rows the
lists and choosers hold. The world: trainer A's session in Baghdad, trainer B's session at a Basra
centre; the manager runs that Basra centre, the officer reads Basra.
"""

import pytest
from django.contrib.auth.models import Group, Permission

from cascade.models import TrainerQualification, TrainingSession
from lms import roles
from lms.admin_scope import person_admin_scope
from lms.models import Person
from tests.cascade.personas import build_world, login, trainer_login
from tests.conftest import log_in_verified
from tests.factories import PersonFactory, governorate

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cascade):
    world = build_world(cascade)
    # A Basra officer reads every person of Basra, also those in no session yet.
    world.basra_newcomer = PersonFactory(governorate=governorate("BA"))
    return world


def manager_of(world):
    return login("scope-manager", roles.CENTRE_MANAGER, centre=world.session_b.training_centre)


def officer_of(world):
    return login("scope-officer", roles.GOVERNORATE_OFFICER, governorate=world.session_b.governorate)


def rows(client, user, url) -> set[int]:
    log_in_verified(client, user)
    response = client.get(url)
    assert response.status_code == 200, url
    return {row.pk for row in response.context["object_list"]}


def chooser_rows(client, user, model_path, **params) -> set[int]:
    log_in_verified(client, user)
    response = client.get(f"/admin/snippets/choose/{model_path}/results/", params)
    assert response.status_code == 200
    return {row.pk for row in response.context["results"]}


def refused(response) -> bool:
    """A 403, or the admin's answer to a permission refusal: back to its dashboard."""
    return response.status_code == 403 or (response.status_code == 302 and response["Location"] == "/admin/")


def qualifications_of(*people) -> set[int]:
    return set(TrainerQualification.objects.filter(person__in=people).values_list("pk", flat=True))


def test_a_centre_managers_lists_hold_their_centre_only(client, world):
    manager = manager_of(world)
    assert rows(client, manager, "/admin/sessions/") == {world.session_b.pk}
    # Their centre's people, and the people of its governorate whom no session names yet (a roster
    # loaded ahead of its sessions); never another governorate's.
    assert rows(client, manager, "/admin/people/") == {
        world.trainer_b.pk,
        world.participant_b.pk,
        world.basra_newcomer.pk,
    }
    assert rows(client, manager, "/admin/qualifications/") == qualifications_of(world.trainer_b)
    assert qualifications_of(world.trainer_b)  # the list above is not trivially empty
    # Reading a roster person is not changing them: that stays with administrators.
    assert log_in_verified(client, manager).get(f"/admin/people/edit/{world.basra_newcomer.pk}/").status_code == 404


def test_a_governorate_officers_lists_hold_their_governorate_only(client, world):
    officer = officer_of(world)
    assert rows(client, officer, "/admin/sessions/") == {world.session_b.pk}
    assert rows(client, officer, "/admin/people/") == {
        world.trainer_b.pk,
        world.participant_b.pk,
        world.basra_newcomer.pk,
    }
    assert rows(client, officer, "/admin/qualifications/") == qualifications_of(world.trainer_b)


def test_the_list_search_stays_inside_the_scope(client, world):
    manager = manager_of(world)
    found = rows(client, manager, f"/admin/people/?q={world.participant_a.service_number}")
    assert found == set()
    found = rows(client, manager, f"/admin/people/?q={world.participant_b.service_number}")
    assert found == {world.participant_b.pk}


def test_a_directorate_auditor_lists_everything(client, world):
    auditor = login("scope-auditor", roles.DIRECTORATE_AUDITOR)
    assert rows(client, auditor, "/admin/sessions/") == set(TrainingSession.objects.values_list("pk", flat=True))
    assert rows(client, auditor, "/admin/people/") == set(Person.objects.values_list("pk", flat=True))


@pytest.fixture
def trainer_with_admin_access(world):
    """Trainer A, who also authors a course (course authors' groups carry wagtailadmin.access_admin)."""
    user = trainer_login(world.trainer_a, username="author-trainer")
    authors, _created = Group.objects.get_or_create(name="authors of a course")
    authors.permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(authors)
    return user


@pytest.mark.parametrize(
    "url",
    [
        "/admin/people/",
        "/admin/people/results/",
        "/admin/sessions/",
        "/admin/qualifications/",
        "/admin/snippets/choose/lms/person/",
        "/admin/snippets/choose/cascade/trainingsession/",
    ],
)
def test_a_trainer_with_admin_access_gets_no_people_session_or_qualification_screen(
    client, trainer_with_admin_access, url
):
    log_in_verified(client, trainer_with_admin_access)
    assert refused(client.get(url))


def test_a_trainer_with_admin_access_passes_the_second_factor_before_the_admin_but_not_the_workspace(
    client, trainer_with_admin_access
):
    client.force_login(trainer_with_admin_access)
    assert client.get("/cascade/workspace/").status_code == 200
    response = client.get("/admin/pages/")
    assert response.status_code == 302 and response["Location"].startswith("/account/second-factor/")
    log_in_verified(client, trainer_with_admin_access)
    assert client.get("/admin/").status_code == 200


def test_a_trainer_with_admin_access_cannot_open_even_their_own_session_there(client, world, trainer_with_admin_access):
    log_in_verified(client, trainer_with_admin_access)
    assert client.get(f"/admin/sessions/edit/{world.session_a.pk}/").status_code == 404
    assert client.get(f"/admin/people/inspect/{world.participant_a.pk}/").status_code == 404


def test_the_person_chooser_refuses_a_role_without_the_person_permission(client, world):
    reviewer = login("scope-reviewer", roles.CONTENT_REVIEWER)
    log_in_verified(client, reviewer)
    assert refused(client.get("/admin/snippets/choose/lms/person/results/"))
    assert refused(client.get(f"/admin/snippets/choose/lms/person/chosen/{world.participant_a.pk}/"))


def test_an_officers_person_chooser_offers_only_the_people_they_read(client, world):
    officer = officer_of(world)
    offered = chooser_rows(client, officer, "lms/person")
    assert offered == {world.trainer_b.pk, world.participant_b.pk, world.basra_newcomer.pk}
    assert chooser_rows(client, officer, "lms/person", q=world.participant_a.service_number) == set()
    assert client.get(f"/admin/snippets/choose/lms/person/chosen/{world.participant_a.pk}/").status_code == 404


def test_a_managers_person_chooser_finds_anyone_for_a_roster(client, world):
    # People come to a centre from any unit (cascade.permissions.can_add_people).
    manager = manager_of(world)
    found = chooser_rows(client, manager, "lms/person", q=world.participant_a.service_number)
    assert found == {world.participant_a.pk}


def test_the_session_chooser_offers_only_the_sessions_in_scope(client, world):
    assert chooser_rows(client, manager_of(world), "cascade/trainingsession") == {world.session_b.pk}
    response = client.get(f"/admin/snippets/choose/cascade/trainingsession/chosen/{world.session_a.pk}/")
    assert response.status_code == 404


def test_a_manager_cannot_change_another_centres_session_by_posting(client, world):
    log_in_verified(client, manager_of(world))
    response = client.post(f"/admin/sessions/edit/{world.session_a.pk}/", {"ref": "HIJACKED"})
    assert response.status_code == 404
    world.session_a.refresh_from_db()
    assert world.session_a.ref != "HIJACKED"


def test_a_manager_changes_a_person_of_their_centre_but_only_reads_nobody_else(client, world):
    log_in_verified(client, manager_of(world))
    assert client.get(f"/admin/people/edit/{world.participant_b.pk}/").status_code == 200
    assert client.get(f"/admin/people/edit/{world.participant_a.pk}/").status_code == 404
    # No delete right: nothing is in scope for deleting, so the page is not found.
    assert client.get(f"/admin/people/delete/{world.participant_b.pk}/").status_code == 404


def test_without_a_scope_hook_only_superusers_reach_the_people_screens(monkeypatch, world, django_user_model):
    monkeypatch.setattr("lms.admin_scope.hooks.get_hooks", lambda name: [])
    auditor = login("scope-auditor", roles.DIRECTORATE_AUDITOR)
    superuser = django_user_model.objects.create_superuser(username="scope-root", password=None)
    assert person_admin_scope(auditor, "view") is None
    assert person_admin_scope(superuser, "view").count() == Person.objects.count()


def test_a_centre_manager_with_no_centre_yet_gets_empty_lists(client, world):
    manager = login("unplaced-manager", roles.CENTRE_MANAGER)
    assert rows(client, manager, "/admin/sessions/") == set()
    assert rows(client, manager, "/admin/people/") == set()


def test_a_persons_usage_page_names_only_the_records_the_user_may_open(client, world):
    from cascade import services

    # A Basra participant who also attended trainer A's session at another governorate's centre.
    services.participation_record(session=world.session_a, person=world.participant_b)
    manager = manager_of(world)
    log_in_verified(client, manager)
    response = client.get(f"/admin/people/usage/{world.participant_b.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"/admin/sessions/edit/{world.session_b.pk}/" in page  # their own centre's session
    assert f"/admin/sessions/edit/{world.session_a.pk}/" not in page
    assert world.session_a.ref not in page and world.session_a.training_centre.name_en not in page
    assert world.session_b.ref in page
    # The other centre's session is a row without a name or a link (Wagtail's "private" row).
    edit_urls = sorted(str(row.instance["edit_url"]) for row in response.context["table"].rows)
    assert edit_urls == sorted(["None", f"/admin/sessions/edit/{world.session_b.pk}/"])
