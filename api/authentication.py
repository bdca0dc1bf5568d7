"""``Authorization: Bearer <token>`` against Wagtail's API tokens.

Administrators issue tokens in the admin (Settings → API tokens, Wagtail's ``APIToken``): only a
keyed hash is stored, the token is shown once when issued, and it can be revoked. A token acts as
the account it was issued for, so the API shows exactly what that account may see.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from wagtail.models import APIToken

# Writing last_used_at on every request would turn every read into a write; once a minute is enough.
LAST_USED_INTERVAL_SECONDS = 60


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("The Authorization header must be: Bearer <token>."))
        raw = header[1].decode(errors="replace")
        token = None
        if APIToken.validate_token_format(raw):
            token = (
                APIToken.objects.select_related("user")
                .filter(key_hash__in=APIToken.candidate_key_hashes(raw), revoked_at__isnull=True)
                .first()
            )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token is not valid or was revoked."))
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= LAST_USED_INTERVAL_SECONDS:
            APIToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword
