"""Writes to sessions, trainers, participations and qualifications.

Every function here is atomic and runs the integrity rules (``cascade.integrity``) on the session
as the write would leave it, before anything is stored; a broken rule raises ``ValidationError``
(a ``RulesBroken`` whose breaches carry their rule codes) and the transaction leaves the database
as it was. A write that changes nothing writes nothing: no row, no history, no signal. A write that
does change a session notes it (``cascade.signals.sessions_note``): after the commit one
``sessions_changed`` names every session the transaction changed, and the audit's figures follow.
The lineage index, its stored counts and the session generations are kept in the same transaction,
by explicit calls for the rows written (``cascade.lineage_upkeep``; no model signal keeps them);
reported headcounts rise to meet the named participants (``headcounts_cover_named``, the one top-up
every writer calls).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from cascade import lineage_upkeep
from cascade.integrity import (
    SESSION_CLOSED,
    ParticipantDraft,
    RulesBroken,
    SessionDraft,
    Validity,
    enforce,
    qualification_change_breaches,
)
from cascade.models import (
    AttendanceDay,
    Outcome,
    Participation,
    SessionKind,
    SessionReopening,
    SessionStatus,
    SessionTrainer,
    TrainerQualification,
    TrainerRole,
    TrainingSession,
)
from cascade.signals import sessions_note
from courses.models import Course
from lms.models import Gender, Person, TrainingCentre

SESSION_NOT_CLOSED = _("Session {session} is open; only a closed session can be reopened.")
REOPEN_REASON_MISSING = _("Say why session {session} is reopened: the reason is kept in its log.")
LEAD_NOT_REMOVABLE = _("Session {session}: the lead trainer cannot be removed.")
NOT_A_TRAINER_OF_SESSION = _("Session {session}: {person} is not one of its co-trainers.")
NOT_A_PARTICIPANT = _("Session {session}: {person} is not one of its participants.")
SESSION_NOT_ENDED = _("Session {session} ends on {end}: it can be closed from that day on.")
RULE_SESSION_NOT_ENDED = "session_not_ended"
SESSION_GRANTED_QUALIFICATIONS = _(
    "Session {session} qualified trainers; it cannot be deleted while their qualifications rest on it."
)
RULE_GRANTED_QUALIFICATIONS = "session_granted_qualifications"

QUALIFICATION_YEARS_DEFAULT = 3


def qualification_validity_years() -> int:
    return int(getattr(settings, "TRAINER_QUALIFICATION_YEARS", QUALIFICATION_YEARS_DEFAULT))


def session_draft(
    session: TrainingSession, *, headcounts: bool = False, participants: Sequence[ParticipantDraft] | None = None
) -> SessionDraft:
    """The stored session as a draft, to which a write adds its change before the rules run.

    With ``headcounts`` the draft carries the reported headcounts, checked against the named
    participants; writes that add names raise the headcounts instead (``headcounts_cover_named``).
    With ``participants`` it carries those rows only (the ones a write changes), and the stored
    ones are not read.
    """
    if participants is None:
        days: dict[int, list[date]] = {}
        for person_id, day in AttendanceDay.objects.filter(participation__session=session).values_list(
            "participation__person_id", "day"
        ):
            days.setdefault(person_id, []).append(day)
        participants = [
            ParticipantDraft(
                person_id=pid,
                pre_score=pre,
                post_score=post,
                days_attended=attended,
                days_present=tuple(days.get(pid, ())),
            )
            for pid, pre, post, attended in session.participations.values_list(
                "person_id", "pre_score", "post_score", "days_attended"
            )
        ]
    return SessionDraft(
        ref=session.ref,
        kind=session.kind,
        course_id=session.course_id,
        start_date=session.start_date,
        end_date=session.end_date,
        trainer_ids=tuple(session.trainers.values_list("person_id", flat=True)),
        participants=tuple(participants),
        status=session.status,
        headcount_male=session.headcount_male if headcounts else None,
        headcount_female=session.headcount_female if headcounts else None,
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
    notes: str = "",
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
            headcount_male=headcount_male,
            headcount_female=headcount_female,
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
        notes=notes,
        created_by=created_by,
    )
    SessionTrainer.objects.create(session=session, person=lead_trainer, role=TrainerRole.LEAD)
    # bulk_create skips the signals history relies on: write the historical rows with the rows
    # (the actor is created_by, else the request's user).
    bulk_create_with_history(
        [SessionTrainer(session=session, person=p, role=TrainerRole.CO_TRAINER) for p in co_trainers],
        SessionTrainer,
        default_user=created_by,
    )
    lineage_upkeep.links_add_session(session.pk)  # the session's generation, from its trainers
    sessions_note([session.pk])
    return session


@transaction.atomic
def session_trainer_add(
    *, session: TrainingSession, person: Person, role: str = TrainerRole.CO_TRAINER
) -> SessionTrainer:
    session = _locked(session)
    draft = session_draft(session)
    enforce(replace(draft, trainer_ids=(*draft.trainer_ids, person.pk), was_closed=session.is_closed))
    row = SessionTrainer.objects.create(session=session, person=person, role=role)
    lineage_upkeep.links_add_session(session.pk, trainer_id=person.pk)
    sessions_note([session.pk])
    return row


@dataclass(frozen=True)
class RosterEntry:
    """What a write changes in one participant's record; None leaves a field as it is.

    ``days_present`` records attendance day by day (``days_attended`` becomes their count);
    ``days_attended`` alone records a count, as paper rosters and imports give it.
    """

    person: Person
    days_attended: int | None = None
    days_present: Iterable[date] | None = None
    pre_score: Decimal | int | None = None
    post_score: Decimal | int | None = None
    outcome: str | None = None


def _apply(participation: Participation, entry: RosterEntry) -> None:
    if entry.days_present is not None:
        participation.days_attended = len(set(entry.days_present))
    elif entry.days_attended is not None:
        participation.days_attended = entry.days_attended
    if entry.pre_score is not None:
        participation.pre_score = Decimal(entry.pre_score)
    if entry.post_score is not None:
        participation.post_score = Decimal(entry.post_score)
    if entry.outcome is not None:
        participation.outcome = entry.outcome


def headcounts_cover_named(session_ids: Iterable[int], *, user=None, reason: str | None = None) -> list[int]:
    """Raise each session's reported headcount to its named participants of that gender where names exceed it.

    Naming someone already counted leaves the headcount as it is (no double count); naming
    someone beyond it means they were not counted, so the reported total grows by one. One query
    for the sessions, one bulk update (with history) for those that rise; returns their ids. The
    one top-up of every writer (workspace, admin form, imports).
    """
    ids = sorted(set(session_ids))
    changed: list[TrainingSession] = []
    for start in range(0, len(ids), 900):
        for session in TrainingSession.objects.filter(pk__in=ids[start : start + 900]).annotate(
            named_men=Count("participations", filter=Q(participations__person__gender=Gender.MALE)),
            named_women=Count("participations", filter=Q(participations__person__gender=Gender.FEMALE)),
        ):
            men = max(session.headcount_male, session.named_men)
            women = max(session.headcount_female, session.named_women)
            if (men, women) != (session.headcount_male, session.headcount_female):
                session.headcount_male, session.headcount_female = men, women
                changed.append(session)
    if changed:
        bulk_update_with_history(
            changed,
            TrainingSession,
            ["headcount_male", "headcount_female"],
            batch_size=1000,
            default_user=user,
            default_change_reason=reason,
        )
        sessions_note(s.pk for s in changed)
    return [s.pk for s in changed]


def _stored_marks(
    session: TrainingSession, person_ids: Iterable[int], *, lock: bool = False
) -> tuple[dict[int, Participation], dict[int, list[AttendanceDay]]]:
    """The stored participations of ``person_ids`` in ``session`` and their attendance days, in two
    queries; with ``lock``, the participations are read under their row locks (in id order)."""
    ids = sorted(set(person_ids))
    rows = Participation.objects.filter(session=session, person_id__in=ids).order_by("pk")
    if lock:
        rows = rows.select_for_update()
    stored = {p.person_id: p for p in rows}
    days: dict[int, list[AttendanceDay]] = {}
    by_row = {p.pk: p.person_id for p in stored.values()}
    for day in AttendanceDay.objects.filter(participation_id__in=sorted(by_row)).only("id", "participation_id", "day"):
        days.setdefault(by_row[day.participation_id], []).append(day)
    return stored, days


def _unchanged(participation: Participation, entry: RosterEntry, stored_days: Sequence[date]) -> bool:
    """Whether ``entry`` would leave the stored ``participation`` exactly as it is."""
    if participation.pk is None:
        return False
    probe = Participation(
        days_attended=participation.days_attended,
        pre_score=participation.pre_score,
        post_score=participation.post_score,
        outcome=participation.outcome,
    )
    _apply(probe, entry)
    same_days = entry.days_present is None or set(entry.days_present) == set(stored_days)
    return same_days and all(
        getattr(probe, name) == getattr(participation, name)
        for name in ("days_attended", "pre_score", "post_score", "outcome")
    )


def _entries_unchanged(
    entries: Sequence[RosterEntry], stored: dict[int, Participation], days: dict[int, list[AttendanceDay]]
) -> bool:
    return all(
        entry.person.pk in stored
        and _unchanged(stored[entry.person.pk], entry, [d.day for d in days.get(entry.person.pk, ())])
        for entry in entries
    )


MARK_FIELDS = ["days_attended", "pre_score", "post_score", "outcome"]


class _NotOnRoster(Exception):
    """A participant the marks are for left the roster between the first read and the row locks."""


def _share_locked(session: TrainingSession) -> TrainingSession:
    """Re-read the session under a shared row lock (PostgreSQL ``FOR SHARE``).

    Any number of transactions hold it at once; a write that locks the session for itself
    (``_locked``: names, trainers, dates, headcounts, closing) waits until they commit, and they
    wait for it. Other databases write one transaction at a time anyway: a plain read.
    """
    if connection.vendor != "postgresql":
        return TrainingSession.objects.get(pk=session.pk)
    table = TrainingSession._meta.db_table
    return TrainingSession.objects.raw(f'SELECT * FROM "{table}" WHERE id = %s FOR SHARE', [session.pk])[0]  # noqa: S608 — the table name is the model's


def _roster_marks_record(*, session: TrainingSession, entries: Sequence[RosterEntry]) -> list[Participation]:
    """Record the marks (attendance, scores, outcome) of people already on the roster.

    Marks alone change no session-wide rule: the names, trainers, dates and headcounts the other
    rules read stay as they are. So the session is held under a shared lock only (it cannot
    change, close or gain names meanwhile) and each participant's row under its own: saves of
    different participants' marks run side by side, two saves of one participant one after the
    other, each applied over what the other stored. Every rule still runs, on the session with
    the changed rows as the write leaves them. The rows and their history are written in one
    statement each, and the attendance days in at most two.
    """
    session = _share_locked(session)
    stored, days = _stored_marks(session, [entry.person.pk for entry in entries], lock=True)
    if any(entry.person.pk not in stored for entry in entries):
        raise _NotOnRoster
    results: list[Participation] = []
    changed: list[tuple[Participation, RosterEntry]] = []
    drafts: list[ParticipantDraft] = []
    for entry in entries:
        participation = stored[entry.person.pk]
        stored_days = [d.day for d in days.get(entry.person.pk, ())]
        results.append(participation)
        if _unchanged(participation, entry, stored_days):
            continue
        _apply(participation, entry)
        changed.append((participation, entry))
        drafts.append(
            ParticipantDraft(
                person_id=entry.person.pk,
                pre_score=participation.pre_score,
                post_score=participation.post_score,
                days_attended=participation.days_attended,
                days_present=tuple(sorted(set(entry.days_present if entry.days_present is not None else stored_days))),
            )
        )
    if not changed and not session.is_closed:
        return results
    enforce(replace(session_draft(session, participants=drafts), was_closed=session.is_closed))
    bulk_update_with_history([p for p, _entry in changed], Participation, MARK_FIELDS)
    gone: list[int] = []
    new: list[AttendanceDay] = []
    for participation, entry in changed:
        if entry.days_present is None:
            continue
        wanted = set(entry.days_present)
        had = {d.day: d.pk for d in days.get(participation.person_id, ())}
        gone += [pk for day, pk in had.items() if day not in wanted]
        new += [AttendanceDay(participation=participation, day=day) for day in sorted(wanted - set(had))]
    if gone:
        AttendanceDay.objects.filter(pk__in=gone).delete()
    AttendanceDay.objects.bulk_create(new)
    sessions_note([session.pk])
    return results


@transaction.atomic
def roster_record(*, session: TrainingSession, entries: Sequence[RosterEntry]) -> list[Participation]:
    """Add or update several participants of one session at once: all are saved, or none.

    The rules run once on the session as all the entries leave it, so every broken rule of every
    row is reported together (``RulesBroken.breaches`` name the row of each). Entries that leave
    their participant's record as it is are not written (no row, no history, no signal); when none
    changes anything, the session is not even locked, so a repeated save never waits on another
    (read without a lock: a write that changes nothing is the same before or after any concurrent
    one it would wait for). Marks of people already on the roster take the shared lock of
    ``_roster_marks_record``; a write that adds names takes the session's lock for itself.
    """
    if not session.is_closed:
        stored, days = _stored_marks(session, [entry.person.pk for entry in entries])
        if _entries_unchanged(entries, stored, days):
            return [stored[entry.person.pk] for entry in entries]
        people = [entry.person.pk for entry in entries]
        if len(set(people)) == len(people) and all(pk in stored for pk in people):
            try:
                with transaction.atomic():
                    return _roster_marks_record(session=session, entries=entries)
            except _NotOnRoster:
                pass  # someone was taken off the roster meanwhile: the whole-session write adds them back
    session = _locked(session)
    existing = {p.person_id: p for p in Participation.objects.filter(session=session)}
    draft = session_draft(session)
    drafted = {p.person_id: p for p in draft.participants}
    changed: list[tuple[Participation, RosterEntry]] = []
    results: list[Participation] = []
    for entry in entries:
        participation = existing.get(entry.person.pk) or Participation(session=session, person=entry.person)
        previous = drafted.get(entry.person.pk)
        if _unchanged(participation, entry, previous.days_present if previous else ()):
            results.append(participation)  # already recorded as given: nothing to write
            continue
        _apply(participation, entry)
        changed.append((participation, entry))
        results.append(participation)
    if not changed and not session.is_closed:
        return results

    for participation, entry in changed:
        previous = drafted.get(entry.person.pk)
        days = (
            tuple(sorted(set(entry.days_present)))
            if entry.days_present is not None
            else (previous.days_present if previous else ())
        )
        drafted[entry.person.pk] = ParticipantDraft(
            person_id=entry.person.pk,
            pre_score=participation.pre_score,
            post_score=participation.post_score,
            days_attended=participation.days_attended,
            days_present=days,
        )
    enforce(
        replace(
            draft,
            participants=tuple(drafted.values()),
            was_closed=session.is_closed,
        )
    )
    added = [participation.person_id for participation, _entry in changed if participation.pk is None]
    for participation, entry in changed:
        participation.save()
        if entry.days_present is not None:
            days = set(entry.days_present)
            AttendanceDay.objects.filter(participation=participation).exclude(day__in=days).delete()
            stored = set(AttendanceDay.objects.filter(participation=participation).values_list("day", flat=True))
            AttendanceDay.objects.bulk_create(
                [AttendanceDay(participation=participation, day=day) for day in sorted(days - stored)]
            )
    if len(added) == 1:
        lineage_upkeep.links_add_session(session.pk, participant_id=added[0])
    elif added:
        lineage_upkeep.links_add_session(session.pk)
    headcounts_cover_named([session.pk])
    sessions_note([session.pk])
    return results


def participation_record(
    *,
    session: TrainingSession,
    person: Person,
    days_attended: int | None = None,
    days_present: Iterable[date] | None = None,
    pre_score: Decimal | int | None = None,
    post_score: Decimal | int | None = None,
    outcome: str | None = None,
) -> Participation:
    """Add ``person`` to the session, or update their record; only the given fields change."""
    (participation,) = roster_record(
        session=session,
        entries=[
            RosterEntry(
                person=person,
                days_attended=days_attended,
                days_present=days_present,
                pre_score=pre_score,
                post_score=post_score,
                outcome=outcome,
            )
        ],
    )
    return participation


@transaction.atomic
def participant_create(*, session: TrainingSession, person: Person) -> Participation:
    """Save a new ``person`` (validated, not yet stored) and add them to the session, or neither."""
    person.full_clean()
    person.save()
    return participation_record(session=session, person=person)


@transaction.atomic
def participation_remove(*, session: TrainingSession, person: Person) -> None:
    """Take ``person`` off an open session's roster (a mistake); reported headcounts stay."""
    session = _locked(session)
    if session.is_closed:
        raise ValidationError(SESSION_CLOSED.format(session=session.ref))
    deleted, _by_model = Participation.objects.filter(session=session, person=person).delete()
    if not deleted:
        raise ValidationError(NOT_A_PARTICIPANT.format(session=session.ref, person=person))
    lineage_upkeep.links_recompute([person.pk])
    sessions_note([session.pk])


