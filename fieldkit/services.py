"""Applying a batch of changes recorded offline, and resolving the ones that could not be applied.

``sync_apply`` takes the changes in the order the phone recorded them. A change whose id is already
stored is not applied again: its stored outcome is answered (a batch replayed after a lost answer
stores nothing new). The others are applied session by session, under the session's row lock,
through the cascade's one writer (``cascade.services.roster_record``): all the changes of one
session are folded into one roster write, so the rules run once; when the rules refuse it, each
breach is traced to the changes that caused it (its participant row and field), those become
conflicts and the rest is written again. A change is also a conflict, before any rule runs, when
the world moved while the phone was offline: the session was closed or reopened, the person was
merged or removed, taken off the roster, or the value the phone saw was changed by someone else.
Conflicts keep their rule code and parameters; their message is rendered in the reader's language.

``conflict_resolve`` lets the trainer who sent a conflict keep theirs (the server's record stays),
keep mine (apply it now, over the other change) or edit it (apply a corrected value).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from cascade import permissions, services
from cascade.integrity import RULE_CLOSED, RuleBreach, RulesBroken
from cascade.models import AttendanceDay, Outcome, Participation, SessionReopening, TrainingSession
from courses.numbers import western_digits
from fieldkit.models import ChangeKind, ChangeStatus, SyncChange
from imports.merge import HISTORY_REASON as MERGE_REASON
from lms import services as learning
from lms.models import Enrolment, Gender, Governorate, LessonCompletion, Person, person_label

# Reason codes of the sync itself; the cascade's rule codes (``cascade.integrity``) come as they are.
CODE_REOPENED = "session_reopened"
CODE_PERSON_MERGED = "person_merged"
CODE_PERSON_MISSING = "person_missing"
CODE_OFF_ROSTER = "off_roster"
CODE_CHANGED_ON_SERVER = "changed_on_server"
CODE_FUTURE_DAY = "attendance_future"
CODE_PERSON_INVALID = "person_invalid"
CODE_PERSON_NOT_RECORDED = "person_not_recorded"
CODE_NOT_ENROLLED = "not_enrolled"
CODE_LESSON_REFUSED = "lesson_refused"
CODE_INVALID = "invalid_change"
CODE_NOT_YOURS = "session_not_yours"
CODE_OTHER_LOGIN = "change_of_another_login"

TEMPLATES = {
    CODE_REOPENED: _(
        "Session {session} was reopened by its training-centre manager after you took it offline; "
        "check this change before it is applied."
    ),
    CODE_PERSON_MERGED: _("Person #{person} was merged into another record after you took the session offline."),
    CODE_PERSON_MISSING: _("Person #{person} is no longer in the records."),
    CODE_OFF_ROSTER: _("Session {session}: {person} was taken off the roster after you took it offline."),
    CODE_CHANGED_ON_SERVER: _(
        "Session {session}, {person}: the {what} was changed to {theirs} by someone else after you took "
        "the session offline (yours: {mine})."
    ),
    CODE_FUTURE_DAY: _("Session {session}: attendance cannot be recorded for {day}, which has not come yet."),
    CODE_PERSON_INVALID: _("The new person {name} could not be recorded: {reason}"),
    CODE_PERSON_NOT_RECORDED: _("The new person this change names was not recorded; resolve that change first."),
    CODE_NOT_ENROLLED: _("You are not enrolled in course {course}."),
    CODE_LESSON_REFUSED: _("Course {course}: {reason}"),
    CODE_INVALID: _("Change {position}: {reason}"),
    CODE_NOT_YOURS: _("Session {session} is not one of your sessions: it cannot be synced from your login."),
    CODE_OTHER_LOGIN: _(
        "This change was recorded on this phone under another login: it is sent when that login signs in again."
    ),
}

ID_TAKEN = _("the same change id was sent twice in the batch, or by another login.")
MISSING_FIELD = _("the field “{field}” is missing or not valid ({value}).")
NOT_YOURS_TO_RESOLVE = _("Only the person who sent this change resolves it.")
ALREADY_RESOLVED = _("This change is resolved already.")
CHOICE_UNKNOWN = _("Choose keep mine, keep theirs, edit or another person.")
NO_SUCH_NUMBER = _("No one in the records has the service number {number}.")
NOTHING_TO_EDIT = _("Give the corrected value.")
NUMBER_TWICE = _("the service number {number} is given to another new person in the same batch.")
NUMBER_TAKEN = _("the service number {number} was recorded for someone else meanwhile.")

WHAT = {
    ChangeKind.ATTENDANCE: _("attendance"),
    "pre_score": _("pre-test score"),
    "post_score": _("post-test score"),
    ChangeKind.OUTCOME: _("outcome"),
}
KEEP_MINE, KEEP_THEIRS, EDIT = "mine", "theirs", "edit"
# Point the change at another person, named by service number: the person it named was merged or
# removed, or (for a new person) the service number belongs to someone already in the records.
OTHER_PERSON = "person"
CASCADE_KINDS = {
    ChangeKind.ATTENDANCE,
    ChangeKind.SCORE,
    ChangeKind.OUTCOME,
    ChangeKind.PARTICIPANT_ADD,
    ChangeKind.PERSON_CREATE,
}


def reason_message(code: str, params: dict) -> str:
    """A reason rendered in the active language: a cascade rule's template, or one of the sync's own."""
    if code in TEMPLATES:
        shown = {key: _shown(key, value) for key, value in params.items()}
        return str(TEMPLATES[code]).format_map(_Missing(shown))
    try:
        return RuleBreach(code, {key: _shown(key, value) for key, value in params.items()}).message
    except (KeyError, IndexError):
        return code


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "—"


def _shown(key: str, value):
    """A stored parameter as a message shows it: field names become their words in the reader's language."""
    if key in ("score", "what") and value in WHAT:
        return WHAT[value]
    return value


