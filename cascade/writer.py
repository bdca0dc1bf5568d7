"""The cascade's bulk writes: many sessions, their trainers and participations at once.

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
from cascade.models import Participation, SessionTrainer, TrainerRole, TrainingSession
from cascade.services import headcounts_cover_named
from cascade.signals import sessions_note
from lms.bulk import acting_user, records_create, records_update

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
    session._history_user, session._change_reason = actor, reason
    session.save(update_fields=list(fields))
    wanted = write.trainer_rows()
    if {(t.person_id, t.role) for t in write.stored_trainers} == {(t.person_id, t.role) for t in wanted}:
        return
    for row in SessionTrainer.objects.filter(session_id=session.pk):
        row._history_user, row._change_reason = actor, reason
        row.delete()
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
