"""Who may see and change which sessions and people: every cascade page asks here.

Roles are the groups of ``lms.roles``; the place a staff role is limited to is its ``StaffScope``
(who holds which role, and where, is read through ``lms.scopes``).
A user may hold several roles: what they may see is the union of what each role allows.

- Administrators (and superusers) and directorate auditors see every session and person;
  auditors only read.
- Training-centre managers see and change their centre's sessions and the people in them, and
  they alone reopen a closed session of their centre.
- Governorate training officers read their governorate's sessions and the people in them.
- Trainers (a login linked to a ``Person``) see and change only the sessions they lead or
  co-train, and the people in those sessions.
- Trainees see only themselves (their own participations: ``participations_visible_to``).

The functions return querysets (to filter lists, and to fetch one object with a 404 for anything
outside them) or booleans (for writes, answered with a 403); they never raise.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from cascade.models import Participation, SessionTrainer, TrainerQualification, TrainingSession
from lms import roles
from lms.models import Person
from lms.scopes import (  # noqa: F401 — the role facts, asked here by every cascade page
    has_role,
    is_administrator,
    managed_centre_id,
    managed_governorate_id,
    officer_governorate_id,
    person_of,
    role_names,
    scope_of,
    sees_everything,
    trainer_person_id,
)


def _trains(person_id: int) -> Exists:
    return Exists(SessionTrainer.objects.filter(session_id=OuterRef("pk"), person_id=person_id))


def sessions_visible_to(user) -> QuerySet[TrainingSession]:
    """The sessions ``user`` may read (one row per session, no duplicates)."""
    sessions = TrainingSession.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return sessions.none()
    if sees_everything(user):
        return sessions
    allowed = Q(pk__in=[])
    if (centre_id := managed_centre_id(user)) is not None:
        allowed |= Q(training_centre_id=centre_id)
    if (governorate_id := officer_governorate_id(user)) is not None:
        allowed |= Q(governorate_id=governorate_id)
    if (person_id := trainer_person_id(user)) is not None:
        allowed |= Q(_trains(person_id))
    return sessions.filter(allowed)


def sessions_editable_by(user) -> QuerySet[TrainingSession]:
    """The sessions ``user`` may change: those they lead or co-train, or their centre's (managers).

    Auditors and governorate officers only read. Administrators change everything.
    """
    sessions = TrainingSession.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return sessions.none()
    if is_administrator(user):
        return sessions
    allowed = Q(pk__in=[])
    if (centre_id := managed_centre_id(user)) is not None:
        allowed |= Q(training_centre_id=centre_id)
    if (person_id := trainer_person_id(user)) is not None:
        allowed |= Q(_trains(person_id))
    return sessions.filter(allowed)


def can_edit_session(user, session: TrainingSession) -> bool:
    """Whether ``user`` may change ``session`` (its closed state is the integrity rules' business)."""
    return sessions_editable_by(user).filter(pk=session.pk).exists()


def can_reopen_session(user, session: TrainingSession) -> bool:
    """Only a training-centre manager of the session's own centre reopens a closed session."""
    centre_id = managed_centre_id(user)
    return centre_id is not None and centre_id == session.training_centre_id and user.is_active


def participations_visible_to(user) -> QuerySet[Participation]:
    """Participations ``user`` may read: those of visible sessions, and always their own."""
    participations = Participation.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return participations.none()
    if sees_everything(user):
        return participations
    allowed = Q(session__in=sessions_visible_to(user))
    if (person := person_of(user)) is not None:
        allowed |= Q(person_id=person.pk)
    return participations.filter(allowed)


def _named_in(sessions: QuerySet[TrainingSession] | None) -> Q:
    """People named as a participant or a trainer in one of ``sessions`` (None: in any session)."""
    where = {} if sessions is None else {"session__in": sessions.values("pk")}
    return Q(Exists(Participation.objects.filter(person_id=OuterRef("pk"), **where))) | Q(
        Exists(SessionTrainer.objects.filter(person_id=OuterRef("pk"), **where))
    )


def people_visible_to(user) -> QuerySet[Person]:
    """The people whose records ``user`` may read.

    Everyone for administrators and auditors; otherwise the trainers and participants of the
    sessions ``user`` may read, the people of an officer's governorate, a manager's roster people
    not yet in any session, and always oneself.
    """
    people = Person.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return people.none()
    if sees_everything(user):
        return people
    allowed = _named_in(sessions_visible_to(user))
    if (governorate_id := officer_governorate_id(user)) is not None:
        allowed |= Q(governorate_id=governorate_id)
    if (governorate_id := managed_governorate_id(user)) is not None:
        # A roster loaded ahead of its sessions: a manager finds the people of their centre's
        # governorate whom no session names yet, to enrol them (changing them stays with administrators).
        allowed |= Q(governorate_id=governorate_id) & ~_named_in(None)
    if (person := person_of(user)) is not None:
        allowed |= Q(pk=person.pk)
    return people.filter(allowed)


def people_of_centre(centre_id: int) -> QuerySet[Person]:
    """The people named in a session of the training centre: those its manager may change (an import
    made for the centre may change no one else's record)."""
    return Person.objects.filter(_named_in(TrainingSession.objects.filter(training_centre_id=centre_id)))


def people_editable_by(user) -> QuerySet[Person]:
    """The people whose records ``user`` may change: everyone for administrators; otherwise the
    trainers and participants of the sessions ``user`` may change (a manager: their centre's)."""
    people = Person.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return people.none()
    if is_administrator(user):
        return people
    return people.filter(_named_in(sessions_editable_by(user)))


def qualifications_visible_to(user) -> QuerySet[TrainerQualification]:
    """The trainer qualifications ``user`` may read: those of the people they may read."""
    qualifications = TrainerQualification.objects.all()
    if sees_everything(user):
        return qualifications
    return qualifications.filter(person__in=people_visible_to(user).values("pk"))


def qualifications_editable_by(user) -> QuerySet[TrainerQualification]:
    """The trainer qualifications ``user`` may change: those of the people they may change."""
    qualifications = TrainerQualification.objects.all()
    if is_administrator(user):
        return qualifications
    return qualifications.filter(person__in=people_editable_by(user).values("pk"))


def uses_records_admin(user) -> bool:
    """Whether ``user`` holds a role the admin's people, session and qualification screens are for.

    Administrators, directorate auditors, centre managers and governorate officers; what they
    reach there is still their scope (a manager with no centre reaches nothing). A trainer works
    in the workspace, even with admin access for authoring course pages.
    """
    return sees_everything(user) or bool(role_names(user) & {roles.CENTRE_MANAGER, roles.GOVERNORATE_OFFICER})


def can_add_people(user) -> bool:
    """Trainers, centre managers and administrators put people on session rosters.

    They find a participant among all personnel by service number or name (people come to a
    centre from any unit), so the roster search is not limited by ``people_visible_to``; it shows
    only what identifies a person (name, service number, rank, governorate).
    """
    return is_administrator(user) or trainer_person_id(user) is not None or managed_centre_id(user) is not None


def uses_workspace(user) -> bool:
    """Whether the trainer workspace's sessions are for ``user``: trainers and staff; a trainee only
    reads their own trainings there."""
    return has_role(user, roles.TRAINER) or any(has_role(user, role) for role in roles.STAFF_ROLES)


def reads_dashboard(user) -> bool:
    """Whether the Directorate's dashboard has figures for ``user``: everything (administrators,
    auditors), an officer's governorate or a manager's centre (``audit.selectors.audit_scope_for``
    gives the scope itself)."""
    return sees_everything(user) or officer_governorate_id(user) is not None or managed_centre_id(user) is not None
