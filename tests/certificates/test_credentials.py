"""Open Badges 3.0: each certificate's credential is checked with PyJWT (not the library that signs
it) against the key the issuer's profile publishes; a changed field fails; revocation shows in the
signed status list; the key is generated once and kept, or taken from the environment."""

import base64
import gzip
import json

import jwt as pyjwt
import pytest
from django.urls import reverse
from joserfc.jwk import OKPKey

from cascade.models import Participation
from certificates import credentials, services
from certificates.codes import code_display
from certificates.models import Certificate
from tests.certificates.conftest import SITE


@pytest.fixture(autouse=True)
def own_key(settings, tmp_path):
    """Each test signs with a key generated into its own VAR_DIR."""
    settings.VAR_DIR = tmp_path / "var"
    settings.CERTIFICATE_SIGNING_KEY = ""
    settings.CERTIFICATE_SIGNING_KEY_FILE = ""
    credentials._load_key.cache_clear()
    yield
    credentials._load_key.cache_clear()


@pytest.fixture
def certificate(closed) -> Certificate:
    participation = Participation.objects.get(session=closed.session, person=closed.completer)
    return services.certificate_issue(participation=participation)


def published_key(client):
    """The key as a verifier finds it: in the issuer profile the credential names."""
    profile = client.get(reverse("certificates:issuer"))
    assert profile["Content-Type"] == "application/ld+json"
    method = profile.json()["verificationMethod"][0]
    return profile.json(), method["id"], pyjwt.PyJWK(method["publicKeyJwk"]).key


def download(client, certificate) -> str:
    response = client.get(reverse("certificates:credential", args=[code_display(certificate.code)]))
    assert response.status_code == 200 and response["Content-Type"] == "application/vc+jwt"
    return response.content.decode()


def test_the_credential_verifies_with_the_published_key_and_is_an_open_badge(client, certificate):
    profile, kid, key = published_key(client)
    token = download(client, certificate)
    header = pyjwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["kid"] == kid
    claims = pyjwt.decode(token, key, algorithms=["EdDSA"])

    assert claims["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["issuer"]["id"] == claims["iss"] == profile["id"] == f"{SITE}/certificates/issuer/"
    assert claims["id"] == claims["jti"] == f"{SITE}/certificates/credentials/{code_display(certificate.code)}.jwt"
    subject = claims["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["achievement"]["humanCode"] == certificate.course.code
    assert claims["credentialStatus"]["statusListCredential"] == f"{SITE}/certificates/status/revocation/"
    # The holder is named by a salted hash of the name as printed, and only so.
    identity = subject["identifier"][0]
    assert identity["hashed"] and identity["identityHash"].startswith("sha256$")
    text = json.dumps(claims, ensure_ascii=False)
    person = certificate.person
    for private in (certificate.name_ar, certificate.name_latin, person.service_number, person.unit.name_en):
        assert private not in text


def test_a_changed_field_or_another_key_fails_verification(client, certificate):
    _profile, _kid, key = published_key(client)
    token = download(client, certificate)
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["achievement"]["name"] = "Advanced Investigations"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    with pytest.raises(pyjwt.InvalidSignatureError):
        pyjwt.decode(f"{head}.{forged}.{signature}", key, algorithms=["EdDSA"])
    other = pyjwt.PyJWK(OKPKey.generate_key("Ed25519").as_dict(private=False)).key
    with pytest.raises(pyjwt.InvalidSignatureError):
        pyjwt.decode(token, other, algorithms=["EdDSA"])


def revoked_in_list(client, key, index: int) -> bool:
    response = client.get(reverse("certificates:status_list"))
    assert response["Content-Type"] == "application/vc+jwt"
    status = pyjwt.decode(response.content.decode(), key, algorithms=["EdDSA"])
    assert status["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    encoded = status["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 >= 131072
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def test_a_revoked_certificate_shows_revoked_in_the_signed_status_list(client, certificate, staff):
    _profile, _kid, key = published_key(client)
    entry = pyjwt.decode(download(client, certificate), key, algorithms=["EdDSA"])["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusPurpose"] == "revocation"
    index = int(entry["statusListIndex"])
    assert not revoked_in_list(client, key, index)

    services.certificate_revoke(certificate=certificate, by=staff["administrator"], reason="Name misspelt")
    assert revoked_in_list(client, key, index)
    assert not revoked_in_list(client, key, index + 1)


def test_the_key_is_generated_once_and_kept_or_taken_from_the_environment(client, certificate, settings):
    first = download(client, certificate)
    key_file = settings.VAR_DIR / credentials.KEY_FILE_NAME
    assert key_file.exists() and key_file.stat().st_mode & 0o077 == 0
    credentials._load_key.cache_clear()  # a new process reads the same file
    _profile, _kid, key = published_key(client)
    pyjwt.decode(first, key, algorithms=["EdDSA"])

    settings.CERTIFICATE_SIGNING_KEY = OKPKey.generate_key("Ed25519").as_pem(private=True).decode()
    _profile, _kid, production_key = published_key(client)
    pyjwt.decode(download(client, certificate), production_key, algorithms=["EdDSA"])
    with pytest.raises(pyjwt.InvalidSignatureError):
        pyjwt.decode(first, production_key, algorithms=["EdDSA"])


def test_the_verify_page_links_the_credential_and_shows_nothing_more(client, certificate):
    page = client.get(reverse("certificates:verify_code", args=[code_display(certificate.code)]))
    html = page.content.decode()
    link = reverse("certificates:credential", args=[code_display(certificate.code)])
    assert f'href="{link}"' in html
    person = certificate.person
    for private in (person.service_number, person.unit.name_en, person.unit.name_ar):
        assert private not in html
    assert client.get(reverse("certificates:credential", args=["0000-0000-0000-0000-0000"])).status_code == 404
    assert client.get(reverse("certificates:credential", args=["not-a-code"])).status_code == 404


def test_the_holder_finds_the_credential_beside_the_pdf(certificate):
    from certificates.wagtail_hooks import certificate_links_for_my_learning

    urls = [link.url for link in certificate_links_for_my_learning(certificate.person)]
    assert urls == [
        reverse("certificates:pdf", args=[certificate.serial]),
        reverse("certificates:credential", args=[code_display(certificate.code)]),
        reverse("certificates:verify_code", args=[code_display(certificate.code)]),
    ]
