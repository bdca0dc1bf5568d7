"""Logins: lock-out after repeated failures, and the second factor staff roles must pass."""

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lms import roles
from ops import second_factor
from ops.security import client_ip, requires_second_factor

pytestmark = pytest.mark.django_db

FAST_HASHER = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
PASSWORD = "correct horse battery staple"


@pytest.fixture
def staff_user(django_user_model):
    def make(role=roles.CENTRE_MANAGER, username="staff"):
        user = django_user_model.objects.create_user(username=username, password=PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        return user

    return make


def sign_in(client, username, password, ip="10.0.0.1", **extra):
    return client.post("/admin/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


# --- lock-out --------------------------------------------------------------------------------


@FAST_HASHER
def test_five_failures_lock_the_username_from_that_address_for_an_hour(client, staff_user, settings):
    staff_user()
    for _ in range(4):
        assert sign_in(client, "staff", "wrong").status_code == 200
    assert sign_in(client, "staff", "wrong").status_code == 429  # the fifth failure locks
    locked = sign_in(client, "staff", PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 3600

    # The same account from another address, and another account from this address, still sign in.
    assert sign_in(client, "staff", PASSWORD, ip="10.0.0.2").status_code == 302


@FAST_HASHER
def test_four_failures_do_not_lock(client, staff_user):
    staff_user()
    for _ in range(4):
        sign_in(client, "staff", "wrong")
    assert sign_in(client, "staff", PASSWORD).status_code == 302


@FAST_HASHER
def test_a_forwarded_for_header_is_ignored_unless_configured(client, staff_user, settings):
    staff_user()
    # From an address not in TRUSTED_PROXIES, an attacker rotating X-Forwarded-For counts as one address.
    for n in range(5):
        sign_in(client, "staff", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert sign_in(client, "staff", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429


def test_the_client_address_comes_from_the_configured_proxy_header_only(rf, settings):
    request = rf.get(
        "/", REMOTE_ADDR="10.9.9.9", HTTP_X_REAL_IP="203.0.113.7", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.8"
    )
    settings.TRUSTED_PROXIES = []
    assert client_ip(request) == "10.9.9.9"  # nobody trusted: every header ignored
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    assert client_ip(request) == "203.0.113.7"
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    assert client_ip(request) == "203.0.113.8"  # the entry our proxy appended, not the client's own claim
    settings.CLIENT_IP_HEADER = "X-Missing"
    assert client_ip(request) == "10.9.9.9"


def test_password_validators_refuse_a_short_or_common_password(django_user_model):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    user = django_user_model(username="officer")
    for weak in ("short", "password123", "12345678901", "officer2024"):
        with pytest.raises(ValidationError):
            validate_password(weak, user)
    validate_password("tigris-euphrates-1923-basra", user)


# --- second factor ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", roles.STAFF_ROLES)
def test_every_staff_role_needs_a_second_factor(staff_user, role):
    assert requires_second_factor(staff_user(role=role))


@pytest.mark.parametrize("role", [roles.TRAINER, roles.TRAINEE])
def test_trainers_and_trainees_are_not_asked(staff_user, role):
    assert not requires_second_factor(staff_user(role=role))


def test_superusers_need_a_second_factor(django_user_model):
    assert requires_second_factor(django_user_model.objects.create_superuser(username="root", password=None))


@pytest.mark.parametrize("path", ["/admin/", "/admin/people/", "/audit/", "/"])
def test_a_staff_account_past_the_password_only_is_sent_to_the_second_factor(client, staff_user, path):
    client.force_login(staff_user())
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/second-factor/?next=")


def test_enrolment_shows_a_qr_code_then_issues_recovery_codes_and_opens_the_admin(client, staff_user, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code delays the next try; see the throttling test
    user = staff_user()
    client.force_login(user)
    assert client.get("/account/second-factor/?next=/admin/people/")["Location"].startswith(
        "/account/second-factor/enrol/"
    )
    page = client.get("/account/second-factor/enrol/?next=/admin/people/")
    assert "<svg" in page.text and "otpauth" not in page.text  # the URL is only inside the QR code
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    wrong = client.post("/account/second-factor/enrol/", {"code": "000000", "next": "/admin/people/"})
    assert wrong.status_code == 200
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed

    response = client.post(
        "/account/second-factor/enrol/", {"code": f"{totp(device.bin_key):06d}", "next": "/admin/people/"}
    )
    assert response.status_code == 200
    codes = [token.token for token in StaticToken.objects.filter(device__user=user)]
    assert len(codes) == second_factor.RECOVERY_CODE_COUNT
    assert all(code in response.text for code in codes)
    assert client.get("/admin/people/").status_code == 200


def test_a_recovery_code_works_once(client, staff_user):
    user = staff_user()
    code = second_factor.issue_recovery_codes(user)[0]
    client.force_login(user)
    assert client.post("/account/second-factor/", {"code": code, "next": "/admin/"})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200

    client.logout()
    client.force_login(user)
    response = client.post("/account/second-factor/", {"code": code, "next": "/admin/"})
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_a_password_alone_cannot_replace_the_enrolled_authenticator(client, staff_user):
    user = staff_user()
    second_factor.issue_recovery_codes(user)
    client.force_login(user)
    response = client.get("/account/second-factor/enrol/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/second-factor/?next=")
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_the_next_address_cannot_lead_off_site(client, staff_user):
    user = staff_user()
    code = second_factor.issue_recovery_codes(user)[0]
    client.force_login(user)
    response = client.post("/account/second-factor/", {"code": code, "next": "https://evil.example/"})
    assert response["Location"] == "/admin/"


def test_the_second_factor_can_be_switched_off_only_for_a_local_demo(tmp_path):
    from tests.production.processes import manage, production_env

    result = manage("check", env=production_env(var_dir=tmp_path, OTP_REQUIRED_FOR_STAFF="0"))
    assert result.returncode != 0
    assert "OTP_REQUIRED_FOR_STAFF" in result.stderr


def test_wrong_codes_slow_down_further_tries(client, staff_user):
    user = staff_user()
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    client.force_login(user)
    client.post("/account/second-factor/", {"code": "000000"})
    # Even the right code is refused straight after a wrong one (django-otp's throttling).
    response = client.post("/account/second-factor/", {"code": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302
