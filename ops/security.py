"""Login hardening: where a request comes from, and who must pass a second factor.

Behind a reverse proxy every request comes from the proxy's address, so the client's address is
read from the header the proxy sets, and only when the request comes from one of
``TRUSTED_PROXIES`` (``ops.proxy``): a client could otherwise choose the address it is locked out
under.
"""

from django.conf import settings

from lms import roles
from ops.proxy import client_address


def client_ip(request) -> str | None:
    """The client's address for django-axes: the same resolver as every other reader (``ops.proxy``)."""
    return client_address(request)


ADMIN_PREFIX = "/admin/"


def requires_second_factor(user, path: str = "") -> bool:
    """Staff roles and superusers pass a second factor before any staff page opens; anyone else
    who may enter the administration (a trainer who also authors a course) passes it before an
    administration page (``path``) opens.

    Trainers and trainees are not asked in the workspace and the learner area: a trainer's access
    there is confined to their own sessions (see README, Security).
    """
    if not getattr(settings, "OTP_REQUIRED_FOR_STAFF", True):
        return False
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_ops_staff_role", None)
    if cached is None:
        cached = user.groups.filter(name__in=roles.STAFF_ROLES).exists()
        user._ops_staff_role = cached
    return cached or (path.startswith(ADMIN_PREFIX) and user.has_perm("wagtailadmin.access_admin"))


def lockout_username(request, credentials: dict | None) -> str:
    """The name django-axes counts failed sign-ins under: the account a login names, in any case.

    Sign-in finds a service number typed in any case (``lms.accounts.ServiceNumberBackend``), so
    counting under the login as typed gave ``DEMO-1``, ``demo-1`` and ``Demo-1`` five tries each,
    and a correct password under one spelling cleared the lock of the real account. The count is
    kept under the account's username when a login names an account (as a username in any case,
    or as its person's service number), else under the login case-folded.
    """
    from django.contrib.auth import get_user_model

    from lms.models import Person

    typed = (credentials or {}).get("username") or (request.POST.get("username", "") if request else "")
    login = str(typed).strip()
    if not login:
        return ""
    User = get_user_model()
    account = User.objects.filter(username__iexact=login).values_list("username", flat=True).first()
    if account is None:
        account = (
            Person.objects.filter(service_number__iexact=login, user__isnull=False)
            .values_list("user__username", flat=True)
            .first()
        )
    return account if account is not None else login.casefold()
