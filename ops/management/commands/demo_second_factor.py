import hashlib
import hmac
from base64 import b32encode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cascade.demo import demo_logins
from lms import roles
from ops.second_factor import AUTHENTICATOR_NAME


class Command(BaseCommand):
    help = (
        "Give the demo staff and course-author accounts an authenticator key (the same one every run) and "
        "print it with the current code, so their logins pass the second factor. Embedded default (DEBUG) only."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo second factors are for the embedded default only (DEBUG on), never production.")
        User = get_user_model()
        rows = []
        for login in demo_logins():
            user = User.objects.filter(username=login.username).first()
            # Staff, and trainers who author a course (they pass it before the administration).
            if user is None or not (login.role in roles.STAFF_ROLES or user.has_perm("wagtailadmin.access_admin")):
                continue
            # Derived from SECRET_KEY, so re-running keeps the key an authenticator app already holds.
            key = hmac.new(settings.SECRET_KEY.encode(), login.username.encode(), hashlib.sha256).digest()[:20]
            device, _created = TOTPDevice.objects.get_or_create(
                user=user, name=AUTHENTICATOR_NAME, defaults={"key": key.hex(), "confirmed": True}
            )
            secret = b32encode(device.bin_key).decode().rstrip("=")
            rows.append((login.username, secret, f"{totp(device.bin_key):06d}"))
        if not rows:
            self.stdout.write("No demo staff accounts yet: run manage.py demo_data first.")
            return
        self.stdout.write(
            "Staff accounts ask for a second factor after the password. Add a key to an authenticator app "
            "(or run this command again for the current code, valid 30 s):"
        )
        width = max(len(username) for username, _secret, _code in rows)
        for username, secret, code in rows:
            self.stdout.write(f"  {username:<{width}}  key {secret}  code now {code}")
