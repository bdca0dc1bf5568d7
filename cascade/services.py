"""Writes to sessions, trainers, participations and qualifications.

Every function here is atomic and runs the integrity rules (``cascade.integrity``) on the session
as the write would leave it, before anything is stored; a broken rule raises ``ValidationError``
and the transaction leaves the database as it was.
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cascade.integrity import ParticipantDraft, SessionDraft, enforce
from cascade.models import (
    Outcome,
    Participation,
    SessionKind,
    SessionStatus,
    SessionTrainer,
    TrainerQualification,
    TrainerRole,
    TrainingSession,
)
from courses.models import Course
from lms.models import Person, TrainingCentre

QUALIFICATION_YEARS_DEFAULT = 3


def qualification_validity_years() -> int:
    return int(getattr(settings, "TRAINER_QUALIFICATION_YEARS", QUALIFICATION_YEARS_DEFAULT))


def session_draft(session: TrainingSession) -> SessionDraft:
    """The stored session as a draft, to which a write adds its change before the rules run."""
    return SessionDraft(
        ref=session.ref,
        kind=session.kind,
        course_id=session.course_id,
        start_date=session.start_date,
        end_date=session.end_date,
        trainer_ids=tuple(session.trainers.values_list("person_id", flat=True)),
        participants=tuple(
            ParticipantDraft(person_id=pid, pre_score=pre, post_score=post)
            for pid, pre, post in session.participations.values_list("person_id", "pre_score", "post_score")
        ),
        status=session.status,
    )


def _locked(session: TrainingSession) -> TrainingSession:
    """Re-read the session under a row lock, so concurrent writes to one session run one by one."""
    return TrainingSession.objects.select_for_update().get(pk=session.pk)


@transaction.atomic
def session_create(
    *,
    ref: str,
    course: Course,
    kind: str,
    training_centre: TrainingCentre,
    start_date: date,
    end_date: date,
    lead_trainer: Person,
    co_trainers: list[Person] | None = None,
    headcount_male: int = 0,
    headcount_female: int = 0,
    created_by=None,
) -> TrainingSession:
    co_trainers = co_trainers or []
    enforce(
        SessionDraft(
            ref=ref,
            kind=kind,
            course_id=course.pk,
            start_date=start_date,
            end_date=end_date,
            trainer_ids=(lead_trainer.pk, *(p.pk for p in co_trainers)),
        )
    )
    session = TrainingSession.objects.create(
        ref=ref,
        course=course,
        kind=kind,
        training_centre=training_centre,
        governorate_id=training_centre.governorate_id,
        start_date=start_date,
        end_date=end_date,
        headcount_male=headcount_male,
        headcount_female=headcount_female,
        created_by=created_by,
    )
    SessionTrainer.objects.create(session=session, person=lead_trainer, role=TrainerRole.LEAD)
    SessionTrainer.objects.bulk_create(
        [SessionTrainer(session=session, person=p, role=TrainerRole.CO_TRAINER) for p in co_trainers]
    )
    return session


@transaction.atomic
def session_trainer_add(
    *, session: TrainingSession, person: Person, role: str = TrainerRole.CO_TRAINER
) -> SessionTrainer:
    session = _locked(session)
    draft = session_draft(session)
    enforce(replace(draft, trainer_ids=(*draft.trainer_ids, person.pk), was_closed=session.is_closed))
    return SessionTrainer.objects.create(session=session, person=person, role=role)


@transaction.atomic
def participation_record(
    *,
    session: TrainingSession,
    person: Person,
    days_attended: int | None = None,
    pre_score: Decimal | int | None = None,
    post_score: Decimal | int | None = None,
    outcome: str | None = None,
) -> Participation:
    """Add ``person`` to the session, or update their record; only the given fields change."""
    session = _locked(session)
    existing = Participation.objects.filter(session=session, person=person).first()
    participation = existing or Participation(session=session, person=person)
    if days_attended is not None:
        participation.days_attended = days_attended
    if pre_score is not None:
        participation.pre_score = Decimal(pre_score)
    if post_score is not None:
        participation.post_score = Decimal(post_score)
    if outcome is not None:
        participation.outcome = outcome

    draft = session_draft(session)
    others = tuple(p for p in draft.participants if p.person_id != person.pk)
    mine = ParticipantDraft(person_id=person.pk, pre_score=participation.pre_score, post_score=participation.post_score)
    enforce(replace(draft, participants=(*others, mine), was_closed=session.is_closed))
    participation.save()
    return participation


@transaction.atomic
def session_close(*, session: TrainingSession) -> TrainingSession:
    """Lock the session. Participants of a ToT session who completed it become qualified trainers."""
    session = _locked(session)
    enforce(replace(session_draft(session), was_closed=session.is_closed))
    if session.kind == SessionKind.TOT:
        qualification_grant_for_tot(session=session)
    session.status = SessionStatus.CLOSED
    session.closed_at = timezone.now()
    session.save(update_fields=["status", "closed_at"])
    return session


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def qualification_grant_for_tot(*, session: TrainingSession) -> list[TrainerQualification]:
    """Qualify every participant who completed this ToT session, from its end date, for N years."""
    years = qualification_validity_years()
    until = _years_after(session.end_date, years)
    completed = session.participations.filter(outcome=Outcome.COMPLETED).values_list("person_id", flat=True)
    already = set(TrainerQualification.objects.filter(source_session=session).values_list("person_id", flat=True))
    new = [
        TrainerQualification(
            person_id=pid,
            course_id=session.course_id,
            valid_from=session.end_date,
            valid_until=until,
            source_session=session,
        )
        for pid in completed
        if pid not in already
    ]
    return TrainerQualification.objects.bulk_create(new)
