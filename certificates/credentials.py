"""Certificates as Open Badges 3.0 credentials: W3C Verifiable Credentials signed by the issuer.

- Every certificate is also an ``OpenBadgeCredential`` (contexts: VC Data Model 2.0 and Open
  Badges 3.0.3), secured as a VC-JWT (Open Badges 3.0, section 8.2, "JSON Web Token Proof
  Format"): the JWT's payload *is* the credential, with ``iss``, ``jti``, ``nbf`` (and ``exp``)
  mapped from it, signed with the issuer's Ed25519 key (JOSE ``alg`` ``EdDSA``); the header holds
  the public key (``jwk``) and its address (``kid``). VC-JWT, not an embedded Data Integrity
  proof, because ``eddsa-rdfc-2022`` signs the RDF canonical form of the JSON-LD, which depends
  on the published contexts: the server (which fetches nothing from the network) would sign
  against vendored copies, and any difference from what a verifier loads breaks the signature.
  A JWS signs the bytes as they are; every Open Badges 3.0 verifier accepts either format.
- The issuer's profile (an Open Badges ``Profile``, JSON-LD) is published at a stable address,
  ``/certificates/issuer/``, with the public key as a JWK; the key alone is at ``kid``.
- Revocation: each credential names its entry in the issuer's revocation list (a
  ``BitstringStatusListCredential`` at ``/certificates/status/revocation/``, itself a signed
  VC-JWT): bit ``certificate.pk`` is set once the certificate is revoked. Expiry is the
  credential's ``validUntil``.
- Minimum data: the credential names the person only by a salted SHA-256 of the name as printed
  (an ``IdentityObject``), so it shows nothing the public verify page does not already show.
- The key: ``CERTIFICATE_SIGNING_KEY`` (a PEM, from the environment) or
  ``CERTIFICATE_SIGNING_KEY_FILE`` (a PEM file); without either, one is generated once and kept:
  in the private ``certificates`` storage when that is object storage (so every web node signs
  with the same key, whichever generated it), else into ``VAR_DIR`` (the embedded default).
"""

import base64
import gzip
import hashlib
import os
import secrets
import time as time_module
import warnings
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import SecurityWarning
from joserfc.jwk import OKPKey

from certificates.codes import code_display
from certificates.models import Certificate, CertificateDesign, private_storage

CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
ALGORITHM = "EdDSA"  # Ed25519; the name Open Badges 3.0 and VC-JWT verifiers know
MEDIA_TYPE = "application/vc+jwt"
KEY_FILE_NAME = "certificate-signing-key.pem"
STORED_KEY_NAME = f"keys/{KEY_FILE_NAME}"
# The smallest list the Bitstring Status List specification allows (16 KB), so an index alone does
# not tell how many certificates exist; longer lists grow by the same step.
STATUS_LIST_BITS = 131072
# joserfc follows RFC 9864, which prefers the algorithm name "Ed25519"; verifiers of Open Badges
# 3.0 expect "EdDSA" (the same Ed25519 signature).
warnings.filterwarnings("ignore", message="EdDSA is deprecated", category=SecurityWarning)


# --- The key ---------------------------------------------------------------------------------


def _key_file() -> Path:
    configured = getattr(settings, "CERTIFICATE_SIGNING_KEY_FILE", "")
    return Path(configured) if configured else Path(settings.VAR_DIR) / KEY_FILE_NAME


