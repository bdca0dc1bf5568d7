"""Who may import what.

Administrators import every kind and merge duplicated people. A training-centre manager imports
people, sessions and participations, limited to the training centre of their ``StaffScope``
(a manager with no centre imports nothing): sessions of that centre, participations in its
sessions, and people who are new or who trained or were trained in one of its sessions (the rows
are checked in ``imports.resources``). The national plan (targets) is the Directorate's:
administrators only.
"""

from lms.models import StaffScope, TrainingCentre
from lms.roles import ADMINISTRATOR, CENTRE_MANAGER

MANAGER_KINDS = ("people", "sessions", "participations")
# Reference data (units, stations, training centres) is the Directorate's too.
ALL_KINDS = ("people", "sessions", "participations", "targets", "units", "stations", "centres")


def _groups(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_import_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._import_groups = cached
    return cached


def is_administrator(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or ADMINISTRATOR in _groups(user)


def manager_centre(user) -> TrainingCentre | None:
    if CENTRE_MANAGER not in _groups(user):
        return None
    scope = StaffScope.objects.filter(user=user).select_related("training_centre").first()
    return scope.training_centre if scope else None


def import_kinds_for(user) -> tuple[str, ...]:
    if is_administrator(user):
        return ALL_KINDS
    if manager_centre(user) is not None:
        return MANAGER_KINDS
    return ()


def scope_centre_for(user) -> TrainingCentre | None:
    """The centre every row must belong to; None for an administrator (no limit)."""
    return None if is_administrator(user) else manager_centre(user)


def can_merge_people(user) -> bool:
    return is_administrator(user)
