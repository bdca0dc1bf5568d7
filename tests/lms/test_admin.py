"""Admin screens for people, places and courses: wiring, search and who may write."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from lms import roles
from lms.models import Governorate, Person
from tests.conftest import log_in_verified
from tests.factories import PersonFactory, TrainingCentreFactory, governorate

pytestmark = pytest.mark.django_db

LIST_PAGES = ["people", "governorates", "units", "stations", "centres", "staff-scopes", "courses"]
ADMIN_ONLY_MODELS = ["lms.governorate", "courses.course", "lms.staffscope"]


@pytest.fixture
def admin_client(client, django_user_model):
    """A logged-in superuser; no password, since hashing one costs about a second per test."""
    return log_in_verified(client, django_user_model.objects.create_superuser(username="admin", password=None))


@pytest.fixture
def staff_client(client, django_user_model):
    """Log in a staff account holding one role."""

    def login(role: str):
        user = django_user_model.objects.create_user(username=role, password=None, is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        return log_in_verified(client, user)

    return login


@pytest.mark.parametrize("page", LIST_PAGES)
def test_every_list_page_renders_for_an_administrator(admin_client, page):
    PersonFactory()
    TrainingCentreFactory()
    assert admin_client.get(f"/admin/{page}/").status_code == 200


def test_the_people_list_is_filtered_by_governorate_gender_rank_and_master_trainer(admin_client):
    PersonFactory(service_number="BG-1", governorate=governorate("BG"))
    PersonFactory(service_number="BA-1", governorate=governorate("BA"))
    response = admin_client.get(
        "/admin/people/", {"governorate": governorate("BA").pk, "gender": "M", "rank": "lieutenant"}
    )
    assert response.status_code == 200
    assert "BA-1" in response.text
    assert "BG-1" not in response.text


def test_the_people_search_matches_arabic_spelling_variants(admin_client):
    PersonFactory(service_number="700001", name_ar="أحمد عليّ الساعدي")
    PersonFactory(service_number="700002", name_ar="فاطمة حسن")
    response = admin_client.get("/admin/people/", {"q": "احمد علي الساعدى"})
    assert "700001" in response.text
    assert "700002" not in response.text


def test_the_person_chooser_searches_by_name_variant_and_service_number(admin_client):
    PersonFactory(service_number="700003", name_ar="زينب الربيعي")
    url = reverse("wagtailsnippetchoosers_lms_person:choose_results")
    assert "700003" in admin_client.get(url, {"q": "زينب الربيعى"}).text
    assert "700003" in admin_client.get(url, {"q": "7000"}).text


def test_a_directorate_auditor_views_people_but_cannot_edit_a_governorate(staff_client):
    client = staff_client(roles.DIRECTORATE_AUDITOR)
    baghdad = governorate("BG")
    assert client.get("/admin/people/").status_code == 200

    url = f"/admin/governorates/edit/{baghdad.pk}/"
    assert client.get(url).status_code in (302, 403)
    response = client.post(url, {"code": "BG", "name_en": "Changed", "name_ar": "تغيير"})
    assert response.status_code in (302, 403)
    assert Governorate.objects.get(pk=baghdad.pk).name_en == "Baghdad"


def test_a_directorate_auditor_cannot_add_a_person(staff_client):
    client = staff_client(roles.DIRECTORATE_AUDITOR)
    response = client.post("/admin/people/add/", {"service_number": "800001", "name_ar": "س", "gender": "M"})
    assert response.status_code in (302, 403)
    assert not Person.objects.filter(service_number="800001").exists()


@pytest.mark.parametrize("role", [r for r in roles.ROLES if r != roles.ADMINISTRATOR])
def test_only_administrators_may_write_governorates_courses_and_staff_scopes(role):
    held = {f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=role).permissions.all()}
    for model in ADMIN_ONLY_MODELS:
        app_label, name = model.split(".")
        assert not {f"{app_label}.{action}_{name}" for action in ("add", "change", "delete")} & held, (role, model)


def test_a_centre_manager_is_refused_the_governorate_course_and_staff_scope_forms(staff_client):
    client = staff_client(roles.CENTRE_MANAGER)
    for url in (
        f"/admin/governorates/edit/{governorate('BG').pk}/",
        "/admin/courses/new/",
        "/admin/staff-scopes/new/",
    ):
        assert client.get(url).status_code in (302, 403), url


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/admin/people/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))