@transaction.atomic
def session_update(
    *,
    session: TrainingSession,
    start_date: date,
    end_date: date,
    headcount_male: int,
    headcount_female: int,
    notes: str = "",
) -> TrainingSession:
    """Change an open session's dates, reported headcounts and notes."""
    session = _locked(session)
    if (session.start_date, session.end_date, session.headcount_male, session.headcount_female, session.notes) == (
        start_date,
        end_date,
        headcount_male,
        headcount_female,
        notes,
    ) and not session.is_closed:
        return session  # nothing changes: nothing is written
    enforce(
        replace(
            session_draft(session, headcounts=True),
            start_date=start_date,
            end_date=end_date,
            headcount_male=headcount_male,
            headcount_female=headcount_female,
            was_closed=session.is_closed,
        )
    )
    session.start_date, session.end_date, session.notes = start_date, end_date, notes
    session.headcount_male, session.headcount_female = headcount_male, headcount_female
    session.save(update_fields=["start_date", "end_date", "notes", "headcount_male", "headcount_female"])
    sessions_note([session.pk])
    return session


@transaction.atomic
def session_trainer_remove(*, session: TrainingSession, person: Person) -> None:
    """Take a co-trainer off an open session; the lead trainer stays."""
    session = _locked(session)
    if session.is_closed:
        raise ValidationError(SESSION_CLOSED.format(session=session.ref))
    row = SessionTrainer.objects.filter(session=session, person=person).first()
    if row is None:
        raise ValidationError(NOT_A_TRAINER_OF_SESSION.format(session=session.ref, person=person))
    if row.role == TrainerRole.LEAD:
        raise ValidationError(LEAD_NOT_REMOVABLE.format(session=session.ref))
    row.delete()
    lineage_upkeep.links_trainer_removed(session.pk)
    sessions_note([session.pk])