def _generate_key_file(path: Path) -> None:
    """Write a new private key to ``path`` (owner-readable only) unless a process got there first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(OKPKey.generate_key("Ed25519").as_pem(private=True))


@cache
def _load_key(pem: str, path: str) -> OKPKey:
    if pem:
        key = OKPKey.import_key(pem.replace("\\n", "\n").encode())
    else:
        file = Path(path)
        if not file.exists() and not getattr(settings, "CERTIFICATE_SIGNING_KEY_FILE", ""):
            _generate_key_file(file)  # the embedded default only: a configured file must exist
        key = OKPKey.import_key(file.read_bytes())
    if key.as_dict(private=False).get("crv") != "Ed25519" or not key.is_private:
        raise ValueError("the certificate signing key must be an Ed25519 private key (PEM)")
    return key


def _store_key_once(storage, pem: str) -> None:
    """Store ``pem`` as the shared key unless a key is stored already. In a bucket the write is
    conditional (``If-None-Match: *``), so of two nodes that both got this far the second's write is
    refused and the first key stays; a store that does not know the condition is written plainly
    (the lock and the re-read in ``_shared_key_pem`` still leave every node with the stored key)."""
    bucket = getattr(storage, "bucket", None)
    if bucket is None:
        storage.save(STORED_KEY_NAME, ContentFile(pem.encode()))
        return
    from botocore.exceptions import ClientError

    try:
        bucket.Object(storage._normalize_name(STORED_KEY_NAME)).put(Body=pem.encode(), IfNoneMatch="*")
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code in {"PreconditionFailed", "ConditionalRequestConflict", "412"}:
            return  # another node stored its key first: that one is read back below
        if code not in {"NotImplemented", "501"}:
            raise
        storage.save(STORED_KEY_NAME, ContentFile(pem.encode()))


@cache
def _shared_key_pem() -> str:
    """The key kept in object storage, generated there once: one node writes it while holding a
    lock in the shared cache, the others wait for it; every node, the writer too, then reads the
    key back from storage, so all sign with the one stored (once per process)."""
    storage = private_storage()
    lock = "certificates:signing-key:generating"
    deadline = time_module.monotonic() + 30
    while not storage.exists(STORED_KEY_NAME):
        token = secrets.token_hex(16)
        if shared_cache.add(lock, token, timeout=30):
            try:
                if not storage.exists(STORED_KEY_NAME):
                    _store_key_once(storage, OKPKey.generate_key("Ed25519").as_pem(private=True).decode())
            finally:
                # Only this node's own lock: one that lapsed meanwhile may now be another node's.
                if shared_cache.get(lock) == token:
                    shared_cache.delete(lock)
        elif time_module.monotonic() > deadline:
            raise TimeoutError("the certificate signing key is being generated by another node; try again")
        else:
            time_module.sleep(0.2)
    with storage.open(STORED_KEY_NAME, "rb") as handle:
        return handle.read().decode()


def _key_in_object_storage() -> bool:
    try:
        private_storage().path(STORED_KEY_NAME)
    except NotImplementedError:
        return True
    return False


def signing_key() -> OKPKey:
    """The issuer's Ed25519 private key (see the module's docstring for where it comes from)."""
    pem = getattr(settings, "CERTIFICATE_SIGNING_KEY", "")
    if not pem and not getattr(settings, "CERTIFICATE_SIGNING_KEY_FILE", "") and _key_in_object_storage():
        pem = _shared_key_pem()
    return _load_key(pem, str(_key_file()))


def public_jwk() -> dict:
    key = signing_key()
    return key.as_dict(private=False) | {"kid": key_id(), "alg": ALGORITHM, "use": "sig"}


# --- Addresses -------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return settings.SITE_BASE_URL + path


def issuer_id() -> str:
    return _absolute(reverse("certificates:issuer"))


def key_id() -> str:
    return _absolute(reverse("certificates:issuer_key"))


def status_list_url() -> str:
    return _absolute(reverse("certificates:status_list"))


def credential_url(certificate: Certificate) -> str:
    return _absolute(reverse("certificates:credential", args=[code_display(certificate.code)]))


# --- Documents -------------------------------------------------------------------------------


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def issuer_profile(design: CertificateDesign | None = None) -> dict:
    """The issuer's Open Badges ``Profile`` (JSON-LD), with the key credentials are signed with."""
    design = design or CertificateDesign.load()
    jwk = public_jwk()
    return {
        "@context": CONTEXTS,
        "id": issuer_id(),
        "type": ["Profile"],
        "name": f"{design.directorate_en}, {design.ministry_en}",
        "url": settings.SITE_BASE_URL + "/",
        "description": f"{design.directorate_ar} — {design.ministry_ar}",
        "verificationMethod": [
            {"id": jwk["kid"], "type": "JsonWebKey", "controller": issuer_id(), "publicKeyJwk": jwk}
        ],
    }


