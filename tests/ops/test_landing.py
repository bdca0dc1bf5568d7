"""After signing in, each role lands on its own home; the second factor never captures an asset."""

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings
from django.urls import reverse

from cascade import services
from cascade.models import SessionKind
from lms import roles
from lms.models import Person
from ops import second_factor
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

FAST_HASHER = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
PASSWORD = "correct horse battery staple"


def account(django_user_model, role: str | None, *, person: bool = False, username: str = "someone"):
    user = django_user_model.objects.create_user(
        username=username, password=PASSWORD, is_staff=role in roles.STAFF_ROLES
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    if person:
        record = PersonFactory()
        record.user = user
        record.save(update_fields=["user"])
    return user


HOMES = [
    (roles.TRAINEE, True, "lms:my_learning"),
    (roles.TRAINER, True, "cascade:workspace"),
    (roles.DIRECTORATE_AUDITOR, False, "audit:dashboard"),
    (roles.CENTRE_MANAGER, False, "wagtailadmin_home"),
    (roles.CONTENT_REVIEWER, False, "wagtailadmin_home"),
    (roles.GOVERNORATE_OFFICER, False, "wagtailadmin_home"),
    (roles.ADMINISTRATOR, False, "wagtailadmin_home"),
]


@FAST_HASHER
@pytest.mark.parametrize(("role", "person", "home"), HOMES)
def test_each_role_lands_on_its_own_home_after_the_second_factor(client, django_user_model, role, person, home):
    user = account(django_user_model, role, person=person)
    signed_in = client.post("/admin/login/", {"username": user.username, "password": PASSWORD, "next": "/admin/"})
    assert signed_in.status_code == 302
    target = signed_in["Location"]
    if role in roles.STAFF_ROLES:
        # Staff pass the second factor first; the verify page then leads home.
        opened = client.get(target)
        assert opened.status_code == 302 and opened["Location"].startswith("/account/second-factor/")
        code = second_factor.issue_recovery_codes(user)[0]
        verify = client.get(opened["Location"])
        target = client.post(opened["Location"], {"code": code, "next": verify.context["next"]})["Location"]
    assert target == reverse(home)


@FAST_HASHER
def test_the_learner_sign_in_sends_a_trainer_to_the_workspace(client, django_user_model):
    user = account(django_user_model, roles.TRAINER, person=True)
    response = client.post(reverse("lms:login"), {"username": user.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("cascade:workspace")


def test_an_asset_fetched_by_a_page_is_refused_not_redirected(client, django_user_model):
    user = account(django_user_model, roles.DIRECTORATE_AUDITOR)
    client.force_login(user)
    # The admin's icon sprite is public: it loads on the verify page itself.
    assert client.get("/admin/sprite/", HTTP_SEC_FETCH_MODE="cors").status_code == 200
    # Another fetch is refused; only a navigation goes to the verify page.
    assert client.get("/admin/pages/", HTTP_SEC_FETCH_MODE="cors").status_code == 403
    navigation = client.get("/admin/pages/", HTTP_SEC_FETCH_MODE="navigate")
    assert navigation["Location"] == "/account/second-factor/?next=%2Fadmin%2Fpages%2F"


@pytest.mark.parametrize(
    "next_url",
    [
        "/admin/sprite/?h=abc",
        "/static/css/site.css",
        "/admin/jsi18n/",
        "/api/v1/",
        "/account/second-factor/",
        "https://evil.example/",
    ],
)
def test_the_verify_page_never_returns_to_an_asset_or_elsewhere(client, django_user_model, next_url):
    user = account(django_user_model, roles.DIRECTORATE_AUDITOR)
    client.force_login(user)
    code = second_factor.issue_recovery_codes(user)[0]
    page = client.get("/account/second-factor/", {"next": next_url})
    assert page.context["next"] == ""
    response = client.post("/account/second-factor/", {"code": code, "next": next_url})
    assert response["Location"] == reverse("audit:dashboard")


def test_a_specific_page_asked_for_is_honoured(client, django_user_model):
    user = account(django_user_model, roles.CENTRE_MANAGER)
    client.force_login(user)
    code = second_factor.issue_recovery_codes(user)[0]
    response = client.post("/account/second-factor/", {"code": code, "next": "/admin/pages/"})
    assert response["Location"] == "/admin/pages/"


def test_a_trainee_header_offers_no_workspace_and_a_trainer_no_empty_learning(client, django_user_model):
    trainee = account(django_user_model, roles.TRAINEE, person=True, username="trainee")
    client.force_login(trainee)
    page = client.get(reverse("lms:my_learning")).content.decode()
    assert reverse("cascade:workspace") not in page
    trainer = account(django_user_model, roles.TRAINER, username="trainer")
    client.force_login(trainer)
    page = client.get(reverse("cascade:workspace")).content.decode()
    assert f'href="{reverse("lms:my_learning")}"' not in page


def test_a_trainee_who_took_part_in_a_session_finds_their_trainings_in_the_header(client, django_user_model, cascade):
    trainee = account(django_user_model, roles.TRAINEE, person=True, username="trainee")
    client.force_login(trainee)
    trainings = f'href="{reverse("cascade:my_trainings")}"'
    assert trainings not in client.get(reverse("lms:my_learning")).content.decode()  # none yet: no link
    session = cascade.session(kind=SessionKind.DIRECT, lead=cascade.master)
    services.participation_record(session=session, person=Person.objects.get(user=trainee))
    assert trainings in client.get(reverse("lms:my_learning")).content.decode()


def test_the_browsers_favicon_request_finds_the_sites_icon(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 302
    assert answer["Location"].endswith(".svg")
    assert 'rel="icon"' in client.get("/verify/").content.decode()
