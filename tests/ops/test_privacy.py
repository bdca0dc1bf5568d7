"""Export everything about a person; anonymise them with every count unchanged and certificates
still verifying, name withheld."""

import json

import pytest
from django.contrib.auth.models import Group
from django.db.models import Count

from cascade import services
from cascade.models import Outcome, Participation, SessionKind, SessionTrainer
from certificates.services import certificate_issue
from lms import roles
from lms.models import Person
from ops.privacy import person_anonymise
from tests.conftest import log_in_verified
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trained(cascade, django_user_model):
    """A person with a login, a completed direct session and its certificate, and a name change in history."""
    person = PersonFactory(name_ar="زينب كاظم", name_latin="Zainab Kadhim", service_number="PRIV-1", gender="F")
    person.user = django_user_model.objects.create_user(username="zainab", email="z@example.iq", password=None)
    person.rank = "captain"
    person.save()
    session = cascade.session(kind=SessionKind.DIRECT, lead=cascade.master)
    services.participation_record(
        session=session, person=person, outcome=Outcome.COMPLETED, pre_score=40, post_score=80
    )
    services.session_close(session=session)
    certificate = certificate_issue(participation=Participation.objects.get(session=session, person=person))
    return person, certificate


@pytest.fixture
def administrator(client, django_user_model):
    user = django_user_model.objects.create_user(username="administrator", password=None, is_staff=True)
    user.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))
    return log_in_verified(client, user)


def figures() -> dict:
    return {
        "people_by_gender": dict(Person.objects.values_list("gender").annotate(n=Count("id"))),
        "people_by_governorate": dict(Person.objects.values_list("governorate").annotate(n=Count("id"))),
        "participations": Participation.objects.count(),
        "completed": Participation.objects.filter(outcome=Outcome.COMPLETED).count(),
        "trainers": SessionTrainer.objects.count(),
    }


def test_the_export_holds_the_person_their_records_and_history(administrator, trained):
    person, certificate = trained
    response = administrator.get(f"/admin/privacy/people/{person.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data["person"]["fields"]["service_number"] == "PRIV-1"
    assert data["login"]["username"] == "zainab"
    assert [row["pk"] for row in data["related"]["cascade.Participation"]] == [
        Participation.objects.get(person=person).pk
    ]
    assert data["related"]["certificates.Certificate"][0]["fields"]["code"] == certificate.code
    assert len(data["history"]) >= 2


def test_the_export_is_logged_and_for_administrators_only(administrator, trained, client, django_user_model):
    from wagtail.models import ModelLogEntry

    person, _certificate = trained
    administrator.get(f"/admin/privacy/people/{person.pk}/export/")
    assert ModelLogEntry.objects.filter(action="ops.person_export", object_id=str(person.pk)).exists()

    client.logout()
    auditor = django_user_model.objects.create_user(username="auditor", password=None, is_staff=True)
    auditor.groups.add(Group.objects.get(name=roles.DIRECTORATE_AUDITOR))
    log_in_verified(client, auditor)
    # The admin answers a refused page with a redirect to its dashboard.
    refused = client.get(f"/admin/privacy/people/{person.pk}/export/")
    assert refused.status_code in (302, 403) and refused.get("Content-Type") != "application/json"
    assert client.post(f"/admin/privacy/people/{person.pk}/anonymise/").status_code in (302, 403)
    assert Person.objects.get(pk=person.pk).service_number == "PRIV-1"


def test_anonymising_removes_the_identity_and_keeps_every_count(administrator, trained, client):
    person, certificate = trained
    before = figures()
    response = administrator.post(f"/admin/privacy/people/{person.pk}/anonymise/")
    assert response.status_code == 302
    assert figures() == before

    person.refresh_from_db()
    assert (person.name_ar, person.name_latin, person.service_number, person.rank) == ("—", "", f"ANON-{person.pk}", "")
    assert person.user_id is None
    for version in person.history.all():
        assert "زينب" not in version.name_ar and version.service_number != "PRIV-1"
    from django.contrib.auth import get_user_model

    login = get_user_model().objects.get(email="", username=f"anonymised-{person.pk}")
    assert not login.is_active

    certificate.refresh_from_db()
    assert (certificate.name_ar, certificate.name_latin, certificate.status) == ("", "", "valid")
    client.logout()
    page = client.get(f"/verify/{certificate.code}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Zainab" not in page.text and "زينب" not in page.text


def test_the_verify_page_says_valid_name_withheld(trained, client):
    person, certificate = trained
    person_anonymise(person, by=None)
    page = client.get(f"/verify/{certificate.code}/")
    assert page.status_code == 200
    assert 'data-status="valid"' in page.text
    assert 'class="name-withheld"' in page.text


def test_anonymising_drops_every_rendered_dashboard_page(trained, django_capture_on_commit_callbacks):
    from audit.models import DashboardPage

    person, _certificate = trained
    # A page rendered before, naming the person (the trainers' table prints names).
    DashboardPage.objects.create(key="k" * 64, version=1, html=f"<td>{person.name_latin}</td>")
    with django_capture_on_commit_callbacks(execute=True):
        person_anonymise(person, by=None)
    assert not DashboardPage.objects.exists()
