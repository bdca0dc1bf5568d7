"""Who may import what.

Administrators import every kind and merge duplicated people. A training-centre manager imports
people, sessions and participations, limited to the training centre of their ``StaffScope``
(a manager with no centre imports nothing): sessions of that centre, participations in its
sessions, and people who are new or who trained or were trained in one of its sessions (the rows
are checked in ``imports.resources``). The national plan (targets) is the Directorate's:
administrators only.
"""

from cascade import permissions
from lms.models import TrainingCentre

MANAGER_KINDS = ("people", "sessions", "participations")
# Reference data (units, stations, training centres) is the Directorate's too.
ALL_KINDS = ("people", "sessions", "participations", "targets", "units", "stations", "centres")

# Who is an administrator and which centre a manager manages is ``cascade.permissions``' rule.
is_administrator = permissions.is_administrator


def manager_centre(user) -> TrainingCentre | None:
    centre_id = permissions.managed_centre_id(user)
    return None if centre_id is None else TrainingCentre.objects.get(pk=centre_id)


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
