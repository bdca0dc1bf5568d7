"""Markup of the workspace pages that right-to-left lines and screen readers depend on."""

from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from cascade import services
from tests.cascade.personas import build_world, trainer_login
from tests.cascade.test_workspace import roster_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cascade):
    return build_world(cascade)


def url(name: str, *args) -> str:
    return reverse(f"cascade:{name}", args=args)


def isolated(service_number: str) -> str:
    return f'<bdi dir="ltr" class="identifier">({service_number})</bdi>'


def test_the_roster_shows_each_service_number_isolated_left_to_right(client, world):
    client.force_login(trainer_login(world.trainer_a))
    page = client.get(url("workspace_session", world.session_a.pk)).content.decode()
    for person in (world.participant_a, world.trainer_a, world.co_trainer):
        assert isolated(person.service_number) in page


def test_a_closed_roster_and_the_search_results_show_them_isolated_too(client, world):
    client.force_login(trainer_login(world.trainer_a))
    search = client.get(url("workspace_participant_add", world.session_a.pk), {"q": world.participant_b.name_ar})
    assert isolated(world.participant_b.service_number) in search.content.decode()
    services.session_close(session=world.session_a)
    closed = client.get(url("workspace_session", world.session_a.pk)).content.decode()
    assert isolated(world.participant_a.service_number) in closed


def test_the_note_after_a_removal_shows_the_service_number_isolated(client, world):
    client.force_login(trainer_login(world.trainer_a))
    client.post(url("workspace_participant_remove", world.session_a.pk, world.participant_a.pk))
    page = client.get(url("workspace_session", world.session_a.pk)).content.decode()
    assert isolated(world.participant_a.service_number) in page


def test_the_site_stylesheet_keeps_an_identifier_on_one_line():
    with open(finders.find("css/site.css"), encoding="utf-8") as stylesheet:
        assert ".identifier { white-space: nowrap; }" in stylesheet.read()


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.described_by: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        self.described_by += (attrs.get("aria-describedby") or "").split()


def descriptions(response) -> tuple[list[str], list[str]]:
    """The ``aria-describedby`` ids of the page, and those of them that name no element of it."""
    assert response.status_code == 200
    parser = _Ids()
    parser.feed(response.content.decode())
    return parser.described_by, [ref for ref in parser.described_by if ref not in parser.ids]


def test_every_description_of_the_new_session_form_exists(client, world):
    client.force_login(trainer_login(world.trainer_a))
    described, missing = descriptions(client.get(url("workspace_session_create")))
    assert {"id_start_date_helptext", "id_headcount_male_helptext"} <= set(described) and missing == []
    refused = client.post(url("workspace_session_create"), {"start_date": "not a date", "headcount_male": "-1"})
    described, missing = descriptions(refused)
    assert {"id_start_date_error", "id_headcount_male_error"} <= set(described) and missing == []


def test_every_description_of_the_roster_and_the_person_search_exists(client, world):
    client.force_login(trainer_login(world.trainer_a))
    session, prefix = world.session_a, f"id_p{world.participant_a.pk}"
    assert descriptions(client.get(url("workspace_session", session.pk)))[1] == []
    refused = client.post(
        url("workspace_session", session.pk), roster_data(session, {world.participant_a: {"post": "150"}})
    )
    described, missing = descriptions(refused)
    assert f"{prefix}-post_score_error" in described and missing == []
    described, missing = descriptions(client.get(url("workspace_participant_add", session.pk)))
    assert "id_q_helptext" in described and missing == []
    described, missing = descriptions(client.get(url("workspace_participant_add", session.pk), {"q": "x"}))
    assert "id_q_error" in described and missing == []
