"""Where a person lands after signing in, and which ``next`` addresses are pages worth landing on.

Each role has its own home: the Directorate auditor the dashboard, the other staff roles the
administration, a trainer the workspace, a trainee "My learning". A ``next`` address asked for at
sign-in is honoured only when it is a page of this site: never an asset fetched by a page (the
admin's icon sprite, the translation catalogue, static and media files), an API address, or one of
the sign-in pages themselves, which would loop or end on a browser error.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from cascade import permissions
from lms import roles

# Addresses fetched by pages, not opened by people, and the sign-in pages themselves.
NOT_PAGES = (
    "/admin/sprite/",
    "/admin/jsi18n/",
    "/admin/login/",
    "/admin/logout/",
    "/account/",
    "/i18n/",
    "/api/",
    "/learn/sign-in/",
    "/learn/sign-out/",
    "/favicon.ico",
)
# Where a sign-in form sends people who asked for nothing in particular.
GENERIC_TARGETS = {"", "/", "/admin/"}


def home_url(user) -> str:
    """The page a signed-in ``user`` starts from, by their strongest role."""
    if not getattr(user, "is_authenticated", False):
        return reverse("lms:login")
    if user.is_superuser or permissions.has_role(user, roles.ADMINISTRATOR):
        return reverse("wagtailadmin_home")
    if permissions.has_role(user, roles.DIRECTORATE_AUDITOR):
        return reverse("audit:dashboard")
    if any(permissions.has_role(user, role) for role in roles.STAFF_ROLES):
        return reverse("wagtailadmin_home")
    if permissions.has_role(user, roles.TRAINER):
        return reverse("cascade:workspace")
    if permissions.person_of(user) is not None:
        return reverse("lms:my_learning")
    return reverse("wagtailadmin_home") if user.has_perm("wagtailadmin.access_admin") else "/"


def _asset_prefixes() -> tuple[str, ...]:
    return tuple(prefix for prefix in (settings.STATIC_URL, settings.MEDIA_URL) if prefix)


def is_safe_page(request, target: str) -> bool:
    """``target`` is an address of this site that a person opens as a page (see module docstring)."""
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return False
    path = urlsplit(target).path
    if not path.startswith("/") or path.startswith(NOT_PAGES + _asset_prefixes()):
        return False
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def after_sign_in(request, target: str | None) -> str:
    """The page to open once ``request.user`` is signed in: ``target`` if it is a specific safe
    page, else their role's home."""
    target = target or ""
    if target not in GENERIC_TARGETS and is_safe_page(request, target):
        return target
    return home_url(request.user)
