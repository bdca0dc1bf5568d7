"""Admin screens: certificate list scoped to the viewer, verification log for the Directorate,
revocation by the Directorate only."""

import pytest
from django.urls import reverse

from cascade.models import Participation
from certificates import services
from certificates.models import Certificate, CertificateStatus


@pytest.fixture
def certificate(closed) -> Certificate:
    participation = Participation.objects.get(session=closed.session, person=closed.completer)
    return services.certificate_pdf_ensure(certificate=services.certificate_issue(participation=participation))


@pytest.mark.parametrize(("who", "sees"), [("manager", True), ("other_manager", False), ("auditor", True)])
def test_the_certificate_list_shows_what_the_user_may_see(client, certificate, staff, verified_login, who, sees):
    verified_login(staff[who])
    response = client.get(reverse("certificates_list:index"))
    assert response.status_code == 200
    assert (certificate.serial in response.content.decode()) is sees


def test_the_verification_log_is_for_the_directorate(client, certificate, staff, verified_login):
    client.get(reverse("certificates:verify_code", args=[certificate.code]))
    verified_login(staff["auditor"])
    response = client.get(reverse("certificate-verifications:index"))
    assert response.status_code == 200
    assert certificate.code in response.content.decode()
    verified_login(staff["manager"])
    assert client.get(reverse("certificate-verifications:index")).status_code in (302, 403)


def test_an_administrator_revokes_with_a_reason_and_a_manager_or_the_read_only_auditor_may_not(
    client, certificate, staff, verified_login
):
    url = reverse("certificates_admin:revoke", args=[certificate.pk])
    for who in ("manager", "auditor"):
        verified_login(staff[who])
        refused = client.post(url, {"reason": "x"})
        assert refused.status_code == 302 and refused["Location"] == reverse("wagtailadmin_home"), who
        assert client.post(reverse("certificates_admin:reissue", args=[certificate.pk])).status_code == 302
        certificate.refresh_from_db()
        assert certificate.revoked_at is None and not Certificate.objects.filter(replaces=certificate).exists()

    verified_login(staff["administrator"])
    assert client.post(url, {"reason": ""}).status_code == 200  # form shown again with the error
    response = client.post(url, {"reason": "Attendance records were falsified"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    assert certificate.revoked_by == staff["administrator"]

    response = client.post(reverse("certificates_admin:reissue", args=[certificate.pk]))
    assert response.status_code == 302
    replacement = Certificate.objects.get(replaces=certificate)
    assert replacement.pdf and replacement.serial != certificate.serial
