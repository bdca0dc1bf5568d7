"""Public verification page and certificate downloads: what shows, to whom, and at what cost."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cascade.models import Participation
from certificates import services
from certificates.codes import InvalidCode, code_display, code_normalize
from certificates.models import Certificate, VerificationLog, VerificationOutcome
from lms.models import Rank


@pytest.fixture
def certificate(closed) -> Certificate:
    participation = Participation.objects.get(session=closed.session, person=closed.completer)
    return services.certificate_pdf_ensure(certificate=services.certificate_issue(participation=participation))


@pytest.fixture
def english(client, settings):
    """The page in English: the request's language comes from the language cookie, not the test's."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def verify_url(code: str) -> str:
    return reverse("certificates:verify_code", args=[code])


def test_a_wrong_check_symbol_is_refused_without_a_database_query(certificate, django_assert_num_queries):
    code = certificate.code
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with django_assert_num_queries(0), pytest.raises(InvalidCode):
        code_normalize(code_display(wrong))


def test_the_page_refuses_a_typo_without_looking_up_or_logging_anything(client, certificate):
    """The site shell around the page reads its navigation; nothing touches the certificate tables."""
    code = certificate.code
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(verify_url(code_display(wrong)))
    assert response.status_code == 400
    assert response.context["malformed"]
    assert not [q["sql"] for q in queries.captured_queries if "certificates_" in q["sql"]]
    assert not VerificationLog.objects.exists()


def test_a_valid_certificate_shows_only_status_name_course_and_date(client, certificate, closed, english):
    response = client.get(verify_url(code_display(certificate.code)))
    html = response.content.decode()

    assert response.status_code == 200
    assert response.context["status"] == "valid"
    assert "This certificate is valid." in html
    assert "Zainab Hussein Ali" in html and "زينب حسين علي" in html
    assert "Improving the Effectiveness of Local Police" in html
    person = closed.completer
    for secret in (
        person.service_number,
        person.unit.name_en,
        person.unit.name_ar,
        person.governorate.name_en,
        person.governorate.name_ar,
        str(Rank.FIRST_LIEUTENANT.label),
        "ملازم أول",
        closed.session.training_centre.name_en,
    ):
        assert secret not in html, secret


def test_the_code_may_be_typed_into_the_form_in_lower_case(client, certificate):
    response = client.get(reverse("certificates:verify"), {"code": code_display(certificate.code).lower()})
    assert response.status_code == 200
    assert response.context["certificate"] == certificate


def test_a_revoked_certificate_says_revoked_with_the_date(client, certificate, english):
    services.certificate_revoke(certificate=certificate, by=None, reason="Issued in error")
    response = client.get(verify_url(certificate.code))
    html = response.content.decode()
    assert response.context["status"] == "revoked"
    assert "This certificate has been revoked." in html
    assert "Revoked on" in html
    assert "Issued in error" not in html
    assert VerificationLog.objects.get().outcome == VerificationOutcome.REVOKED


def test_an_expired_trainer_certificate_says_expired(client, certificate, english):
    Certificate.objects.filter(pk=certificate.pk).update(valid_until=timezone.localdate().replace(year=2020))
    response = client.get(verify_url(certificate.code))
    assert response.context["status"] == "expired"
    assert "This certificate has expired." in response.content.decode()


def test_an_unknown_well_formed_code_is_logged_as_not_found(client, db):
    from certificates.codes import code_generate

    response = client.get(verify_url(code_generate()), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 404
    log = VerificationLog.objects.get()
    assert log.outcome == VerificationOutcome.NOT_FOUND and log.client_ip == "203.0.113.9"


def test_lookups_are_rate_limited_per_client_address(client, certificate, settings):
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = 3
    url = verify_url(certificate.code)
    statuses = [client.get(url, REMOTE_ADDR="198.51.100.7").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # Another client is not affected, and a forged forwarding header changes nothing by default.
    assert client.get(url, REMOTE_ADDR="198.51.100.8").status_code == 200
    assert client.get(url, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 429


def test_behind_a_configured_proxy_the_client_is_the_address_the_proxy_reports(client, certificate, settings):
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = 1
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    url = verify_url(certificate.code)
    assert client.get(url, REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="192.0.2.10").status_code == 200
    assert client.get(url, REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="192.0.2.11").status_code == 200
    assert client.get(url, REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="192.0.2.10").status_code == 429
    assert VerificationLog.objects.filter(client_ip="192.0.2.10").count() == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("trainee", 200),
        ("manager", 200),
        ("officer", 200),
        ("auditor", 200),
        ("administrator", 200),
        ("other_trainee", 404),
        ("other_manager", 404),
        ("other_officer", 404),
    ],
)
def test_a_certificate_pdf_downloads_for_its_owner_and_the_staff_who_see_them(
    client, certificate, staff, verified_login, who, status
):
    verified_login(staff[who])
    response = client.get(reverse("certificates:pdf", args=[certificate.serial]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response.content == services.certificate_pdf_read(certificate=certificate)


def test_downloading_again_returns_the_same_bytes(client, certificate, staff):
    client.force_login(staff["trainee"])
    url = reverse("certificates:pdf", args=[certificate.serial])
    first, second = client.get(url), client.get(url)
    assert first.content == second.content
    assert first["ETag"] == f'"{certificate.pdf_sha256}"'


def test_anonymous_downloads_are_sent_to_sign_in(client, certificate):
    response = client.get(reverse("certificates:pdf", args=[certificate.serial]))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_stored_pdf_is_not_under_the_public_media_root(certificate, settings):
    from pathlib import Path

    path = Path(certificate.pdf.path)
    assert not path.is_relative_to(Path(settings.MEDIA_ROOT))