def _plain(value):
    if isinstance(value, date | datetime | Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return str(value)


@dataclass
class Result:
    """What the answer says of one change."""

    change_id: str
    status: str  # applied, conflict, refused (not stored), or a resolution's status
    code: str = ""
    params: dict = field(default_factory=dict)
    person: int | None = None
    replayed: bool = False

    @property
    def message(self) -> str:
        return reason_message(self.code, self.params) if self.code else ""

    def as_dict(self) -> dict:
        return {
            "id": self.change_id,
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "person": self.person,
            "replayed": self.replayed,
        }


@dataclass
class _Change:
    """One change of a batch, parsed."""

    change_id: uuid.UUID
    position: int
    kind: str
    payload: dict
    session_id: int | None = None
    person_id: int | None = None
    person_ref: uuid.UUID | None = None
    recorded_at: datetime | None = None
    result: Result | None = None
    person_obj: Person | None = None  # a new person, validated, written with the roster

    def conflict(self, code: str, **params) -> None:
        plain = {k: _plain(v) for k, v in params.items()}
        self.result = Result(str(self.change_id), ChangeStatus.CONFLICT, code, plain)

    def refuse(self, code: str, **params) -> None:
        self.result = Result(str(self.change_id), "refused", code, {k: _plain(v) for k, v in params.items()})


class BadChange(ValueError):
    def __init__(self, field_name: str, value) -> None:
        super().__init__(field_name)
        self.field_name, self.value = field_name, value


def _uuid(value, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise BadChange(name, value) from None


def _int(value, name: str) -> int:
    if isinstance(value, bool):
        raise BadChange(name, value)
    try:
        return int(western_digits(str(value)))
    except (TypeError, ValueError):
        raise BadChange(name, value) from None


def _day(value, name: str = "day") -> date:
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise BadChange(name, value) from None


def _score(value, name: str = "value") -> Decimal:
    try:
        score = Decimal(western_digits(str(value)))
    except (InvalidOperation, TypeError, ValueError):
        raise BadChange(name, value) from None
    if not score.is_finite():
        raise BadChange(name, value)
    return score


def _parse(raw: dict, position: int) -> _Change:
    if not isinstance(raw, dict):
        raise BadChange("change", raw)
    kind = raw.get("kind")
    if kind not in ChangeKind.values:
        raise BadChange("kind", kind)
    change = _Change(
        change_id=_uuid(raw.get("id"), "id"),
        position=position,
        kind=kind,
        payload=raw,
        recorded_at=parse_datetime(str(raw["recorded_at"])) if raw.get("recorded_at") else None,
    )
    if kind == ChangeKind.LESSON_COMPLETE:
        if not isinstance(raw.get("course"), str):
            raise BadChange("course", raw.get("course"))
        _uuid(raw.get("lesson"), "lesson")
        return change
    change.session_id = _int(raw.get("session"), "session")
    if kind == ChangeKind.PERSON_CREATE:
        for name in ("service_number", "name_ar", "gender"):
            if not isinstance(raw.get(name), str) or not raw[name].strip():
                raise BadChange(name, raw.get(name))
        _int(raw.get("governorate"), "governorate")
        return change
    if raw.get("person_ref"):
        change.person_ref = _uuid(raw["person_ref"], "person_ref")
    else:
        change.person_id = _int(raw.get("person"), "person")
    if kind == ChangeKind.ATTENDANCE:
        _day(raw.get("day"))
        if not isinstance(raw.get("present"), bool):
            raise BadChange("present", raw.get("present"))
    elif kind == ChangeKind.SCORE:
        if raw.get("field") not in ("pre_score", "post_score"):
            raise BadChange("field", raw.get("field"))
        _score(raw.get("value"))
    elif kind == ChangeKind.OUTCOME and raw.get("outcome") not in Outcome.values:
        raise BadChange("outcome", raw.get("outcome"))
    return change


def _stored_result(row: SyncChange, *, replayed: bool) -> Result:
    return Result(str(row.change_id), row.status, row.code, row.params, row.person_id_applied, replayed)


def sync_apply(*, user, changes: Sequence[dict]) -> list[Result]:
    """Apply ``changes`` (the phone's queue, in order); one ``Result`` per change, in the same order."""
    parsed: list[_Change] = []
    results: list[Result | None] = []
    for position, raw in enumerate(changes):
        try:
            parsed.append(_parse(raw, position))
            results.append(None)
        except BadChange as error:
            raw_id = raw.get("id") if isinstance(raw, dict) else None
            bad = Result(
                str(raw_id or ""),
                "refused",
                CODE_INVALID,
                {
                    "position": position + 1,
                    "reason": str(MISSING_FIELD.format(field=error.field_name, value=_plain(error.value))),
                },
            )
            results.append(bad)
    by_position = {c.position: c for c in parsed}

    seen: set[uuid.UUID] = set()
    fresh: list[_Change] = []
    stored = {row.change_id: row for row in SyncChange.objects.filter(change_id__in=[c.change_id for c in parsed])}
    for change in parsed:
        stated = change.payload.get("user")
        if stated is not None and str(stated) != str(user.pk):
            # A shared phone: the change is another login's, sent under this one's cookie. Not stored.
            change.refuse(CODE_OTHER_LOGIN)
        elif change.change_id in stored and stored[change.change_id].user_id == user.pk:
            change.result = _stored_result(stored[change.change_id], replayed=True)
        elif change.change_id in seen or change.change_id in stored:
            reason = str(ID_TAKEN)
            change.result = Result(str(change.change_id), "refused", CODE_INVALID, {"position": change.position + 1})
            change.result.params["reason"] = reason
        else:
            seen.add(change.change_id)
            fresh.append(change)

    editable = set(
        permissions.sessions_editable_by(user)
        .filter(pk__in={c.session_id for c in fresh if c.session_id})
        .values_list("pk", flat=True)
    )
    groups: dict[int, list[_Change]] = {}
    for change in fresh:
        if change.kind == ChangeKind.LESSON_COMPLETE:
            _apply_lesson(user, change)
        elif change.session_id not in editable:
            change.refuse(CODE_NOT_YOURS, session=change.session_id)
        else:
            groups.setdefault(change.session_id, []).append(change)
    for session_id, group in groups.items():
        _apply_session_group(user, session_id, group)

    return [result if result is not None else by_position[n].result for n, result in enumerate(results)]


# --- One session's changes -------------------------------------------------------------------


@dataclass
class _Row:
    """A participant's record as the changes fold it: what the roster write will hold."""

    person_id: int
    on_roster: bool
    days: set[date]
    pre_score: Decimal | None
    post_score: Decimal | None
    outcome: str
    touched: set[str] = field(default_factory=set)


def _rows(session: TrainingSession) -> dict[int, _Row]:
    rows = {
        p.person_id: _Row(p.person_id, True, set(), p.pre_score, p.post_score, p.outcome)
        for p in Participation.objects.filter(session=session)
    }
    for person_id, day in AttendanceDay.objects.filter(participation__session=session).values_list(
        "participation__person_id", "day"
    ):
        rows[person_id].days.add(day)
    return rows


def _apply_session_group(user, session_id: int, group: list[_Change], *, force: bool = False) -> None:
    """Apply one session's changes under its row lock; each change ends applied or a conflict, and is stored.

    With ``force`` (a resolution applying a stored conflict) the changes are not stored again, and
    what the phone saw (``base``, ``seen_at``) no longer matters: the trainer has looked.
    """
    with transaction.atomic():
        session = TrainingSession.objects.select_for_update().select_related("course").get(pk=session_id)
        if not force:
            # Another request may have stored some of these while this one waited for the lock: the
            # sender's own are answered as a replay; another login's id is not theirs to read.
            already = {
                row.change_id: row for row in SyncChange.objects.filter(change_id__in=[c.change_id for c in group])
            }
            for change in group:
                if change.change_id in already:
                    _answer_stored(user, change, already[change.change_id])
        pending = [c for c in group if c.result is None]
        if not pending:
            return
        _precheck(session, pending, force=force)
        candidates = [c for c in pending if c.result is None]
        actual: dict[int, int] = {}
        while candidates:
            try:
                with transaction.atomic():
                    _write(session, candidates, actual)
            except RulesBroken as error:
                _blame(candidates, error.breaches, {pk: temp for temp, pk in actual.items()})
                candidates = [c for c in candidates if c.result is None]
                continue
            except _PersonNotSaved as refusal:
                _person_not_saved(refusal.change, candidates)
                candidates = [c for c in candidates if c.result is None]
                continue
            for change in candidates:
                change.person_id = actual.get(change.person_id, change.person_id)
                change.result = Result(str(change.change_id), ChangeStatus.APPLIED, person=change.person_id)
            break
        if not force:
            _store(user, session, pending)


def _person_not_saved(create: _Change, changes: list[_Change]) -> None:
    """A new person the database refused: that change, and every change naming them, become conflicts."""
    raw = create.payload
    number = western_digits(raw["service_number"])
    create.conflict(CODE_PERSON_INVALID, name=raw["name_ar"], reason=str(NUMBER_TAKEN.format(number=number)))
    for change in changes:
        if change is not create and change.result is None and change.person_id == create.person_id:
            change.conflict(CODE_PERSON_NOT_RECORDED)


def _person_params(session: TrainingSession, person_id: int | None) -> dict:
    """The session and the person a reason names: by name and service number only if the person is or was
    on this session's roster (the sender may read them there); anyone else, by their id alone."""
    rostered = person_id is not None and (
        Participation.objects.filter(session=session, person_id=person_id).exists()
        or Participation.history.filter(session_id=session.pk, person_id=person_id).exists()
    )
    person = Person.objects.filter(pk=person_id).values_list("name_ar", "service_number").first() if rostered else None
    return {"session": session.ref, "person": person_label(*person) if person else f"#{person_id}"}


def _precheck(session: TrainingSession, changes: list[_Change], *, force: bool) -> None:
    """The conflicts that need no rule: the session or the person moved on while the phone was offline."""
    if session.is_closed:
        for change in changes:
            change.conflict(RULE_CLOSED, session=session.ref)
        return
    if not force:
        seen = [c.payload.get("seen_at") for c in changes if c.payload.get("seen_at")]
        seen_at = min((parse_datetime(str(s)) for s in seen if parse_datetime(str(s))), default=None)
        if seen_at and SessionReopening.objects.filter(session=session, reopened_at__gt=seen_at).exists():
            for change in changes:
                change.conflict(CODE_REOPENED, session=session.ref)
            return
    rows = _rows(session)
    new_people: dict[uuid.UUID, int | None] = {}
    # People the batch names that stored earlier syncs created.
    refs = {c.person_ref for c in changes if c.person_ref}
    for row in SyncChange.objects.filter(change_id__in=refs):
        new_people[row.change_id] = row.person_id_applied if row.status != ChangeStatus.CONFLICT else None
    named = {c.person_id for c in changes if c.person_id}
    existing = set(Person.objects.filter(pk__in=named).values_list("pk", flat=True))
    today = timezone.localdate()
    temp_id = -1
    numbers_created: set[str] = set()
    for change in changes:
        raw = change.payload
        if change.kind == ChangeKind.PERSON_CREATE:
            person = Person(
                service_number=western_digits(raw["service_number"]),
                name_ar=raw["name_ar"].strip(),
                name_latin=(raw.get("name_latin") or "").strip(),
                gender=raw["gender"],
                rank=raw.get("rank") or "",
                governorate_id=_int(raw["governorate"], "governorate"),
            )
            try:
                known = Governorate.objects.filter(pk=person.governorate_id).exists()
                if raw["gender"] not in Gender.values or not known:
                    raise ValidationError(str(MISSING_FIELD.format(field="gender/governorate", value=raw["gender"])))
                person.full_clean()
                if person.service_number in numbers_created:
                    raise ValidationError(str(NUMBER_TWICE.format(number=person.service_number)))
            except ValidationError as error:
                change.conflict(CODE_PERSON_INVALID, name=raw["name_ar"], reason=" ".join(error.messages))
                new_people[change.change_id] = None
                continue
            numbers_created.add(person.service_number)
            change.person_obj = person
            change.person_id = temp_id  # replaced by the stored id when written
            new_people[change.change_id] = temp_id
            rows[temp_id] = _Row(temp_id, True, set(), None, None, Outcome.INCOMPLETE, {"added"})
            temp_id -= 1
            continue
        if change.person_ref:
            if new_people.get(change.person_ref) is None:
                change.conflict(CODE_PERSON_NOT_RECORDED)
                continue
            change.person_id = new_people[change.person_ref]
        elif change.person_id not in existing:
            change.conflict(_gone_code(change.person_id), person=change.person_id)
            continue
        row = rows.get(change.person_id)
        if change.kind == ChangeKind.PARTICIPANT_ADD:
            if row is None:
                rows[change.person_id] = _Row(change.person_id, True, set(), None, None, Outcome.INCOMPLETE, {"added"})
            continue
        if row is None:
            change.conflict(CODE_OFF_ROSTER, **_person_params(session, change.person_id))
            continue
        _fold(session, change, row, today, force=force)


def _fold(session: TrainingSession, change: _Change, row: _Row, today: date, *, force: bool) -> None:
    """Apply one change to the folded row, unless someone else changed what the phone saw."""
    raw = change.payload
    base = raw.get("base")
    has_base = "base" in raw and not force
    if change.kind == ChangeKind.ATTENDANCE:
        day = _day(raw["day"])
        if raw["present"] and day > today:
            change.conflict(CODE_FUTURE_DAY, session=session.ref, day=day)
            return
        now = day in row.days
        if has_base and base is not None and bool(base) != now and now != raw["present"]:
            change.conflict(
                CODE_CHANGED_ON_SERVER,
                what=ChangeKind.ATTENDANCE,
                theirs=f"{day}: {_yes(now)}",
                mine=f"{day}: {_yes(raw['present'])}",
                **_person_params(session, row.person_id),
            )
            return
        (row.days.add if raw["present"] else row.days.discard)(day)
        row.touched.add("days")
    elif change.kind == ChangeKind.SCORE:
        name = raw["field"]
        value = _score(raw["value"])
        now = getattr(row, name)
        was = _score(base) if has_base and base not in (None, "") else None
        if has_base and was != now and now != value:
            change.conflict(
                CODE_CHANGED_ON_SERVER,
                what=name,
                theirs=now if now is not None else "—",
                mine=value,
                **_person_params(session, row.person_id),
            )
            return
        setattr(row, name, value)
        row.touched.add(name)
    elif change.kind == ChangeKind.OUTCOME:
        if has_base and base and base != row.outcome and row.outcome != raw["outcome"]:
            change.conflict(
                CODE_CHANGED_ON_SERVER,
                what=ChangeKind.OUTCOME,
                theirs=Outcome(row.outcome).label,
                mine=Outcome(raw["outcome"]).label,
                **_person_params(session, row.person_id),
            )
            return
        row.outcome = raw["outcome"]
        row.touched.add("outcome")


def _yes(present: bool) -> str:
    return str(_("present") if present else _("absent"))


def _gone_code(person_id: int | None) -> str:
    """A person the phone named who is gone: merged into another record (their history says so), or removed."""
    merged = Person.history.filter(id=person_id, history_type="-", history_change_reason=MERGE_REASON).exists()
    return CODE_PERSON_MERGED if merged else CODE_PERSON_MISSING


class _PersonNotSaved(Exception):
    def __init__(self, change: _Change) -> None:
        super().__init__(str(change.change_id))
        self.change = change


def _write(session: TrainingSession, changes: list[_Change], actual: dict[int, int]) -> None:
    """Write the changes through the cascade's one writer: one roster write for the session.

    New people are saved first; ``actual`` receives their stored ids (keyed by the batch's stand-in
    ids), so that a breach naming one can be traced back to its changes.
    """
    actual.clear()
    for change in changes:
        if change.person_obj is not None:
            change.person_obj.pk = None  # a retry after a refused write saves them afresh
            try:
                with transaction.atomic():
                    change.person_obj.save()
            except IntegrityError as error:
                # Checked a moment ago, taken since (another request recorded the same service number).
                raise _PersonNotSaved(change) from error
            actual[change.person_id] = change.person_obj.pk
    rows = _rows(session)
    for change in changes:
        person_id = actual.get(change.person_id, change.person_id)
        row = rows.get(person_id)
        if row is None:
            row = rows[person_id] = _Row(person_id, True, set(), None, None, Outcome.INCOMPLETE)
        row.touched.add("added")
        raw = change.payload
        if change.kind == ChangeKind.ATTENDANCE:
            (row.days.add if raw["present"] else row.days.discard)(_day(raw["day"]))
            row.touched.add("days")
        elif change.kind == ChangeKind.SCORE:
            setattr(row, raw["field"], _score(raw["value"]))
            row.touched.add(raw["field"])
        elif change.kind == ChangeKind.OUTCOME:
            row.outcome = raw["outcome"]
            row.touched.add("outcome")
    people = Person.objects.in_bulk([pid for pid, row in rows.items() if row.touched])
    entries = [
        services.RosterEntry(
            person=people[row.person_id],
            days_present=sorted(row.days) if "days" in row.touched else None,
            pre_score=row.pre_score if "pre_score" in row.touched else None,
            post_score=row.post_score if "post_score" in row.touched else None,
            outcome=row.outcome if "outcome" in row.touched else None,
        )
        for row in rows.values()
        if row.touched
    ]
    services.roster_record(session=session, entries=entries)


FIELD_OF_KIND = {ChangeKind.ATTENDANCE: {"days_present", "days_attended"}, ChangeKind.OUTCOME: {"outcome"}}


def _blame(changes: list[_Change], breaches: list[RuleBreach], temp_of: dict[int, int]) -> None:
    """Turn the changes each breach points at (its participant row and field) into conflicts; a breach of
    the whole session (its trainer's qualification, say) makes every change wait, with its reason."""
    blamed = False
    for breach in breaches:
        params = {k: _plain(v) for k, v in breach.params.items()}
        if breach.field in ("pre_score", "post_score"):
            params["score"] = breach.field
        person_id = temp_of.get(breach.person_id, breach.person_id)
        concerned = [c for c in changes if c.result is None and person_id is not None and c.person_id == person_id]
        if breach.field:
            concerned = [c for c in concerned if _concerns(c, breach.field)] or concerned
        for change in concerned:
            change.result = Result(str(change.change_id), ChangeStatus.CONFLICT, breach.code, params)
            blamed = True
    if not blamed:
        first = breaches[0]
        params = {k: _plain(v) for k, v in first.params.items()}
        for change in changes:
            if change.result is None:
                change.result = Result(str(change.change_id), ChangeStatus.CONFLICT, first.code, params)


def _concerns(change: _Change, field_name: str) -> bool:
    if change.kind == ChangeKind.SCORE:
        return change.payload.get("field") == field_name
    return field_name in FIELD_OF_KIND.get(change.kind, set())


def _store(user, session: TrainingSession | None, changes: list[_Change]) -> None:
    """Store the applied changes and the conflicts (refused ones are not stored: the phone keeps them).

    The same change sent twice at once (two tabs, a retry racing the first sending) reaches here twice:
    the change id's unique constraint refuses the second row, and its sender is answered what the first
    stored, as a replay.
    """
    rows = [
        SyncChange(
            change_id=c.change_id,
            user=user,
            kind=c.kind,
            session=session,
            person_id_sent=c.payload.get("person") if isinstance(c.payload.get("person"), int) else None,
            payload=c.payload,
            position=c.position,
            recorded_at=c.recorded_at,
            status=c.result.status,
            person_id_applied=c.person_id if c.result.status == ChangeStatus.APPLIED else None,
            code=c.result.code,
            params=c.result.params,
        )
        for c in changes
        if c.result is not None and c.result.status in (ChangeStatus.APPLIED, ChangeStatus.CONFLICT)
    ]
    try:
        with transaction.atomic():
            SyncChange.objects.bulk_create(rows)
    except IntegrityError:
        by_id = {c.change_id: c for c in changes}
        for row in rows:
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:
                _answer_stored_meanwhile(user, by_id[row.change_id])
    for c in changes:
        if c.result is not None and c.result.status == ChangeStatus.APPLIED:
            c.result.person = c.person_id


def _answer_stored_meanwhile(user, change: _Change) -> None:
    _answer_stored(user, change, SyncChange.objects.get(change_id=change.change_id))


def _answer_stored(user, change: _Change, stored: SyncChange) -> None:
    """A change whose id another request stored: a replay for its sender, a refused id for anyone else
    (the stored outcome, and the person it names, are the other login's)."""
    if stored.user_id == user.pk:
        change.result = _stored_result(stored, replayed=True)
        change.person_id = stored.person_id_applied
    else:
        change.result = Result(
            str(change.change_id), "refused", CODE_INVALID, {"position": change.position + 1, "reason": str(ID_TAKEN)}
        )


# --- Lessons ---------------------------------------------------------------------------------


def _apply_lesson(user, change: _Change, *, store: bool = True) -> None:
    """A lesson completed offline, through the learning records' own service (idempotent itself)."""
    raw = change.payload
    person = permissions.person_of(user)
    enrolment = Enrolment.objects.filter(person=person, course__code=raw["course"]).first() if person else None
    with transaction.atomic():
        if enrolment is None:
            change.conflict(CODE_NOT_ENROLLED, course=raw["course"])
        else:
            method = raw.get("method")
            try:
                with transaction.atomic():
                    learning.lesson_complete(
                        enrolment=enrolment,
                        lesson_key=_uuid(raw["lesson"], "lesson"),
                        method=method if method in LessonCompletion.Method.values else LessonCompletion.Method.BUTTON,
                    )
            except learning.LearningRefused as refusal:
                change.conflict(CODE_LESSON_REFUSED, course=raw["course"], reason=refusal.message)
            else:
                change.person_id = person.pk
                change.result = Result(str(change.change_id), ChangeStatus.APPLIED, person=person.pk)
        if store:
            _store(user, None, [change])


# --- Resolving conflicts ---------------------------------------------------------------------


def conflicts_visible_to(user):
    """Conflicts ``user`` may read: their own, and those of the sessions of a manager's centre."""
    changes = SyncChange.objects.select_related("session", "user")
    if permissions.sees_everything(user):
        return changes
    from django.db.models import Q

    allowed = Q(user=user)
    if (centre_id := permissions.managed_centre_id(user)) is not None:
        allowed |= Q(session__training_centre_id=centre_id)
    return changes.filter(allowed)


@transaction.atomic
def conflict_resolve(*, user, change: SyncChange, choice: str, value=None) -> SyncChange:
    """Resolve one conflict: ``theirs`` (the server's record stays), ``mine`` (apply it now) or ``edit``
    (apply ``value`` instead: a score, an outcome, present as a boolean, a person's id).

    Applying runs the same writer and rules; if they refuse again, the conflict stays, with the new
    reason, and a ``ValidationError`` says why.
    """
    with transaction.atomic():
        change = SyncChange.objects.select_for_update().get(pk=change.pk)
        if change.user_id != user.pk and not permissions.is_administrator(user):
            raise ValidationError(NOT_YOURS_TO_RESOLVE)
        if change.status != ChangeStatus.CONFLICT:
            raise ValidationError(ALREADY_RESOLVED)
        if choice not in (KEEP_MINE, KEEP_THEIRS, EDIT, OTHER_PERSON):
            raise ValidationError(CHOICE_UNKNOWN)
        if choice == OTHER_PERSON and change.kind not in CASCADE_KINDS:
            raise ValidationError(NOTHING_TO_EDIT)
        refusal = None
        if choice == KEEP_THEIRS:
            change.status = ChangeStatus.KEPT_THEIRS
        else:
            payload = dict(change.payload)
            if choice == EDIT:
                payload = _edited(change, payload, value)
            elif choice == OTHER_PERSON:
                payload = _pointed_at(payload, _person_by_number(value))
            parsed = _reapply(user, change, payload)
            if parsed.result.status == ChangeStatus.APPLIED:
                change.status = ChangeStatus.KEPT_MINE if choice == KEEP_MINE else ChangeStatus.EDITED
                change.person_id_applied = parsed.person_id
                change.resolution = payload if choice != KEEP_MINE else None
                if change.kind == ChangeKind.PERSON_CREATE:
                    _resolve_dependents(user, change)
            else:
                change.code, change.params = parsed.result.code, parsed.result.params
                refusal = parsed.result.message
        if refusal is None:
            change.resolved_at = timezone.now()
            change.resolved_by = user
        change.save()
    if refusal is not None:
        raise ValidationError(refusal)
    return change


def _reapply(user, change: SyncChange, payload: dict) -> _Change:
    try:
        parsed = _parse(payload, change.position)
    except BadChange as error:
        raise ValidationError(str(MISSING_FIELD.format(field=error.field_name, value=_plain(error.value)))) from None
    if change.kind == ChangeKind.LESSON_COMPLETE:
        # The lesson is the sender's: whoever resolves it is recorded as the resolver only.
        _apply_lesson(change.user, parsed, store=False)
        return parsed
    if parsed.person_ref:
        ref = SyncChange.objects.filter(change_id=parsed.person_ref).first()
        if ref is None or ref.person_id_applied is None:
            raise ValidationError(reason_message(CODE_PERSON_NOT_RECORDED, {}))
        parsed.person_ref, parsed.person_id = None, ref.person_id_applied
    if change.session_id is None or not permissions.can_edit_session(user, change.session):
        raise ValidationError(reason_message(CODE_NOT_YOURS, {"session": change.session_id}))
    _apply_session_group(user, change.session_id, [parsed], force=True)
    return parsed


def _person_by_number(value) -> Person:
    if value in (None, ""):
        raise ValidationError(NOTHING_TO_EDIT)
    number = western_digits(str(value).strip())
    person = Person.objects.filter(service_number=number).first()
    if person is None:
        raise ValidationError(str(NO_SUCH_NUMBER.format(number=number)))
    return person


def _pointed_at(payload: dict, person: Person) -> dict:
    """The change as if the phone had named ``person``; a new person's record becomes putting them on the
    roster (the person it would have created is already in the records)."""
    if payload.get("kind") == ChangeKind.PERSON_CREATE:
        payload = {key: payload[key] for key in ("id", "session", "seen_at", "recorded_at") if key in payload}
        payload["kind"] = ChangeKind.PARTICIPANT_ADD
    payload.pop("person_ref", None)
    payload["person"] = person.pk
    return payload


def _resolve_dependents(user, create: SyncChange) -> None:
    """The changes that named a new person now resolved (in the same transaction): each is applied to the
    person it became; one the rules refuse again stays a conflict, with its new reason."""
    waiting = SyncChange.objects.select_for_update().filter(
        user=create.user, status=ChangeStatus.CONFLICT, payload__person_ref=str(create.change_id)
    )
    for change in waiting.order_by("received_at", "position"):
        payload = _pointed_at(dict(change.payload), Person(pk=create.person_id_applied))
        parsed = _reapply(user, change, payload)
        if parsed.result.status == ChangeStatus.APPLIED:
            change.status = ChangeStatus.EDITED
            change.person_id_applied = parsed.person_id
            change.resolution = payload
            change.resolved_at = timezone.now()
            change.resolved_by = user
        else:
            change.code, change.params = parsed.result.code, parsed.result.params
        change.save()


def _edited(change: SyncChange, payload: dict, value) -> dict:
    if value in (None, ""):
        raise ValidationError(NOTHING_TO_EDIT)
    if change.kind == ChangeKind.SCORE:
        payload["value"] = str(_checked(_score, value))
    elif change.kind == ChangeKind.OUTCOME:
        if value not in Outcome.values:
            raise ValidationError(str(MISSING_FIELD.format(field="outcome", value=value)))
        payload["outcome"] = value
    elif change.kind == ChangeKind.ATTENDANCE:
        payload["present"] = str(value).lower() in ("1", "true", "yes", "on", "present")
    elif change.kind in (ChangeKind.PARTICIPANT_ADD,) or change.code in (CODE_PERSON_MERGED, CODE_PERSON_MISSING):
        payload["person"] = _checked(_int, value, "person")
        payload.pop("person_ref", None)
    else:
        raise ValidationError(NOTHING_TO_EDIT)
    return payload


def _checked(parse, value, name: str = "value"):
    try:
        return parse(value, name)
    except BadChange as error:
        raise ValidationError(str(MISSING_FIELD.format(field=error.field_name, value=_plain(error.value)))) from None
