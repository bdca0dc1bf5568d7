"""Who may see which certificates, and which completions are due one.

- A person's certificates: the trainee (login linked to the person), the manager of the
  session's training centre, the training officer of the session's governorate (for e-learning,
  of the person's governorate), directorate auditors and administrators.
- Batches: whoever sees everything (the Directorate) for anything; a centre manager for their
  own centre only. Both need the ``certificates.issue_certificates`` permission of their role,
  checked in ``batch_centre_limit`` alone (starting, pausing and resuming, the menu item).
- The verification log: whoever holds ``certificates.view_verificationlog`` (the Directorate).
"""

from django.db.models import Q, QuerySet

from cascade.models import Outcome, Participation, SessionStatus
from cascade.permissions import managed_centre_id, officer_governorate_id, person_of, sees_everything
from certificates.models import Certificate, CertificateBatch


def certificates_visible_to(user) -> QuerySet[Certificate]:
    certificates = Certificate.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return certificates.none()
    if sees_everything(user):
        return certificates
    allowed = Q(pk__in=[])
    if (centre_id := managed_centre_id(user)) is not None:
        allowed |= Q(session__training_centre_id=centre_id)
    if (governorate_id := officer_governorate_id(user)) is not None:
        allowed |= Q(session__governorate_id=governorate_id) | Q(
            session__isnull=True, person__governorate_id=governorate_id
        )
    if (person := person_of(user)) is not None:
        allowed |= Q(person_id=person.pk)
    return certificates.filter(allowed)


def can_revoke(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active) and user.has_perm(
        "certificates.revoke_certificate"
    )


def batch_centre_limit(user) -> tuple[bool, int | None]:
    """(may start batches, the only centre they may cover or None for all)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False, None
    if not user.has_perm("certificates.issue_certificates"):
        return False, None
    if sees_everything(user):
        return True, None
    centre_id = managed_centre_id(user)
    return (centre_id is not None), centre_id


def batches_owned_by(user) -> QuerySet[CertificateBatch]:
    """A batch's progress and archive are its owner's alone."""
    if not getattr(user, "is_authenticated", False):
        return CertificateBatch.objects.none()
    return CertificateBatch.objects.filter(owner=user)


def eligible_participations(
    *, session=None, training_centre=None, course=None, governorate=None, year=None, limit_to_centre=None
) -> QuerySet[Participation]:
    """Completed participations in closed sessions, within the given session, centre, course,
    governorate and year the session ended (none given: the whole programme)."""
    participations = Participation.objects.filter(outcome=Outcome.COMPLETED, session__status=SessionStatus.CLOSED)
    if session is not None:
        participations = participations.filter(session=session)
    if training_centre is not None:
        participations = participations.filter(session__training_centre=training_centre)
    if course is not None:
        participations = participations.filter(session__course=course)
    if governorate is not None:
        participations = participations.filter(session__governorate=governorate)
    if year is not None:
        participations = participations.filter(session__end_date__year=year)
    if limit_to_centre is not None:
        participations = participations.filter(session__training_centre=limit_to_centre)
    return participations
