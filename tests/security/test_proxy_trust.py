"""Forwarding headers count only from TRUSTED_PROXIES: the rate limit and the lock-out use the real peer.

Through the full middleware stack (``ops.proxy.ProxyHeadersMiddleware`` first): a client that
reaches gunicorn directly and sends ``X-Real-IP`` / ``X-Forwarded-For`` is rate-limited and locked
out under its own address; the same headers from a configured proxy name the client.
"""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from certificates.codes import code_generate
from certificates.models import VerificationLog
from lms import roles
from ops.proxy import validate_trusted_proxies

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
ATTACKER = "198.51.100.66"
PROXY = "127.0.0.1"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()  # the verification counters live in the cache


@pytest.fixture
def staff(django_user_model, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, for many sign-ins
    user = django_user_model.objects.create_user(username="staff", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=roles.CENTRE_MANAGER))
    return user


def verify(client, code, peer, **headers):
    return client.get(reverse("certificates:verify_code", args=[code]), REMOTE_ADDR=peer, **headers)


def sign_in(client, password, peer, **headers):
    return client.post("/admin/login/", {"username": "staff", "password": password}, REMOTE_ADDR=peer, **headers)


@pytest.mark.parametrize("header", ["X-Real-IP", "X-Forwarded-For"])
def test_spoofed_headers_from_an_untrusted_address_are_rate_limited_under_the_real_address(client, settings, header):
    settings.TRUSTED_PROXIES = []  # the default
    settings.CLIENT_IP_HEADER = header
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = 3
    code = code_generate()
    key = "HTTP_" + header.upper().replace("-", "_")
    statuses = [verify(client, code, ATTACKER, **{key: f"192.0.2.{n}"}).status_code for n in range(5)]
    assert statuses == [404, 404, 404, 429, 429]
    assert set(VerificationLog.objects.values_list("client_ip", flat=True)) == {ATTACKER}


@pytest.mark.parametrize("header", ["X-Real-IP", "X-Forwarded-For"])
def test_spoofed_headers_from_an_untrusted_address_are_locked_out_under_the_real_address(
    client, settings, staff, header
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]  # a proxy exists, but the attacker is not it
    settings.CLIENT_IP_HEADER = header
    key = "HTTP_" + header.upper().replace("-", "_")
    for n in range(5):
        sign_in(client, "wrong", ATTACKER, **{key: f"192.0.2.{n}"})
    # A new claimed address does not help: the lock is on the attacker's own address.
    assert sign_in(client, PASSWORD, ATTACKER, **{key: "192.0.2.200"}).status_code == 429
    # Someone else, through the real proxy, still signs in.
    assert sign_in(client, PASSWORD, "10.1.2.3", **{key: "203.0.113.5"}).status_code == 302


def test_a_trusted_proxy_names_the_client_for_the_rate_limit(client, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = 1
    code = code_generate()
    # The client's own claim (left of what our proxy appended) is not believed.
    assert verify(client, code, PROXY, HTTP_X_FORWARDED_FOR="1.1.1.1, 192.0.2.10").status_code == 404
    assert verify(client, code, PROXY, HTTP_X_FORWARDED_FOR="1.1.1.2, 192.0.2.11").status_code == 404
    assert verify(client, code, PROXY, HTTP_X_FORWARDED_FOR="192.0.2.10").status_code == 429
    assert sorted(VerificationLog.objects.values_list("client_ip", flat=True)) == ["192.0.2.10", "192.0.2.11"]


def test_a_trusted_proxy_names_the_client_for_the_lock_out(client, settings, staff):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    for _ in range(5):
        sign_in(client, "wrong", PROXY, HTTP_X_REAL_IP="192.0.2.10")
    assert sign_in(client, PASSWORD, PROXY, HTTP_X_REAL_IP="192.0.2.10").status_code == 429
    # Another client behind the same proxy is not locked out with it.
    assert sign_in(client, PASSWORD, PROXY, HTTP_X_REAL_IP="192.0.2.11").status_code == 302


def test_the_https_header_counts_only_from_a_trusted_proxy(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = [PROXY]
    from_attacker = client.get("/admin/login/", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_PROTO="https")
    assert from_attacker.status_code == 301 and from_attacker["Location"].startswith("https://")
    from_proxy = client.get("/admin/login/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")
    assert from_proxy.status_code == 200


def test_a_unix_socket_peer_is_trusted_only_when_configured(client, settings):
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = 1
    code = code_generate()
    settings.TRUSTED_PROXIES = ["unix"]
    assert verify(client, code, "", HTTP_X_FORWARDED_FOR="192.0.2.20").status_code == 404
    assert verify(client, code, "", HTTP_X_FORWARDED_FOR="192.0.2.21").status_code == 404
    assert VerificationLog.objects.filter(client_ip="192.0.2.21").exists()


def test_a_malformed_proxy_entry_stops_start_up():
    assert validate_trusted_proxies(["127.0.0.1", "10.0.0.0/8", "::1", "unix"])
    with pytest.raises(ImproperlyConfigured, match="nginx.local"):
        validate_trusted_proxies(["127.0.0.1", "nginx.local"])
