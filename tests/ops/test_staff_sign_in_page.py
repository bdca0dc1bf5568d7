"""The staff sign-in page speaks the reader's language and names the platform, not the CMS."""

import html

import pytest

pytestmark = pytest.mark.django_db


def test_the_staff_sign_in_page_is_in_arabic_and_names_the_platform(client):
    page = html.unescape(client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="ar").content.decode())
    assert "تسجيل الدخول إلى منصة تدريب مراكز الشرطة النموذجية" in page
    assert "كلمة المرور" in page
    assert "Password" not in page
    assert "Wagtail" not in page.split("<main", 1)[1]


def test_staff_still_sign_in_through_it(client, django_user_model):
    django_user_model.objects.create_user(username="staff.sign-in", password="a-long-test-password", is_staff=True)
    response = client.post("/admin/login/", {"username": "staff.sign-in", "password": "a-long-test-password"})
    assert response.status_code == 302
