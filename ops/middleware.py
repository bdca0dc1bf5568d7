"""Staff accounts are signed in only once they have passed their second factor.

After the password, a staff account (``ops.security.requires_second_factor``; for a course author
who is not staff, on administration pages) that has not yet verified a device this session is sent
to the verify page (or, with no device yet, to the
enrolment page) from every page except the ones it needs to get there: the second-factor pages,
signing in and out, static files and the language switch. The API is exempt: it
authenticates by token, and its one view that also takes the session (the field kit's sync)
checks the second factor itself (``api.permissions``).

Only a page the browser navigates to is redirected. A resource a page fetches (the admin's icon
sprite, a script's request) is answered 403 instead: redirected, it would be answered with the
verify page's HTML and its address captured as the page to return to, so the person would end on
an XML error after typing their code. The icon sprite is public and exempt.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseForbidden
from django.shortcuts import redirect
from django.urls import reverse

from ops.admin_scripts import rewrite_inline_initialisers
from ops.security import requires_second_factor

EXEMPT_PREFIXES = (
    "/account/second-factor/",
    "/admin/login/",
    "/admin/logout/",
    "/admin/jsi18n/",  # the admin's translation catalogue, loaded by the sign-in pages too
    "/admin/sprite/",  # the admin's icons, fetched by every admin page (the sign-in pages too)
    "/i18n/",
    "/api/",
)


class StaffSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            getattr(user, "is_authenticated", False)
            and not user.is_verified()
            and not self._exempt(request.path)
            and requires_second_factor(user, request.path)
        ):
            if not self._navigation(request):
                return HttpResponseForbidden()
            return redirect(f"{reverse('ops:second_factor')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _navigation(request) -> bool:
        """A page opened by the person (browsers say so in Sec-Fetch-Mode; without it, assume so)."""
        mode = request.headers.get("Sec-Fetch-Mode")
        return mode in (None, "navigate")

    @staticmethod
    def _exempt(path: str) -> bool:
        exempt = (*EXEMPT_PREFIXES, settings.STATIC_URL, settings.MEDIA_URL)
        return path.startswith(exempt)


class AdminInlineScriptMiddleware:
    """Turn the Wagtail admin's inline widget initialisers into data (see ``ops.admin_scripts``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/admin/")
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
        ):
            html = response.content.decode(response.charset)
            rewritten = rewrite_inline_initialisers(html)
            if rewritten != html:
                response.content = rewritten.encode(response.charset)
                if response.has_header("Content-Length"):
                    response["Content-Length"] = str(len(response.content))
        return response