@transaction.atomic
def session_save_as_edited(
    *, session_id: int | None, write: Callable[[], TrainingSession], changed: bool, user=None
) -> TrainingSession:
    """Store a session as the admin's page edits it whole: ``write`` saves its fields, trainers and
    participants (already checked against every rule, ``cascade.forms``) and returns it. Around it, as
    the workspace's writes do: the session row locked, the lineage index following who came or went,
    headcounts left as they were topped up to the named participants, the session noted as changed."""
    trainers_before: set[int] = set()
    participants_before: set[int] = set()
    if session_id:
        TrainingSession.objects.select_for_update().filter(pk=session_id).first()
        trainers_before = set(SessionTrainer.objects.filter(session_id=session_id).values_list("person_id", flat=True))
        participants_before = set(
            Participation.objects.filter(session_id=session_id).values_list("person_id", flat=True)
        )
    session = write()
    lineage_upkeep.links_session_changed(
        session.pk, trainers_before=trainers_before, participants_before=participants_before
    )
    headcounts_cover_named([session.pk], user=user)
    if changed:
        sessions_note([session.pk])
    return session


def people_recount(*, person_ids: Iterable[int]) -> None:
    """People's gender or posting changed (``lms.signals.people_changed``): every session they took
    part in is noted as changed, so the figures count them as they are now."""
    ids = sorted({int(pk) for pk in person_ids})
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        sessions_note(Participation.objects.filter(person_id__in=chunk).values_list("session_id", flat=True).distinct())