def _identity(certificate: Certificate) -> dict:
    """The holder as a salted hash of the name as printed: whoever knows the name can check it."""
    salt = certificate.code
    name = certificate.name_ar or certificate.name_latin
    return {
        "type": "IdentityObject",
        "identityType": "name",
        "hashed": True,
        "identityHash": "sha256$" + hashlib.sha256((name + salt).encode()).hexdigest(),
        "salt": salt,
    }


def credential(certificate: Certificate, design: CertificateDesign | None = None) -> dict:
    """The certificate as an ``OpenBadgeCredential`` (unsigned; see ``credential_jwt``)."""
    design = design or CertificateDesign.load()
    course = certificate.course
    achievement = {
        "id": f"{issuer_id()}achievements/{course.code}",
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "humanCode": course.code,
        "name": course.title_en,
        "description": f"{course.title_en} — {course.title_ar}",
        "criteria": {
            "narrative": (
                f"Completed the course {course.code} ({course.hours} hours) in a training session."
                if certificate.session_id
                else f"Completed the e-learning course {course.code}."
            )
        },
        "inLanguage": "ar",
    }
    subject = {
        "type": ["AchievementSubject"],
        "identifier": [_identity(certificate)],
        "achievement": achievement,
        "activityEndDate": _timestamp(_end_of(certificate.completed_on)),
    }
    index = str(certificate.pk)
    document = {
        "@context": CONTEXTS,
        "id": credential_url(certificate),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_id(), "type": ["Profile"], "name": f"{design.directorate_en}, {design.ministry_en}"},
        "name": f"{course.title_en} ({certificate.serial})",
        "validFrom": _timestamp(certificate.issued_at),
        "credentialSubject": subject,
        "credentialStatus": {
            "id": f"{status_list_url()}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": index,
            "statusListCredential": status_list_url(),
        },
    }
    if certificate.valid_until:
        document["validUntil"] = _timestamp(_end_of(certificate.valid_until))
    return document


def _sign(document: dict) -> str:
    """The document as a VC-JWT: the payload is the document plus the registered claims it maps to."""
    claims = dict(document)
    claims["iss"] = document["issuer"]["id"] if isinstance(document["issuer"], dict) else document["issuer"]
    claims["jti"] = document["id"]
    claims["nbf"] = int(datetime.fromisoformat(document["validFrom"]).timestamp())
    if "validUntil" in document:
        claims["exp"] = int(datetime.fromisoformat(document["validUntil"]).timestamp())
    header = {"alg": ALGORITHM, "typ": "JWT", "kid": key_id(), "jwk": signing_key().as_dict(private=False)}
    return jwt.encode(header, claims, signing_key(), algorithms=[ALGORITHM])


def credential_jwt(certificate: Certificate) -> str:
    """The certificate's Open Badges 3.0 credential, signed (compact JWS)."""
    return _sign(credential(certificate))


def revocation_bits(revoked: list[int]) -> bytes:
    """The bitstring with bit ``i`` set for each revoked index ``i`` (bit 0 is the first byte's highest)."""
    size = STATUS_LIST_BITS * (max(revoked, default=0) // STATUS_LIST_BITS + 1)
    bits = bytearray(size // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)
    return bytes(bits)


def encoded_list(bits: bytes) -> str:
    """GZIP, then base64url without padding, with the multibase prefix ``u``."""
    compressed = gzip.compress(bits, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def status_list_jwt() -> str:
    """The issuer's revocation list as a signed ``BitstringStatusListCredential``."""
    revoked = list(Certificate.objects.filter(revoked_at__isnull=False).values_list("pk", flat=True))
    url = status_list_url()
    return _sign(
        {
            "@context": CONTEXTS[:1],
            "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer_id(),
            "validFrom": _timestamp(timezone.now()),
            "credentialSubject": {
                "id": f"{url}#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": encoded_list(revocation_bits(revoked)),
            },
        }
    )
