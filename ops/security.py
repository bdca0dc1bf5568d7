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


def requires_second_factor(user) -> bool:
    """Staff roles and superusers pass a second factor before any staff page opens.

    Trainers and trainees are not asked: the issue limits the requirement to the staff roles, and a
    trainer's access is confined to their own sessions (see README, Security).
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
    return cached