@transaction.atomic
def sessions_delete(*, session_ids: Iterable[int]) -> list[str]:
    """Delete sessions with their trainers, participations and attendance, all or none; returns their refs.

    A ToT session whose qualifications other records rest on is refused (rule
    ``session_granted_qualifications``, one breach per session). The lineage pairs that ran through
    the deleted sessions are recomputed for their participants and everyone below them.
    """
    ids = sorted({int(pk) for pk in session_ids})
    refs = list(
        TrainingSession.objects.select_for_update().filter(pk__in=ids).order_by("ref").values_list("ref", flat=True)
    )
    granted = (
        TrainingSession.objects.filter(pk__in=ids, qualifications_granted__isnull=False)
        .distinct()
        .order_by("ref")
        .values_list("ref", flat=True)
    )
    if granted:
        raise ValidationError(
            [
                ValidationError(SESSION_GRANTED_QUALIFICATIONS.format(session=ref), code=RULE_GRANTED_QUALIFICATIONS)
                for ref in granted
            ]
        )
    participants = set(Participation.objects.filter(session_id__in=ids).values_list("person_id", flat=True))
    TrainingSession.objects.filter(pk__in=ids).delete()
    lineage_upkeep.links_recompute(participants)
    sessions_note(ids)
    return refs


@transaction.atomic
def session_reopen(*, session: TrainingSession, reopened_by, reason: str) -> SessionReopening:
    """Reopen a closed session and log who did it and why (who may: ``cascade.permissions``).

    Qualifications a ToT session granted stay: trainers may already have taught with them; the
    close that follows grants any new ones.
    """
    session = _locked(session)
    if not session.is_closed:
        raise ValidationError(SESSION_NOT_CLOSED.format(session=session.ref))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REOPEN_REASON_MISSING.format(session=session.ref)})
    session.status = SessionStatus.OPEN
    session.closed_at = None
    session.save(update_fields=["status", "closed_at"])
    sessions_note([session.pk])
    return SessionReopening.objects.create(session=session, reopened_by=reopened_by, reason=reason)


