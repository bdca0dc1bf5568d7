"""Limits on staff sessions and on the admin's password reset.

- A staff session (anyone who must pass the second factor, ``ops.security.requires_second_factor``,
  or has passed it) ends after ``STAFF_SESSION_IDLE_HOURS`` without a request (8 hours by default); every request
  moves the end on. Trainees and trainers keep Django's ``SESSION_COOKIE_AGE``.
- The admin's "forgotten password" form sends at most ``PASSWORD_RESET_RATE_LIMIT`` e-mails per
  ``PASSWORD_RESET_RATE_WINDOW`` seconds for one address, and as many for one client address;
  past that it answers 429 and sends nothing. Counted in the cache, like the verify page's limit.
"""

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lms.rates import window_exceeded
from ops.proxy import client_address
from ops.security import requires_second_factor

TOO_MANY_RESETS = _("Too many password reset requests. Wait an hour, or ask an administrator.")


class StaffSessionIdleMiddleware:
    """Staff sessions expire after ``STAFF_SESSION_IDLE_HOURS`` idle (a sliding window)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        # A course author who passed the second factor for the administration counts as staff too.
        if user is not None and (requires_second_factor(user) or getattr(user, "is_verified", lambda: False)()):
            request.session.set_expiry(int(settings.STAFF_SESSION_IDLE_HOURS * 3600))
        return self.get_response(request)


class PasswordResetThrottleMiddleware:
    """Refuse the admin's password reset past its rate, per e-mail address and per client."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path == reverse("wagtailadmin_password_reset"):
            limit, window = settings.PASSWORD_RESET_RATE_LIMIT, settings.PASSWORD_RESET_RATE_WINDOW
            email = request.POST.get("email", "").strip().casefold()
            by_email = window_exceeded(f"ops:password-reset:email:{email}", limit=limit, window=window)
            client = client_address(request) or "unknown"
            by_client = window_exceeded(f"ops:password-reset:ip:{client}", limit=limit, window=window)
            if by_email or by_client:
                return HttpResponse(str(TOO_MANY_RESETS), status=429, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
