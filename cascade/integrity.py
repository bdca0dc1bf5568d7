"""The cascade's integrity rules, in one place, for every write path.

Forms, the Wagtail admin, the trainer workspace, imports and the API all describe a session as a
``SessionDraft`` (the session's fields, its trainers and its participants as they *would be*) and
call ``check_session``, which returns every violation at once, each a message naming the session,
the person and the rule. Writers raise them as one ``ValidationError`` inside their transaction,
so nothing is saved when any rule fails.

Rules:
- end date ≥ start date;
- scores within 0–100;
- a person appears at most once per session (as participant, and as trainer);
- nobody trains themselves (trainer and participant of the same session);
- no cycle in the lineage: no participant may already be an ancestor of one of the trainers;
- a cascade session's trainers hold a qualification for its course valid on its start date;
- attendance days lie within the session's dates, and no more days are attended than it lasts;
- the reported headcount of each gender is not fewer than the named participants of that gender;
- a closed session is not changed.

``session_breaches`` returns the same violations as ``RuleBreach`` records naming the participant
row and field each concerns, so a page can show an error beside the value that caused it.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from cascade.models import (
    LineageLink,
    Participation,
    SessionKind,
    SessionStatus,
    SessionTrainer,
    TrainerQualification,
    TrainingSession,
)
from courses.models import Course
from lms.models import Gender, Person, person_label

DATES_OUT_OF_ORDER = _("Session {session}: the end date {end} is before the start date {start}.")
SCORE_OUT_OF_RANGE = _("Session {session}, participant {person}: the {score} {value} is not within 0–100.")
DUPLICATE_PARTICIPANT = _("Session {session}: participant {person} appears more than once.")
DUPLICATE_TRAINER = _("Session {session}: trainer {person} appears more than once.")
SELF_TRAINING = _("Session {session}: {person} cannot be both a trainer and a participant (nobody trains themselves).")
LINEAGE_CYCLE = _(
    "Session {session}: participant {person} already trained, directly or through others, trainer {trainer}; "
    "adding them would make a cycle in the cascade."
)
TRAINER_NOT_QUALIFIED = _(
    "Session {session}: trainer {person} holds no qualification for course {course} valid on {day}."
)
NO_TRAINER = _("Session {session}: a session needs at least one trainer.")
ATTENDANCE_DAY_OUTSIDE = _(
    "Session {session}, participant {person}: {day} is not a day of the session ({start} to {end})."
)
DAYS_ATTENDED_TOO_MANY = _(
    "Session {session}, participant {person}: {days} days attended, but the session lasts {length} days."
)
HEADCOUNT_BELOW_NAMED = _(
    "Session {session}: {reported} reported ({gender}) is fewer than the {named} named participants of that gender."
)
SESSION_CLOSED = _("Session {session} is closed; a training-centre manager must reopen it before it can change.")


@dataclass(frozen=True)
class ParticipantDraft:
    person_id: int
    pre_score: Decimal | int | None = None
    post_score: Decimal | int | None = None
    days_attended: int | None = None
    days_present: Sequence[date] = ()  # the days recorded one by one, if any


@dataclass(frozen=True)
class SessionDraft:
    """A session as a write would leave it. ``ref`` only names the session in messages."""

    ref: str
    kind: str
    course_id: int
    start_date: date
    end_date: date
    trainer_ids: Sequence[int]
    participants: Sequence[ParticipantDraft] = field(default_factory=tuple)
    status: str = SessionStatus.OPEN
    was_closed: bool = False
    # The reported headcounts; None leaves the "not fewer than the named" rule unchecked.
    headcount_male: int | None = None
    headcount_female: int | None = None


def _labels(person_ids: Iterable[int]) -> dict[int, str]:
    return {
        pk: person_label(name, number)
        for pk, name, number in Person.objects.filter(id__in=set(person_ids)).values_list(
            "id", "name_ar", "service_number"
        )
    }


# Rule codes: what a breach *is*, for callers that place it (an import's row and column, a form's
# field). No caller reads the message text; it is rendered last, in the reader's language.
RULE_DATES = "dates_out_of_order"
RULE_SCORE = "score_out_of_range"
RULE_DUPLICATE_PARTICIPANT = "duplicate_participant"
RULE_DUPLICATE_TRAINER = "duplicate_trainer"
RULE_SELF_TRAINING = "self_training"
RULE_CYCLE = "lineage_cycle"
RULE_NOT_QUALIFIED = "trainer_not_qualified"
RULE_NO_TRAINER = "no_trainer"
RULE_DAY_OUTSIDE = "attendance_day_outside"
RULE_DAYS_TOO_MANY = "days_attended_too_many"
RULE_HEADCOUNT = "headcount_below_named"
RULE_CLOSED = "session_closed"

_TEMPLATES = {
    RULE_DATES: DATES_OUT_OF_ORDER,
    RULE_SCORE: SCORE_OUT_OF_RANGE,
    RULE_DUPLICATE_PARTICIPANT: DUPLICATE_PARTICIPANT,
    RULE_DUPLICATE_TRAINER: DUPLICATE_TRAINER,
    RULE_SELF_TRAINING: SELF_TRAINING,
    RULE_CYCLE: LINEAGE_CYCLE,
    RULE_NOT_QUALIFIED: TRAINER_NOT_QUALIFIED,
    RULE_NO_TRAINER: NO_TRAINER,
    RULE_DAY_OUTSIDE: ATTENDANCE_DAY_OUTSIDE,
    RULE_DAYS_TOO_MANY: DAYS_ATTENDED_TOO_MANY,
    RULE_HEADCOUNT: HEADCOUNT_BELOW_NAMED,
    RULE_CLOSED: SESSION_CLOSED,
}


@dataclass(frozen=True)
class RuleBreach:
    """One broken rule: its code and parameters, and the participant row and field it concerns, when it does.

    ``params`` hold what the message states (ids under ``person_id`` / ``trainer_id``, for callers
    that place the breach; labels and values for the message); ``message`` renders the rule's
    template in the active language when it is read.
    """

    code: str
    params: dict = field(default_factory=dict, hash=False)
    person_id: int | None = None
    field: str | None = None

    @property
    def message(self) -> str:
        shown = {key: value for key, value in self.params.items() if not key.endswith("_id")}
        return str(_TEMPLATES[self.code]).format(**shown)

    def as_error(self) -> ValidationError:
        """The breach as Django's ``ValidationError`` with its code (the message rendered now: Django's
        own %-interpolation of ``params`` is not used, so a ``%`` in a name stays as it is)."""
        return ValidationError(self.message, code=self.code)


def check_session(draft: SessionDraft) -> list[str]:
    """Every rule the draft breaks, as messages; an empty list means it may be saved."""
    return [breach.message for breach in session_breaches(draft)]


def check_sessions(drafts: Sequence[SessionDraft]) -> list[list[str]]:
    """``check_session`` of each draft, each judged alone against what is stored, in a few shared queries."""
    return [[breach.message for breach in breaches] for breaches in sessions_breaches(drafts)]


def session_breaches(draft: SessionDraft) -> list[RuleBreach]:
    """Every rule the draft breaks, each naming the participant row and field it concerns, if any."""
    return sessions_breaches([draft])[0]


def sessions_breaches(drafts: Sequence[SessionDraft]) -> list[list[RuleBreach]]:
    """``session_breaches`` of each draft, in order, with the stored facts every rule reads (people's
    names and genders, the lineage index above the trainers, qualifications, course codes) loaded
    for all drafts at once: a handful of queries whatever their number. Each draft is judged alone
    against the stored records, as if checked by itself; drafts do not see one another (a writer
    whose sessions depend on each other's new edges checks and writes them one by one).
    """
    drafts = list(drafts)
    facts = _StoredFacts.load(drafts)
    found = [_breaches(draft, facts) for draft in drafts]
    if facts.unnamed:
        # Names are read only for the people a message names: a draft that breaks nothing needs none.
        facts.load_people(facts.unnamed)
        found = [
            _breaches(draft, facts) if breaches else breaches for draft, breaches in zip(drafts, found, strict=True)
        ]
    return found


# Ids per query, well within SQLite's parameter limit; PostgreSQL takes them as they come.
_IDS_PER_QUERY = 900


def _in_chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), _IDS_PER_QUERY):
        yield ordered[start : start + _IDS_PER_QUERY]


@dataclass
class _StoredFacts:
    """What the rules read from the database for a set of drafts, loaded once."""

    people: dict[int, tuple[str, str]]  # id → (label, gender), for the people read so far
    ancestors: dict[int, set[int]]  # trainer id → the stored ancestors of that trainer (lineage index)
    qualifications: dict[tuple[int, int], list[tuple[date, date | None]]]  # (person, course) → validities
    course_codes: dict[int, str]
    unnamed: set[int] = field(default_factory=set)  # people a message named before their name was read

    def load_people(self, person_ids: Iterable[int]) -> None:
        for chunk in _in_chunks(person_ids):
            for pk, name, number, gender in Person.objects.filter(id__in=chunk).values_list(
                "id", "name_ar", "service_number", "gender"
            ):
                self.people[pk] = (person_label(name, number), gender)
        self.unnamed -= set(person_ids)

    def label(self, pk: int) -> str:
        if pk in self.people:
            return self.people[pk][0]
        self.unnamed.add(pk)
        return f"#{pk}"

    @classmethod
    def load(cls, drafts: Sequence[SessionDraft]) -> "_StoredFacts":
        counted: set[int] = set()  # participants whose genders the headcount rule counts
        trainer_ids: set[int] = set()
        cascade_trainers: set[int] = set()
        cascade_courses: set[int] = set()
        for draft in drafts:
            if draft.headcount_male is not None or draft.headcount_female is not None:
                counted.update(p.person_id for p in draft.participants)
            if draft.participants:
                trainer_ids.update(draft.trainer_ids)
            if draft.kind == SessionKind.CASCADE and draft.trainer_ids:
                cascade_trainers.update(draft.trainer_ids)
                cascade_courses.add(draft.course_id)
        ancestors: dict[int, set[int]] = {}
        for chunk in _in_chunks(trainer_ids):
            for ancestor, descendant in LineageLink.objects.filter(descendant_id__in=chunk).values_list(
                "ancestor_id", "descendant_id"
            ):
                ancestors.setdefault(descendant, set()).add(ancestor)
        qualifications: dict[tuple[int, int], list[tuple[date, date | None]]] = {}
        if cascade_courses:
            for chunk in _in_chunks(cascade_trainers):
                for person_id, course_id, valid_from, valid_until in TrainerQualification.objects.filter(
                    person_id__in=chunk, course_id__in=sorted(cascade_courses)
                ).values_list("person_id", "course_id", "valid_from", "valid_until"):
                    qualifications.setdefault((person_id, course_id), []).append((valid_from, valid_until))
        facts = cls({}, ancestors, qualifications, {})
        facts.load_people(counted)
        # Course codes only name the course in a message: read for the drafts that will state one.
        wanted = {
            draft.course_id
            for draft in drafts
            if draft.kind == SessionKind.CASCADE
            and any(not facts.qualified_on(t, draft.course_id, draft.start_date) for t in draft.trainer_ids)
        }
        if wanted:
            facts.course_codes = dict(Course.objects.filter(id__in=sorted(wanted)).values_list("id", "code"))
        return facts

    def ancestors_of(self, trainer_ids: Iterable[int]) -> set[int]:
        found: set[int] = set()
        for trainer_id in trainer_ids:
            found |= self.ancestors.get(trainer_id, set())
        return found

    def qualified_on(self, person_id: int, course_id: int, day: date) -> bool:
        """As ``TrainerQualification.objects.valid_on(day)``: from ≤ day and (no end or end ≥ day)."""
        return any(
            valid_from <= day and (valid_until is None or valid_until >= day)
            for valid_from, valid_until in self.qualifications.get((person_id, course_id), ())
        )


def _breaches(draft: SessionDraft, facts: _StoredFacts) -> list[RuleBreach]:
    errors: list[RuleBreach] = []

    def add(code: str, row: int | None = None, field: str | None = None, **params) -> None:
        # ``row``: the participant row the breach concerns; ``params``: what its message states.
        errors.append(RuleBreach(code, {"session": ref, **params}, row, field))

    ref = draft.ref or "—"
    participant_ids = [p.person_id for p in draft.participants]
    label = facts.label

    if draft.was_closed:
        add(RULE_CLOSED)
    if draft.end_date < draft.start_date:
        add(RULE_DATES, field="end_date", start=draft.start_date, end=draft.end_date)
    if not draft.trainer_ids:
        add(RULE_NO_TRAINER)

    session_days = (draft.end_date - draft.start_date).days + 1
    for p in draft.participants:
        for field_name, score_name, value in (
            ("pre_score", _("pre-test score"), p.pre_score),
            ("post_score", _("post-test score"), p.post_score),
        ):
            if value is not None and not (0 <= value <= 100):
                add(
                    RULE_SCORE,
                    p.person_id,
                    field_name,
                    person=label(p.person_id),
                    person_id=p.person_id,
                    score=score_name,
                    value=value,
                )
        for day in sorted(p.days_present or ()):
            if not (draft.start_date <= day <= draft.end_date):
                add(
                    RULE_DAY_OUTSIDE,
                    p.person_id,
                    "days_present",
                    person=label(p.person_id),
                    person_id=p.person_id,
                    day=day,
                    start=draft.start_date,
                    end=draft.end_date,
                )
        if p.days_attended is not None and session_days > 0 and p.days_attended > session_days:
            add(
                RULE_DAYS_TOO_MANY,
                p.person_id,
                "days_attended",
                person=label(p.person_id),
                person_id=p.person_id,
                days=p.days_attended,
                length=session_days,
            )

    for person_id, count in Counter(participant_ids).items():
        if count > 1:
            add(RULE_DUPLICATE_PARTICIPANT, person_id, person=label(person_id), person_id=person_id)
    for person_id, count in Counter(draft.trainer_ids).items():
        if count > 1:
            add(RULE_DUPLICATE_TRAINER, person=label(person_id), trainer_id=person_id)

    trainers, participants = set(draft.trainer_ids), set(participant_ids)
    for person_id in sorted(trainers & participants):
        add(RULE_SELF_TRAINING, person_id, person=label(person_id), person_id=person_id, trainer_id=person_id)

    # The new edges all run from this session's trainers to its participants. Follow any cycle the
    # write would create from one of its new edges T→P: the path back from P to T reaches the next
    # new edge T'→P' (or T itself) through stored edges only, so P is already a stored ancestor of
    # a trainer T'. Checking "no participant is a stored ancestor of a trainer" is therefore enough.
    if trainers and participants:
        for person_id in sorted((participants - trainers) & facts.ancestors_of(trainers)):
            # One of the trainers that descends from the participant (to name it in the message).
            below = {t for t in trainers if person_id in facts.ancestors.get(t, ())}
            trainer_id = min(below) if below else min(trainers)
            add(
                RULE_CYCLE,
                person_id,
                person=label(person_id),
                person_id=person_id,
                trainer=label(trainer_id),
                trainer_id=trainer_id,
            )

    if draft.kind == SessionKind.CASCADE and trainers:
        unqualified = sorted(t for t in trainers if not facts.qualified_on(t, draft.course_id, draft.start_date))
        course_code = facts.course_codes.get(draft.course_id)
        for person_id in unqualified:
            add(
                RULE_NOT_QUALIFIED,
                person_id,
                "start_date",  # the qualification must be valid on the start date
                person=label(person_id),
                trainer_id=person_id,
                course=course_code,
                day=draft.start_date,
            )

    if (draft.headcount_male is not None or draft.headcount_female is not None) and participants:
        named = Counter(facts.people[pk][1] for pk in participants if pk in facts.people)
        for gender, field_name, reported in (
            (Gender.MALE, "headcount_male", draft.headcount_male),
            (Gender.FEMALE, "headcount_female", draft.headcount_female),
        ):
            if reported is not None and reported < named[gender]:
                add(
                    RULE_HEADCOUNT,
                    field=field_name,
                    gender=Gender(gender).label,
                    reported=reported,
                    named=named[gender],
                )
    return errors


class RulesBroken(ValidationError):
    """The ``ValidationError`` of ``enforce``; ``breaches`` say which row and field each concerns."""

    def __init__(self, breaches: list[RuleBreach]) -> None:
        super().__init__([breach.as_error() for breach in breaches])
        self.breaches = breaches


def enforce(draft: SessionDraft) -> None:
    """Raise one ``ValidationError`` (a ``RulesBroken``) carrying every broken rule."""
    breaches = session_breaches(draft)
    if breaches:
        raise RulesBroken(breaches)


# --- Audit of stored data ---------------------------------------------------------------------


@dataclass(frozen=True)
class Validity:
    """What a qualification would hold after a change: whose, for which course, from and until when."""

    person_id: int
    course_id: int
    valid_from: date
    valid_until: date | None


def qualification_change_breaches(*, removed: Iterable[int], after: Validity | None = None) -> list[RuleBreach]:
    """The cascade sessions that would be left led by a trainer holding no qualification valid on
    their start date if the stored qualifications ``removed`` were deleted, or (``after``) one of them
    replaced. Only their own (trainer, course) pairs can lose cover: a new qualification only adds."""
    removed = sorted(set(removed))
    pairs = set(TrainerQualification.objects.filter(pk__in=removed).values_list("person_id", "course_id"))
    if not pairs:
        return []
    facts = _StoredFacts({}, {}, {pair: [] for pair in pairs}, {})
    kept = TrainerQualification.objects.filter(person_id__in={p for p, _c in pairs}).exclude(pk__in=removed)
    for person_id, course_id, valid_from, valid_until in kept.values_list(
        "person_id", "course_id", "valid_from", "valid_until"
    ):
        facts.qualifications.get((person_id, course_id), []).append((valid_from, valid_until))
    if after is not None and (after.person_id, after.course_id) in pairs:
        facts.qualifications[(after.person_id, after.course_id)].append((after.valid_from, after.valid_until))
    led = SessionTrainer.objects.filter(
        session__kind=SessionKind.CASCADE, person_id__in={p for p, _c in pairs}
    ).values_list("person_id", "session__course_id", "session__ref", "session__start_date", "session__course__code")
    uncovered = [
        row
        for row in led.order_by("session__start_date", "session__ref")
        if (row[0], row[1]) in pairs and not facts.qualified_on(row[0], row[1], row[3])
    ]
    labels = _labels({row[0] for row in uncovered})
    return [
        RuleBreach(RULE_NOT_QUALIFIED, {"session": ref, "person": labels[pid], "course": code, "day": day}, pid)
        for pid, _course, ref, day, code in uncovered
    ]


@dataclass(frozen=True)
class Violation:
    rule: str
    session_refs: tuple[str, ...]
    person_ids: tuple[int, ...]
    message: str


def audit_stored() -> list[Violation]:
    """Every stored record that breaks a cross-row rule, for the audit command.

    The single-row rules (dates in order, scores 0–100, one row per person per session) are
    database constraints and cannot be stored broken; the rules across rows can be, by history
    loaded before they were enforced. A handful of queries, whatever the size of the data.
    """
    return [*_audit_self_training(), *_audit_qualifications(), *_audit_cycles()]


def _audit_self_training() -> list[Violation]:
    rows = (
        Participation.objects.filter(
            Exists(SessionTrainer.objects.filter(session_id=OuterRef("session_id"), person_id=OuterRef("person_id")))
        )
        .values_list("session__ref", "person_id", "person__name_ar", "person__service_number")
        .order_by("session__ref")
    )
    return [
        Violation(
            RULE_SELF_TRAINING,
            (ref,),
            (pid,),
            str(SELF_TRAINING.format(session=ref, person=person_label(name, number))),
        )
        for ref, pid, name, number in rows
    ]


def _audit_qualifications() -> list[Violation]:
    valid = TrainerQualification.objects.filter(
        person_id=OuterRef("person_id"),
        course_id=OuterRef("session__course_id"),
        valid_from__lte=OuterRef("session__start_date"),
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=OuterRef("session__start_date")))
    rows = (
        SessionTrainer.objects.filter(session__kind=SessionKind.CASCADE)
        .filter(~Exists(valid))
        .values_list(
            "session__ref",
            "person_id",
            "person__name_ar",
            "person__service_number",
            "session__course__code",
            "session__start_date",
        )
        .order_by("session__ref")
    )
    return [
        Violation(
            RULE_NOT_QUALIFIED,
            (ref,),
            (pid,),
            str(TRAINER_NOT_QUALIFIED.format(session=ref, person=person_label(name, number), course=code, day=day)),
        )
        for ref, pid, name, number, code, day in rows
    ]


CYCLE_FOUND = _("People {people} train each other in a cycle through sessions {sessions}.")


def _audit_cycles() -> list[Violation]:
    """Strongly connected groups of more than one person in the trainer → participant graph (Tarjan)."""
    trainers_of: dict[int, list[int]] = {}
    for session_id, person_id in SessionTrainer.objects.values_list("session_id", "person_id").iterator(
        chunk_size=10000
    ):
        trainers_of.setdefault(session_id, []).append(person_id)
    edges: dict[int, set[int]] = {}
    edge_sessions: dict[tuple[int, int], int] = {}
    for session_id, person_id in Participation.objects.values_list("session_id", "person_id").iterator(
        chunk_size=10000
    ):
        for trainer_id in trainers_of.get(session_id, ()):
            if trainer_id != person_id:  # self-training is reported on its own
                edges.setdefault(trainer_id, set()).add(person_id)
                edge_sessions[(trainer_id, person_id)] = session_id

    violations = []
    for component in _strongly_connected(edges):
        members = set(component)
        session_ids = {s for (a, b), s in edge_sessions.items() if a in members and b in members}
        refs = tuple(sorted(TrainingSession.objects.filter(id__in=session_ids).values_list("ref", flat=True)))
        people = tuple(sorted(members))
        labels = _labels(people)
        message = CYCLE_FOUND.format(people=", ".join(labels[p] for p in people), sessions=", ".join(refs))
        violations.append(Violation(RULE_CYCLE, refs, people, str(message)))
    return violations


def _strongly_connected(edges: dict[int, set[int]]) -> list[list[int]]:
    """Tarjan's algorithm, iterative (the graph can be deep); only components of two or more nodes."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    found: list[list[int]] = []
    counter = 0
    for root in list(edges):
        if root in index:
            continue
        work = [(root, iter(edges.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges.get(child, ()))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found
