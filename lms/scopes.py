"""Who holds which role, and where: the facts every scope of the project is built from.

A user's roles are the groups of ``lms.roles`` (read once per user object); the place a staff role
is limited to is its ``StaffScope``. ``cascade.permissions`` builds who may see and change which
sessions and people on these; the learning side's own scope (whom a manager may enrol) is here,
as it needs only learning records.
"""

from django.db.models import QuerySet

from lms import roles
from lms.models import Person, StaffScope, TrainingCentre

_CACHE = "_lms_role_names"


def role_names(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, _CACHE, None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        setattr(user, _CACHE, cached)
    return cached


def has_role(user, role: str) -> bool:
    return role in role_names(user)


def sees_everything(user) -> bool:
    """Administrators, superusers and directorate auditors see every record."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or bool(role_names(user) & {roles.ADMINISTRATOR, roles.DIRECTORATE_AUDITOR})


def is_administrator(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active) and (
        user.is_superuser or has_role(user, roles.ADMINISTRATOR)
    )


def scope_of(user) -> StaffScope | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.staff_scope
    except StaffScope.DoesNotExist:
        return None


def person_of(user) -> Person | None:
    """The person a login belongs to (trainers and trainees), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.person
    except Person.DoesNotExist:
        return None


def managed_centre_id(user) -> int | None:
    """The training centre a centre manager manages, or None."""
    scope = scope_of(user)
    if scope is None or scope.training_centre_id is None or not has_role(user, roles.CENTRE_MANAGER):
        return None
    return scope.training_centre_id


def managed_governorate_id(user) -> int | None:
    """The governorate of the training centre a centre manager manages, or None."""
    centre_id = managed_centre_id(user)
    if centre_id is None:
        return None
    return TrainingCentre.objects.filter(pk=centre_id).values_list("governorate_id", flat=True).first()


def officer_governorate_id(user) -> int | None:
    """The governorate a governorate training officer reads, or None."""
    scope = scope_of(user)
    if scope is None or scope.governorate_id is None or not has_role(user, roles.GOVERNORATE_OFFICER):
        return None
    return scope.governorate_id


def trainer_person_id(user) -> int | None:
    """The person behind a trainer login, or None."""
    if not has_role(user, roles.TRAINER):
        return None
    person = person_of(user)
    return person.pk if person else None


def people_enrollable_by(user) -> QuerySet[Person]:
    """Whom ``user`` may enrol in bulk.

    Administrators: everyone. A training-centre manager: the people posted in the governorate of
    the centre they manage (a centre trains its governorate's police; people are not attached to a
    centre). Anyone else, governorate officers included (their role is read-only): no one.
    """
    if is_administrator(user):
        return Person.objects.all()
    governorate_id = managed_governorate_id(user)
    if governorate_id is None:
        return Person.objects.none()
    return Person.objects.filter(governorate_id=governorate_id)