def session_ref_next(*, training_centre: TrainingCentre, start_date: date) -> str:
    """A new session reference: the centre's code, the start date and a sequence number."""
    stem = f"{training_centre.code}-{start_date:%Y%m%d}-"
    taken = set(TrainingSession.objects.filter(ref__startswith=stem).values_list("ref", flat=True))
    number = len(taken) + 1
    while f"{stem}{number:02d}" in taken:
        number += 1
    return f"{stem}{number:02d}"


@transaction.atomic
def session_close(*, session: TrainingSession) -> TrainingSession:
    """Lock the session. Participants of a ToT session who completed it become qualified trainers."""
    session = _locked(session)
    enforce(replace(session_draft(session), was_closed=session.is_closed))
    if session.end_date > timezone.localdate():
        # Attendance and outcomes are only known once the last day is over.
        end = session.end_date.isoformat()
        raise ValidationError(SESSION_NOT_ENDED.format(session=session.ref, end=end), code=RULE_SESSION_NOT_ENDED)
    if session.kind == SessionKind.TOT:
        qualification_grant_for_tot(session=session)
    session.status = SessionStatus.CLOSED
    session.closed_at = timezone.now()
    session.save(update_fields=["status", "closed_at"])
    sessions_note([session.pk])  # the qualifications it granted change its participants' facts
    return session


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def _refused(breaches: list) -> None:
    if breaches:
        raise RulesBroken(breaches)


