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
- a closed session is not changed.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cascade.lineage import ancestor_ids, descendant_ids
from courses.models import Course
from cascade.models import SessionKind, SessionStatus, TrainerQualification
from lms.models import Person

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
SESSION_CLOSED = _("Session {session} is closed; a training-centre manager must reopen it before it can change.")


@dataclass(frozen=True)
class ParticipantDraft:
    person_id: int
    pre_score: Decimal | int | None = None
    post_score: Decimal | int | None = None


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


def _labels(person_ids: Iterable[int]) -> dict[int, str]:
    return {
        pk: f"{name} ({number})"
        for pk, name, number in Person.objects.filter(id__in=set(person_ids)).values_list(
            "id", "name_ar", "service_number"
        )
    }


def check_session(draft: SessionDraft) -> list[str]:
    """Every rule the draft breaks, as messages; an empty list means it may be saved."""
    errors: list[str] = []
    ref = draft.ref or "—"
    participant_ids = [p.person_id for p in draft.participants]
    labels = _labels([*draft.trainer_ids, *participant_ids])
    label = lambda pk: labels.get(pk, f"#{pk}")  # noqa: E731

    if draft.was_closed:
        errors.append(SESSION_CLOSED.format(session=ref))
    if draft.end_date < draft.start_date:
        errors.append(DATES_OUT_OF_ORDER.format(session=ref, start=draft.start_date, end=draft.end_date))
    if not draft.trainer_ids:
        errors.append(NO_TRAINER.format(session=ref))

    for p in draft.participants:
        for score_name, value in ((_("pre-test score"), p.pre_score), (_("post-test score"), p.post_score)):
            if value is not None and not (0 <= value <= 100):
                errors.append(
                    SCORE_OUT_OF_RANGE.format(session=ref, person=label(p.person_id), score=score_name, value=value)
                )

    for person_id, count in Counter(participant_ids).items():
        if count > 1:
            errors.append(DUPLICATE_PARTICIPANT.format(session=ref, person=label(person_id)))
    for person_id, count in Counter(draft.trainer_ids).items():
        if count > 1:
            errors.append(DUPLICATE_TRAINER.format(session=ref, person=label(person_id)))

    trainers, participants = set(draft.trainer_ids), set(participant_ids)
    for person_id in sorted(trainers & participants):
        errors.append(SELF_TRAINING.format(session=ref, person=label(person_id)))

    # The new edges all run from this session's trainers to its participants. Follow any cycle the
    # write would create from one of its new edges T→P: the path back from P to T reaches the next
    # new edge T'→P' (or T itself) through stored edges only, so P is already a stored ancestor of
    # a trainer T'. Checking "no participant is a stored ancestor of a trainer" is therefore enough.
    if trainers and participants:
        for person_id in sorted((participants - trainers) & ancestor_ids(trainers)):
            trainer_id = _a_trainer_below(person_id, trainers)
            errors.append(LINEAGE_CYCLE.format(session=ref, person=label(person_id), trainer=label(trainer_id)))

    if draft.kind == SessionKind.CASCADE and trainers:
        qualified = set(
            TrainerQualification.objects.filter(person_id__in=trainers, course_id=draft.course_id)
            .valid_on(draft.start_date)
            .values_list("person_id", flat=True)
        )
        if trainers - qualified:
            course_code = Course.objects.filter(id=draft.course_id).values_list("code", flat=True).first()
            for person_id in sorted(trainers - qualified):
                errors.append(
                    TRAINER_NOT_QUALIFIED.format(
                        session=ref, person=label(person_id), course=course_code, day=draft.start_date
                    )
                )
    return errors


def _a_trainer_below(ancestor_id: int, trainer_ids: set[int]) -> int:
    """One of ``trainer_ids`` that descends from ``ancestor_id`` (to name it in the message)."""
    below = descendant_ids([ancestor_id]) & trainer_ids
    return min(below) if below else min(trainer_ids)


def enforce(draft: SessionDraft) -> None:
    """Raise one ``ValidationError`` carrying every broken rule."""
    errors = check_session(draft)
    if errors:
        raise ValidationError(errors)
