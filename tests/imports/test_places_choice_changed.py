"""The places step's ticks stand for the places the administrator saw: when the file was checked
again between showing the list and sending the choice, the choice is refused, never read by
position against another list."""

import re

import pytest

from imports import places
from imports.models import ImportJob
from lms.roles import ADMINISTRATOR
from tests.conftest import log_in_verified
from tests.factories import PoliceUnitFactory, governorate
from tests.imports.test_places_choice import ROWS
from tests.imports.test_places_views import page, upload
from tests.imports.test_views import said, user_with

pytestmark = pytest.mark.django_db


def test_a_choice_made_on_a_list_that_changed_meanwhile_is_refused_and_nothing_is_chosen(client, django_user_model):
    PoliceUnitFactory(governorate=governorate("BG"), name_en="Rusafa Police Directorate", name_ar="مديرية شرطة الرصافة")
    log_in_verified(client, user_with(django_user_model, "admin", ADMINISTRATOR))
    upload(client, ROWS)
    job = ImportJob.objects.get()
    text = page(client.get(f"/admin/imports/{job.pk}/"))
    shown = re.findall(r'name="shown" value="([^"]*)"', text)
    assert len(shown) == 2 and shown == [places.place_shown(p) for p in job.missing_places]
    shuala = next(i for i, p in enumerate(job.missing_places) if p["name"] == "مديرية شرطة الشعلة")

    # Checked again meanwhile (by another administrator's step): the same places in another order.
    job.missing_places = list(reversed(job.missing_places))
    job.save(update_fields=["missing_places"])
    url = f"/admin/imports/{job.pk}/places/accept/"
    choice = {"accept": "1", "choosing": "1", "place": [str(shuala)], "shown": shown}
    answer = page(client.post(url, choice, follow=True))

    assert said(places.LIST_CHANGED) in answer
    job.refresh_from_db()
    assert not job.create_places and all("create" not in p for p in job.missing_places)

    # Sent from the list as it is now, the choice is taken: the place ticked, the other left out.
    shown_now = re.findall(r'name="shown" value="([^"]*)"', page(client.get(f"/admin/imports/{job.pk}/")))
    shuala_now = 1 - shuala
    client.post(url, {**choice, "place": [str(shuala_now)], "shown": shown_now})
    job.refresh_from_db()
    assert {p["name"]: p["create"] for p in job.missing_places} == {
        "مديرية شرطة الشعلة": True,
        "مديرية شرطة الرصافى": False,
    }
