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


def arabic_error_page(response, status: int) -> str:
    assert response.status_code == status
    page = response.content.decode()
    assert f'data-error="{status}"' in page
    assert '<html lang="ar" dir="rtl">' in page
    return page


@pytest.mark.django_db
def test_a_trainee_opening_the_audit_dashboard_is_told_in_arabic_that_it_is_not_for_them(client, production):
    client.force_login(login("error-pages-trainee", roles.TRAINEE, person=PersonFactory()))
    page = arabic_error_page(client.get("/audit/"), 403)
    assert "هذه الصفحة غير متاحة لحسابك" in page
    assert f'href="{reverse("account_home")}"' in page  # their own pages, one step away
    assert "Forbidden" not in page


@pytest.mark.django_db
def test_a_missing_page_answers_404_with_the_sites_page(client, production):
    page = arabic_error_page(client.get("/learn/no-such-page/"), 404)
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
