"""Who may call the API beyond being signed in."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, permissions

from ops.security import requires_second_factor


class SecondFactorPassedForSession(permissions.BasePermission):
    """A staff account signed in by its session cookie has passed its second factor.

    The second-factor middleware lets ``/api/`` through because a token is a credential of its own;
    a session cookie is not: without this check, a staff password alone would write through the API.
    """

    message = _("Pass your second factor before using the API from this browser.")

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.successful_authenticator, authentication.SessionAuthentication):
            return True
        user = request.user
        if not requires_second_factor(user):
            return True
        return bool(getattr(user, "is_verified", lambda: False)())