@transaction.atomic
def qualification_save(*, qualification: TrainerQualification) -> TrainerQualification:
    """Store a qualification granted or corrected by hand (the admin's screen). Refused while it would
    leave a cascade session led by a trainer who holds none valid on its start date; the facts of its
    ToT session, before and after, count it again."""
    before = None
    if qualification.pk:
        stored = TrainerQualification.objects.select_for_update().filter(pk=qualification.pk)
        before = stored.values_list("source_session_id", flat=True).first()
        after = Validity(
            qualification.person_id, qualification.course_id, qualification.valid_from, qualification.valid_until
        )
        _refused(qualification_change_breaches(removed=[qualification.pk], after=after))
    qualification.save()
    sessions_note([before, qualification.source_session_id])
    return qualification


@transaction.atomic
def qualifications_delete(*, qualification_ids: Iterable[int]) -> int:
    """Delete qualifications (the admin's screen), refused while a cascade session rests on them; the
    facts of their ToT sessions count them no more."""
    chosen = list(TrainerQualification.objects.select_for_update().filter(pk__in=sorted(set(qualification_ids))))
    ids = [q.pk for q in chosen]
    _refused(qualification_change_breaches(removed=ids))
    deleted, _by_model = TrainerQualification.objects.filter(pk__in=ids).delete()
    sessions_note(q.source_session_id for q in chosen)
    return deleted


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
    # With historical rows (bulk_create sends no signal); the actor is the request's user, if any.
    return bulk_create_with_history(new, TrainerQualification)
