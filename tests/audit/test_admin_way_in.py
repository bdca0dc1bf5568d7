"""The Wagtail admin leads the dashboard's users to it: a menu item and a home-page panel, shown to
exactly those the dashboard admits (officers, managers, auditors, administrators), to nobody else."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from lms import roles
from tests.cascade.personas import login
from tests.factories import TrainingCentreFactory, governorate

pytestmark = pytest.mark.django_db


def _menu_urls(page: str) -> list[str]:
    props = re.search(r'id="wagtail-sidebar-props"[^>]*>(.*?)</script>', page, re.S)
    return re.findall(r'"url": "([^"]+)"', props.group(1)) if props else re.findall(r'"url": "([^"]+)"', page)


def _home(client, verified_login, user) -> str:
    verified_login(user)
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: login("officer", roles.GOVERNORATE_OFFICER, governorate=governorate("NI")),
        lambda: login("manager", roles.CENTRE_MANAGER, centre=TrainingCentreFactory()),
        lambda: login("auditor", roles.DIRECTORATE_AUDITOR),
    ],
    ids=["governorate officer", "centre manager", "auditor"],
)
def test_those_the_dashboard_admits_find_it_in_the_admin_menu_and_on_its_home(client, verified_login, make_user):
    user = make_user()
    page = _home(client, verified_login, user)
    assert "/audit/" in _menu_urls(page)
    assert "data-audit-panel" in page
    assert client.get(reverse("audit:dashboard")).status_code == 200  # the link leads somewhere they may go


def test_the_officers_panel_names_their_governorate_in_arabic(client, verified_login):
    user = login("officer", roles.GOVERNORATE_OFFICER, governorate=governorate("NI"))
    page = _home(client, verified_login, user)
    with translation.override("ar"):
        assert governorate("NI").name_ar in page
    assert "لوحة المؤشرات" in page


@pytest.mark.parametrize("role", [roles.TRAINER, roles.CONTENT_REVIEWER])
def test_trainers_and_reviewers_are_not_offered_the_dashboard(client, verified_login, role):
    user = login(f"someone-{role}", role)
    verified_login(user)
    response = client.get(reverse("wagtailadmin_home"))
    if response.status_code == 200:  # a reviewer works in the admin; a trainer has no admin at all
        page = response.content.decode()
        assert "/audit/" not in _menu_urls(page)
        assert "data-audit-panel" not in page
    assert client.get(reverse("audit:dashboard")).status_code == 403


def test_the_admin_home_names_the_site_in_the_admins_language(client, verified_login, settings):
    """The site's stored name is English; an Arabic admin reads the Arabic name in the heading."""
    user = login("auditor", roles.DIRECTORATE_AUDITOR)
    verified_login(user)
    page = client.get(reverse("wagtailadmin_home"), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    heading = re.search(r'<h1 class="w-h1[^"]*">(.*?)</h1>', page, re.S).group(1)
    assert "منصة التعلم ومتابعة التدريب" in heading and "Cascade Tracker" not in heading
    english = client.get(reverse("wagtailadmin_home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    english_heading = re.search(r'<h1 class="w-h1[^"]*">(.*?)</h1>', english, re.S).group(1)
    assert "MPS Learning &amp; Cascade Tracker" in english_heading


@pytest.mark.parametrize(
    ("make_user", "offered"),
    [
        (lambda: login("officer", roles.GOVERNORATE_OFFICER, governorate=governorate("NI")), True),
        (lambda: login("manager", roles.CENTRE_MANAGER, centre=TrainingCentreFactory()), True),
        (lambda: login("auditor", roles.DIRECTORATE_AUDITOR), True),
        (lambda: login("trainer", roles.TRAINER), False),
        (lambda: login("reviewer", roles.CONTENT_REVIEWER), False),
    ],
    ids=["governorate officer", "centre manager", "auditor", "trainer", "reviewer"],
)
def test_the_site_header_offers_the_dashboard_to_those_it_has_figures_for(make_user, offered):
    from ops.templatetags.landing_tags import account_links

    links = [link["url"] for link in account_links({"user": make_user()})]
    assert (reverse("audit:dashboard") in links) is offered
