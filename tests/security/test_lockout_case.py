"""Sign-in lock-out counts failures per account, whatever the case the login is typed in."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from lms import roles
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


PASSWORD = "correct horse battery staple"


def sign_in(client, username, password, ip="10.0.0.7"):
    return client.post("/learn/sign-in/", {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def trainee():
    user = get_user_model().objects.create_user(username="DEMO-1234", password=PASSWORD)
    user.groups.add(Group.objects.get(name=roles.TRAINEE))
    PersonFactory(service_number="DEMO-1234", user=user)
    return user


def test_each_spelling_of_a_service_number_signs_in(client, trainee):
    for spelling in ("DEMO-1234", "demo-1234"):
        client.logout()
        assert sign_in(client, spelling, PASSWORD).status_code == 302, spelling
        assert client.session["_auth_user_id"] == str(trainee.pk)


def test_failures_in_any_letter_case_count_against_the_one_account(client, trainee):
    for spelling in ("DEMO-1234", "demo-1234", "Demo-1234", "dEMO-1234", "DeMo-1234"):
        assert sign_in(client, spelling, "wrong").status_code in (200, 429), spelling
    # Five failures in five spellings lock the account from this address, in every spelling.
    for spelling in ("DEMO-1234", "demo-1234", "Demo-1234"):
        response = sign_in(client, spelling, PASSWORD)
        assert response.status_code == 429, spelling
        assert "_auth_user_id" not in client.session


def test_a_correct_password_in_another_case_does_not_clear_the_lock(client, trainee):
    for _ in range(5):
        sign_in(client, "DEMO-1234", "wrong")
    assert sign_in(client, "demo-1234", PASSWORD).status_code == 429
    assert sign_in(client, "DEMO-1234", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_username_is_counted_case_blind_too(client, django_user_model):
    user = django_user_model.objects.create_user(username="staffer", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=roles.CENTRE_MANAGER))
    for spelling in ("staffer", "STAFFER", "Staffer", "sTaffer", "stAffer"):
        client.post("/admin/login/", {"username": spelling, "password": "wrong"}, REMOTE_ADDR="10.0.0.8")
    response = client.post("/admin/login/", {"username": "staffer", "password": PASSWORD}, REMOTE_ADDR="10.0.0.8")
    assert response.status_code == 429
