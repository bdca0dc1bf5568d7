"""The second factor of staff accounts: an authenticator app (TOTP) and one-time recovery codes.

A staff account enrols one authenticator (``start_enrolment`` → ``confirm_enrolment``), which
also issues its recovery codes. Each recovery code works once (django-otp's static tokens).
Enrolling again is possible only from a session that has already passed the second factor, so a
stolen password alone cannot replace the owner's authenticator.
"""

from base64 import b32encode

import segno
from django.db import transaction
from django_otp import devices_for_user, match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "authenticator"
RECOVERY_NAME = "recovery"


def has_second_factor(user) -> bool:
    """A confirmed authenticator, or recovery codes left to use."""
    return any(True for _ in devices_for_user(user, confirmed=True))


def start_enrolment(user) -> TOTPDevice:
    """The unconfirmed authenticator being enrolled (kept across page loads until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


@transaction.atomic
def confirm_enrolment(device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm ``device`` if ``token`` is its current code: it replaces any previous authenticator.

    Returns the new recovery codes, or None when the code is wrong.
    """
    if not device.verify_token(token.strip().replace(" ", "")):
        return None
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return issue_recovery_codes(device.user)


@transaction.atomic
def issue_recovery_codes(user, count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Replace the account's recovery codes with ``count`` new ones and return them."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(count)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def verify(user, token: str):
    """The device ``token`` belongs to (an authenticator code or an unused recovery code), or None."""
    return match_token(user, token.strip().replace(" ", "").lower())


def secret_text(device: TOTPDevice) -> str:
    """The key as authenticator apps ask for it when typed by hand (base32, in groups of four)."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (no script, no image request)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2)
