"""Markup of the workspace pages that right-to-left lines and screen readers depend on."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from cascade import services
from tests.cascade.personas import build_world, trainer_login

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
