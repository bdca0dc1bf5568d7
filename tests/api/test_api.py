"""The API: tokens issued by administrators, hashed, scoped exactly like the pages, read-only."""

import pytest
from rest_framework.test import APIClient
from wagtail.models import APIToken

from lms import roles
from tests.cascade.personas import build_world, login, trainer_login
from tests.conftest import log_in_verified

pytestmark = pytest.mark.django_db


def api_client(user) -> APIClient:
    _token, raw = APIToken.create_token(user=user, name="personnel system")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def refs(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["ref"] for row in response.json()["results"]}


@pytest.fixture
def world(cascade):
    return build_world(cascade)


def test_without_a_valid_token_nothing_is_served(client, world, django_user_model):
    assert APIClient().get("/api/v1/sessions/").status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer wagtail_not-a-real-token")
    assert bad.get("/api/v1/sessions/").status_code == 401
    # A signed-in browser session is not an API credential.
    log_in_verified(client, django_user_model.objects.create_superuser(username="root", password=None))
    assert client.get("/api/v1/sessions/").status_code == 401


def test_a_revoked_token_and_an_inactive_account_stop_working(world):
    auditor = login("auditor", roles.DIRECTORATE_AUDITOR)
    token, raw = APIToken.create_token(user=auditor, name="x")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/courses/").status_code == 200
    token.revoke()
    assert client.get("/api/v1/courses/").status_code == 401

    _token, raw = APIToken.create_token(user=auditor, name="y")
    auditor.is_active = False
    auditor.save()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/courses/").status_code == 401


def test_tokens_are_stored_hashed():
    user = login("auditor", roles.DIRECTORATE_AUDITOR)
    token, raw = APIToken.create_token(user=user, name="x")
    stored = APIToken.objects.get(pk=token.pk)
    assert raw not in {stored.key_hash, stored.prefix, stored.name}
    assert raw.startswith(stored.prefix)


def test_sessions_people_and_participations_follow_the_roles(world, cascade):
    auditor = api_client(login("auditor", roles.DIRECTORATE_AUDITOR))
    assert {world.session_a.ref, world.session_b.ref} <= refs(auditor.get("/api/v1/sessions/"))

    manager = api_client(login("manager", roles.CENTRE_MANAGER, centre=world.session_b.training_centre))
    assert refs(manager.get("/api/v1/sessions/")) == {world.session_b.ref}
    assert manager.get(f"/api/v1/sessions/{world.session_a.pk}/").status_code == 404
    people = {row["service_number"] for row in manager.get("/api/v1/people/").json()["results"]}
    assert world.participant_b.service_number in people
    assert world.participant_a.service_number not in people

    trainer = api_client(trainer_login(world.trainer_a))
    assert refs(trainer.get("/api/v1/sessions/")) == {world.session_a.ref}
    rows = trainer.get("/api/v1/participations/").json()["results"]
    # Their session's participants, and their own participation in the ToT that qualified them.
    assert {row["person"] for row in rows} == {world.participant_a.service_number, world.trainer_a.service_number}
    assert trainer.get(f"/api/v1/people/{world.participant_b.pk}/").status_code == 404


def test_filters_narrow_a_list(world):
    auditor = api_client(login("auditor", roles.DIRECTORATE_AUDITOR))
    assert refs(auditor.get("/api/v1/sessions/", {"governorate": "BA"})) == {world.session_b.ref}
    assert refs(auditor.get("/api/v1/sessions/", {"ref": world.session_a.ref})) == {world.session_a.ref}
    assert auditor.get("/api/v1/sessions/", {"kind": "nonsense"}).status_code == 400


def test_the_api_is_read_only(world):
    admin = api_client(login("administrator", roles.ADMINISTRATOR))
    for method in ("post", "put", "patch", "delete"):
        response = getattr(admin, method)(f"/api/v1/sessions/{world.session_a.pk}/", {}, format="json")
        assert response.status_code == 405, method


def test_coverage_is_served_to_the_audit_roles_only(world):
    auditor = api_client(login("auditor", roles.DIRECTORATE_AUDITOR))
    response = auditor.get("/api/v1/coverage/")
    assert response.status_code == 200
    assert {"version", "totals", "by_governorate", "by_course"} <= set(response.json())

    trainer = api_client(trainer_login(world.trainer_a))
    assert trainer.get("/api/v1/coverage/").status_code == 403


def test_the_schema_describes_every_endpoint_to_a_token_holder_only(client, world):
    assert client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").status_code in (401, 403)
    response = api_client(login("schema-reader", roles.DIRECTORATE_AUDITOR)).get(
        "/api/v1/schema/", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    paths = set(response.json()["paths"])
    assert {
        "/api/v1/courses/",
        "/api/v1/sessions/",
        "/api/v1/sessions/{id}/",
        "/api/v1/participations/",
        "/api/v1/people/",
        "/api/v1/certificates/",
        "/api/v1/coverage/",
    } <= paths
