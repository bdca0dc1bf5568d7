"""Trainee accounts: bulk creation with one-time set-password links, and signing in by service number."""

import csv
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse

from lms import roles
from lms.accounts import trainee_accounts_create, trainee_accounts_delete
from lms.models import Person
from tests.factories import PersonFactory, governorate
from tests.lms.conftest import PASSWORD, make_trainee

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Basra-Station-2024-long"  # noqa: S105


def test_accounts_are_created_for_people_without_one_with_a_one_time_link():
    people = [PersonFactory() for _ in range(3)]
    already = make_trainee("has.login")
    result = trainee_accounts_create(people=Person.objects.filter(pk__in=[p.pk for p in [*people, already]]))
    assert sorted(a.service_number for a in result.created) == sorted(p.service_number for p in people)
    for person in people:
        person.refresh_from_db()
        assert person.user.username == person.service_number
        assert not person.user.has_usable_password()
        assert list(person.user.groups.values_list("name", flat=True)) == [roles.TRAINEE]
    links = {account.set_password_url for account in result.created}
    assert len(links) == 3 and all("/learn/set-password/" in link for link in links)


def test_the_set_password_link_works_once_and_then_the_trainee_signs_in():
    person = PersonFactory()
    (account,) = trainee_accounts_create(people=Person.objects.filter(pk=person.pk)).created
    path = account.set_password_url.split("://", 1)[1].split("/", 1)[1]
    client = Client()
    form_page = client.get(f"/{path}", follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    again = Client().get(f"/{path}", follow=True)
    assert not again.context["validlink"]
    signed_in = Client().post(
        reverse("lms:login"), {"username": person.service_number, "password": NEW_PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert signed_in.status_code == 302


def test_a_service_number_taken_as_someone_elses_username_is_skipped():
    person = PersonFactory()
    get_user_model().objects.create(username=person.service_number)
    result = trainee_accounts_create(people=Person.objects.filter(pk=person.pk))
    assert result.created == [] and result.skipped == [(person.service_number, "username_taken")]
    person.refresh_from_db()
    assert person.user is None


def test_the_command_prints_links_as_csv_and_refuses_unknown_numbers():
    in_baghdad = PersonFactory(governorate=governorate("BG"))
    PersonFactory(governorate=governorate("BA"))
    out = StringIO()
    call_command("create_trainee_accounts", "--governorate", "BG", stdout=out)
    rows = list(csv.DictReader(StringIO(out.getvalue())))
    assert [row["service_number"] for row in rows] == [in_baghdad.service_number]
    assert rows[0]["set_password_link"].startswith("http")
    with pytest.raises(Exception, match="NOPE-1"):
        call_command("create_trainee_accounts", "NOPE-1", stdout=StringIO())


def test_the_backend_accepts_the_service_number_and_the_username():
    person = make_trainee("some.trainee")
    request = RequestFactory().post("/learn/sign-in/", REMOTE_ADDR="10.0.0.3")
    assert authenticate(request, username=person.service_number, password=PASSWORD) == person.user
    assert authenticate(request, username="some.trainee", password=PASSWORD) == person.user
    assert authenticate(request, username=person.service_number, password="wrong") is None
    assert authenticate(request, username="NO-SUCH-NUMBER", password=PASSWORD) is None


def test_trainee_accounts_delete_leaves_staff_and_trainer_accounts():
    trainee = make_trainee("to.delete")
    trainer = make_trainee("a.trainer")
    trainer.user.groups.add(trainer.user.groups.model.objects.get(name=roles.TRAINER))
    deleted = trainee_accounts_delete(people=Person.objects.filter(pk__in=[trainee.pk, trainer.pk]))
    assert deleted >= 1
    assert not get_user_model().objects.filter(username="to.delete").exists()
    assert get_user_model().objects.filter(username="a.trainer").exists()
