"""The cascade's bulk writes: many sessions, their trainers and participations at once, and one
person's records merged into another's.

Imports bring thousands of rows in one file. The caller has already checked them against every
integrity rule, for all of them at once (``cascade.integrity.sessions_breaches``: breaches carry
their rule codes, and the caller places each on its row and column). The functions here then write
them with their history rows (``lms.bulk``, one ``INSERT … SELECT`` per batch), keep the lineage
index, its counts and the session generations, top up the reported headcounts
(``services.headcounts_cover_named``) and note the sessions for the one ``sessions_changed`` sent
after the commit — what ``cascade.services`` does for one row at a time, so that no other app
writes these tables or their derived data itself. Each runs in the caller's transaction.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction

from cascade import lineage_upkeep
from cascade.integrity import RulesBroken, sessions_breaches
from cascade.models import Outcome, Participation, SessionTrainer, TrainerQualification, TrainerRole, TrainingSession
from cascade.services import headcounts_cover_named, session_draft
from cascade.signals import sessions_note
from lms.bulk import acting_user, records_create, records_update
from lms.models import Person

# Past this many sessions given new participants at once, and at least as many new participations
# as were stored, the lineage index is rebuilt in one pass instead of extended session by session.
LINKS_REBUILD_OVER = 200


@dataclass(frozen=True)
class SessionWrite:
    """A session as a file leaves it: new (no id yet) or changed in memory, with its trainers.

    For a changed session, ``stored_trainers`` are its trainer rows as they were and
    ``stored_participant_ids`` its participants: the lineage index follows the trainers who came
    or went."""

    session: TrainingSession
    lead_id: int
    co_trainer_ids: tuple[int, ...] = ()
    stored_trainers: tuple[SessionTrainer, ...] = ()
    stored_participant_ids: frozenset[int] = frozenset()

    def trainer_rows(self) -> list[SessionTrainer]:
        rows = [SessionTrainer(session_id=self.session.pk, person_id=self.lead_id, role=TrainerRole.LEAD)]
        rows += [
            SessionTrainer(session_id=self.session.pk, person_id=pk, role=TrainerRole.CO_TRAINER)
            for pk in self.co_trainer_ids
        ]
        return rows


@transaction.atomic
def sessions_write(*, writes: Sequence[SessionWrite], fields: Sequence[str], user=None, reason: str) -> None:
    """Create the new sessions of ``writes`` with their trainers, and store ``fields`` of the
    changed ones (their trainer rows replaced when the trainers differ)."""
    actor = acting_user(user)
    created = [w for w in writes if w.session.pk is None]
    for write in writes:
        if write.session.pk is not None:
            _session_change(write, fields=fields, actor=actor, reason=reason)
    records_create([w.session for w in created], TrainingSession, user=actor, reason=reason, batch_size=1000)
    records_create(
        [row for w in created for row in w.trainer_rows()], SessionTrainer, user=actor, reason=reason, batch_size=2000
    )
    new_ids = [w.session.pk for w in created]
    lineage_upkeep.session_generations_refresh(new_ids)  # their trainers' generation places them
    sessions_note(new_ids)


def _session_change(write: SessionWrite, *, fields: Sequence[str], actor, reason: str) -> None:
    session = write.session
    sessions_note([session.pk])
    _marked(session, actor, reason).save(update_fields=list(fields))
    wanted = write.trainer_rows()
    if {(t.person_id, t.role) for t in write.stored_trainers} == {(t.person_id, t.role) for t in wanted}:
        return
    for row in SessionTrainer.objects.filter(session_id=session.pk):
        _marked(row, actor, reason).delete()
    records_create(wanted, SessionTrainer, user=actor, reason=reason)
    lineage_upkeep.links_session_changed(
        session.pk,
        trainers_before={t.person_id for t in write.stored_trainers},
        participants_before=set(write.stored_participant_ids),
    )


def _large_load(session_count: int, new_rows: int) -> bool:
    """Whether a write of ``new_rows`` participations in ``session_count`` sessions is better followed by
    one rebuild of the lineage index than by extending it session by session.

    Extending costs in proportion to the sessions' own people; a rebuild, in proportion to everything
    stored. So a rebuild only when the write at least doubles the participations (a first load):
    for a few thousand rows added to a national data set it would cost minutes instead of seconds.
    """
    return session_count > LINKS_REBUILD_OVER and new_rows >= Participation.objects.count()


@transaction.atomic
def participations_write(
    *,
    created: Sequence[Participation],
    changed: Sequence[Participation],
    fields: Sequence[str],
    session_ids: Iterable[int],
    user=None,
    reason: str,
) -> None:
    """Create ``created`` and store ``fields`` of ``changed``, all in ``session_ids``; the lineage
    index learns the new trainer–participant pairs and the sessions' headcounts rise to meet the
    people now named."""
    actor = acting_user(user)
    ids = sorted(set(session_ids))
    extended = sorted({p.session_id for p in created})

    def write() -> None:
        records_create(created, Participation, user=actor, reason=reason, batch_size=5000)
        records_update(changed, fields, Participation, user=actor, reason=reason, batch_size=2000)

    if _large_load(len(extended), len(created)):
        with lineage_upkeep.bulk_writes():  # the index's per-row upkeep off, one links_rebuild at the end
            write()
    else:
        write()
        for session_id in extended:
            lineage_upkeep.links_add_session(session_id)
    headcounts_cover_named(ids, user=actor, reason=reason)
    sessions_note(ids)


# --- one person's records merged into another's (imports.merge) ---------------------------------

# The cascade's records of a person; a merge moves them here, combining the rows both people have.
PERSON_RECORDS = (Participation, SessionTrainer, TrainerQualification)


@transaction.atomic
def person_records_merge(
    *, survivor: Person, duplicate: Person, user=None, reason: str
) -> tuple[dict[str, int], dict[str, int]]:
    """Give the survivor the duplicate's participations, trainer roles and qualifications; return
    how many rows of each model were combined with one the survivor already had, and how many moved.

    - a participation in the same session: the survivor's row is kept and takes the duplicate's
      values where its own are empty; a completed outcome wins; days attended under both are kept once;
    - a trainer role in the same session: one row is kept, as lead if either was the lead;
    - a qualification from the same ToT: one row is kept, valid from the earlier to the later date.

    The lineage index, the generations and the rules follow in ``person_merge_finish``, once the
    duplicate is gone."""
    actor = acting_user(user)
    combined = {
        Participation._meta.label: _participations_combine(survivor, duplicate, actor, reason),
        SessionTrainer._meta.label: _trainer_roles_combine(survivor, duplicate, actor, reason),
        TrainerQualification._meta.label: _qualifications_combine(survivor, duplicate, actor, reason),
    }
    moved = {}
    for model in PERSON_RECORDS:
        rows = list(model.objects.select_for_update().filter(person=duplicate))
        for row in rows:
            row.person = survivor
        moved[model._meta.label] = records_update(rows, ["person"], model, user=actor, reason=reason)
    return (
        {label: count for label, count in combined.items() if count},
        {label: count for label, count in moved.items() if count},
    )


def person_merge_finish(
    *, survivor: Person, people_below: Iterable[int], session_ids: Iterable[int], user=None, reason: str
) -> None:
    """After a merge: the lineage index recomputed for the survivor and everyone below either
    person, every session either took part in checked again (a merge that makes someone train
    themselves or closes a cycle is refused: ``RulesBroken``, nothing stays written) and its
    reported headcounts raised to its named participants."""
    lineage_upkeep.links_recompute({survivor.pk, *people_below})
    ids = sorted(set(session_ids))
    breaches = [
        breach
        for found in sessions_breaches([session_draft(s) for s in TrainingSession.objects.filter(pk__in=ids)])
        for breach in found
    ]
    if breaches:
        raise RulesBroken(breaches)
    headcounts_cover_named(ids, user=user, reason=reason)  # the survivor may be counted under another gender
    sessions_note(ids)  # their rows now name the survivor: the figures follow after the commit


def _marked(obj, actor, reason: str):
    """``obj`` with the actor and reason its next save or delete records in its history row."""
    obj._history_user, obj._change_reason = actor, reason
    return obj


def _participations_combine(survivor: Person, duplicate: Person, actor, reason: str) -> int:
    mine = {p.session_id: p for p in Participation.objects.filter(person=survivor)}
    combined = 0
    for theirs in Participation.objects.filter(person=duplicate, session_id__in=list(mine)):
        kept = mine[theirs.session_id]
        kept.days_attended = max(kept.days_attended, theirs.days_attended)
        kept.pre_score = kept.pre_score if kept.pre_score is not None else theirs.pre_score
        kept.post_score = kept.post_score if kept.post_score is not None else theirs.post_score
        if Outcome.COMPLETED in (kept.outcome, theirs.outcome):
            kept.outcome = Outcome.COMPLETED
        kept_days = set(kept.attendance_days.values_list("day", flat=True))
        theirs.attendance_days.filter(day__in=kept_days).delete()  # the same day recorded under both
        theirs.attendance_days.update(participation=kept)
        _marked(theirs, actor, reason).delete()
        _marked(kept, actor, reason).save()
        combined += 1
    return combined


def _trainer_roles_combine(survivor: Person, duplicate: Person, actor, reason: str) -> int:
    mine = {t.session_id: t for t in SessionTrainer.objects.filter(person=survivor)}
    combined = 0
    for theirs in SessionTrainer.objects.filter(person=duplicate, session_id__in=list(mine)):
        kept = mine[theirs.session_id]
        was_lead = theirs.role == TrainerRole.LEAD
        _marked(theirs, actor, reason).delete()
        if was_lead and kept.role != TrainerRole.LEAD:
            kept.role = TrainerRole.LEAD
            _marked(kept, actor, reason).save(update_fields=["role"])
        combined += 1
    return combined


def _qualifications_combine(survivor: Person, duplicate: Person, actor, reason: str) -> int:
    mine = {(q.course_id, q.source_session_id): q for q in TrainerQualification.objects.filter(person=survivor)}
    combined = 0
    for theirs in TrainerQualification.objects.filter(person=duplicate):
        kept = mine.get((theirs.course_id, theirs.source_session_id))
        if kept is None:
            continue
        kept.valid_from = min(kept.valid_from, theirs.valid_from)
        if kept.valid_until is not None:
            kept.valid_until = None if theirs.valid_until is None else max(kept.valid_until, theirs.valid_until)
        _marked(theirs, actor, reason).delete()
        _marked(kept, actor, reason).save(update_fields=["valid_from", "valid_until"])
        combined += 1
    return combined
