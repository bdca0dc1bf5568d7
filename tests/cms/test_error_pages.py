"""The site's own 403, 404 and 500 pages: in the reader's language (Arabic by default), saying what
happened and where to go next, as the site looks with DEBUG off."""

import pytest
from django.template import loader
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error

from lms import roles
from tests.cascade.personas import login
from tests.factories import PersonFactory


@pytest.fixture
def production(settings):
    settings.DEBUG = False


@pytest.mark.django_db
def test_a_trainee_opening_the_audit_dashboard_is_told_in_arabic_that_it_is_not_for_them(client, production):
    client.force_login(login("error-pages-trainee", roles.TRAINEE, person=PersonFactory()))
    response = client.get("/audit/")
    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-error="403"' in page
    assert '<html lang="ar" dir="rtl">' in page
    assert "هذه الصفحة غير متاحة لحسابك" in page
    assert f'href="{reverse("account_home")}"' in page  # their own pages, one step away
    assert "Forbidden" not in page


@pytest.mark.django_db
def test_a_missing_page_answers_404_with_the_sites_page(client, production):
    response = client.get("/learn/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'data-error="404"' in page
    assert '<html lang="ar" dir="rtl">' in page
    assert "الصفحة غير موجودة" in page
    assert f'href="{reverse("lms:login")}"' in page
    assert "Not Found" not in page


def test_the_500_page_renders_from_an_empty_context_without_the_database():
    """No ``db`` mark: pytest-django fails any query, as a down database would."""
    page = loader.get_template("500.html").render()
    assert 'data-error="500"' in page
    assert '<html lang="ar" dir="rtl">' in page
    assert "حدث خطأ" in page
    # Its links are written out (a broken URL configuration must not break the error page too).
    assert 'href="/"' in page
    assert f'href="{reverse("lms:login")}"' in page


def test_the_500_page_follows_the_active_language(production):
    with translation.override("en"):
        response = server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="en" dir="ltr">' in page
    assert "Something went wrong" in page
