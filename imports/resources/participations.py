"""Participations: one row per person in a session (session reference + service number)."""

from collections import defaultdict

from django.core.exceptions import ValidationError
from import_export.fields import Field

from cascade import integrity
from cascade.integrity import ParticipantDraft, RuleBreach, SessionDraft, session_breaches, sessions_breaches
from cascade.lineage import ancestor_ids
from cascade.models import (
    Outcome,
    Participation,
    SessionStatus,
    SessionTrainer,
    TrainingSession,
)
from cascade.writer import participations_write
from imports import matching
from imports.resources.base import (
    HISTORY_REASON,
    SESSION_OF_OTHER_CENTRE,
    RecordResource,
    chunks,
    participant_draft,
    session_draft,
)
from imports.widgets import (
    ChoiceWidget,
    CountWidget,
    PersonWidget,
    ScoreWidget,
    ServiceNumberWidget,
    SessionWidget,
)
from lms.models import Person


def _ancestors(person_ids: set[int]) -> set[int]:
    found: set[int] = set()
    for chunk in chunks(person_ids, 5000):
        found |= ancestor_ids(chunk)
    return found


class ParticipationResource(RecordResource):
    _service_number = ServiceNumberWidget()

    session = Field("session", "session_ref", SessionWidget(required=True))
    person = Field("person", "service_number", PersonWidget(required=True))
    days_attended = Field("days_attended", "days_attended", CountWidget())
    pre_score = Field("pre_score", "pre_score", ScoreWidget())
    post_score = Field("post_score", "post_score", ScoreWidget())
    outcome = Field("outcome", "outcome", ChoiceWidget(Outcome, default=Outcome.INCOMPLETE))

    identity_field = "person"

    class Meta(RecordResource.Meta):
        model = Participation
        fields = ("session", "person", "days_attended", "pre_score", "post_score", "outcome")
        import_id_fields = ("session", "person")

    def _number(self, row) -> str | None:
        raw = row.get("service_number")
        try:
            return self._numbers[raw]
        except KeyError:
            try:
                number = self._service_number.clean(raw)
            except ValueError:
                number = None
            self._numbers[raw] = number
            return number
        except TypeError:  # an unhashable cell
            return None

    def preload(self, dataset):
        self._numbers: dict = {}
        rows = dataset.dict
        refs = {matching.text(row.get("session_ref")) for row in rows} - {""}
        numbers = {n for n in (self._number(row) for row in rows) if n}
        self.sessions: dict[str, TrainingSession] = {}
        for chunk in chunks(refs):
            self.sessions.update((s.ref, s) for s in TrainingSession.objects.filter(ref__in=chunk))
        self.people: dict[str, Person] = {}
        for chunk in chunks(numbers):
            self.people.update(
                (p.service_number, p)
                for p in Person.objects.filter(service_number__in=chunk).only(
                    "id", "service_number", "name_ar", "gender"
                )
            )
        self.existing: dict[tuple[int, int], Participation] = {}
        # The stored values, kept apart from the instances that the rows then change.
        self.stored: dict[int, dict[int, ParticipantDraft]] = defaultdict(dict)
        self.trainer_ids: dict[int, list[int]] = defaultdict(list)
        ids = [s.pk for s in self.sessions.values()]
        for chunk in chunks(ids):
            for p in Participation.objects.filter(session_id__in=chunk):
                self.existing[(p.session_id, p.person_id)] = p
                self.stored[p.session_id][p.person_id] = participant_draft(
                    person_id=p.person_id, pre_score=p.pre_score, post_score=p.post_score, days_attended=p.days_attended
                )
            for session_id, person_id in SessionTrainer.objects.filter(session_id__in=chunk).values_list(
                "session_id", "person_id"
            ):
                self.trainer_ids[session_id].append(person_id)

    def identity(self, row):
        ref, number = matching.text(row.get("session_ref")), self._number(row)
        return (ref, number) if ref and number else None

    def find_existing(self, row):
        session, person = self.sessions.get(matching.text(row.get("session_ref"))), self.people.get(self._number(row))
        if session is None or person is None:
            return None
        participation = self.existing.get((session.pk, person.pk))
        if participation is not None:
            participation.session, participation.person = session, person  # compared without a query
        return participation

    def check_row(self, instance):
        if self.scope_centre is not None and instance.session.training_centre_id != self.scope_centre.pk:
            raise ValidationError(
                {"session": str(SESSION_OF_OTHER_CENTRE.format(session=instance.session.ref, own=self.scope_centre))}
            )

    def apply(self, pending):
        groups: dict[int, list[tuple[int, Participation, bool]]] = {}
        for item in pending:
            groups.setdefault(item[1].session_id, []).append(item)
        # Another session of this file can change a session's cycle check only when one of its
        # trainers is taught — directly or further down — by someone the file adds as a participant.
        # Then each session is written and indexed before the next one is checked; otherwise every
        # session is checked against the stored lineage and all are written together at the end.
        # Asked from the trainers' side (few people, and their stored ancestors) rather than from the
        # participants' (thousands, and everyone below them).
        added = {p.person_id for _, p, _ in pending}
        trainers = {t for sid in groups for t in self.trainer_ids.get(sid, ())}
        in_step = bool(trainers & added) or bool(_ancestors(trainers) & added)
        drafts = {session_id: self._sessionsession_draft(session_id, items) for session_id, items in groups.items()}
        # Checked alone against the stored lineage, the sessions need no write between them: their
        # stored facts are read for all of them at once.
        verdicts = {} if in_step else dict(zip(drafts, sessions_breaches(list(drafts.values())), strict=True))
        done, passed = 0, []
        for session_id, items in groups.items():
            violations = session_breaches(drafts[session_id]) if in_step else verdicts[session_id]
            if violations:
                self._attribute(violations, items)
            else:
                passed.append(session_id)
                if in_step:
                    self._write(items, [session_id])
            done += len(items)
            if done % 1000 < len(items):
                self.progress_step(done)
        if self._result.has_validation_errors():
            return  # the file is refused and rolled back: writing the rest would be wasted
        if not in_step:
            self._write([item for session_id in passed for item in groups[session_id]], passed)

    def _sessionsession_draft(self, session_id: int, items) -> SessionDraft:
        """The session as the file leaves it: its stored participants, changed or joined by the rows."""
        session = items[0][1].session
        participants = dict(self.stored[session_id])
        for _number, p, _is_create in items:
            participants[p.person_id] = participant_draft(
                person_id=p.person_id, pre_score=p.pre_score, post_score=p.post_score, days_attended=p.days_attended
            )
        return session_draft(
            ref=session.ref,
            kind=session.kind,
            course_id=session.course_id,
            start_date=session.start_date,
            end_date=session.end_date,
            trainer_ids=tuple(self.trainer_ids.get(session_id, ())),
            participants=tuple(participants.values()),
            status=session.status,
            was_closed=session.status == SessionStatus.CLOSED,
        )

    def _write(self, items, session_ids) -> None:
        participations_write(
            created=[p for _number, p, is_create in items if is_create],
            changed=[p for _number, p, is_create in items if not is_create],
            fields=["days_attended", "pre_score", "post_score", "outcome"],
            session_ids=session_ids,
            user=self.acting_user,
            reason=HISTORY_REASON,
        )

    def _attribute(self, breaches: list[RuleBreach], items) -> None:
        row_of = {p.person_id: number for number, p, _ in items}
        for breach in breaches:
            number = row_of.get(breach.person_id)
            if number is None:  # the session itself breaks the rule: every row of it is refused
                for row_number, _p, _c in items:
                    self.mark_invalid(row_number, "session", breach.message)
                continue
            attribute = {
                integrity.RULE_SCORE: breach.field,
                integrity.RULE_DAYS_TOO_MANY: "days_attended",
            }.get(breach.code, "person")
            self.mark_invalid(number, attribute, breach.message)
