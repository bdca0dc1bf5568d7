"""The cascade's integrity rules applied to a batch of imported rows, and each broken rule traced
back to the row and column that broke it.

The rules themselves are ``cascade.integrity.check_session`` — one call per session the file
touches, never re-implemented here. It returns finished messages; ``parse_violation`` reads back
which rule a message states and whom it names (each message template is turned into a pattern
in the active language), so that an importer can put the reason on the right row and column.
"""

import re
from dataclasses import dataclass
from functools import cache

from django.utils.translation import get_language

from cascade import integrity
from cascade.integrity import SessionDraft, check_session

RULE_TEMPLATES = {
    "dates": integrity.DATES_OUT_OF_ORDER,
    "score": integrity.SCORE_OUT_OF_RANGE,
    "duplicate_participant": integrity.DUPLICATE_PARTICIPANT,
    "duplicate_trainer": integrity.DUPLICATE_TRAINER,
    "self_training": integrity.SELF_TRAINING,
    "cycle": integrity.LINEAGE_CYCLE,
    "not_qualified": integrity.TRAINER_NOT_QUALIFIED,
    "no_trainer": integrity.NO_TRAINER,
    "closed": integrity.SESSION_CLOSED,
}
# Rules added to cascade.integrity later are read back the same way when present.
for _rule, _name in (
    ("days_too_many", "DAYS_ATTENDED_TOO_MANY"),
    ("day_outside", "ATTENDANCE_DAY_OUTSIDE"),
    ("headcount", "HEADCOUNT_BELOW_NAMED"),
):
    if hasattr(integrity, _name):
        RULE_TEMPLATES[_rule] = getattr(integrity, _name)


@dataclass(frozen=True)
class Violation:
    rule: str  # a key of RULE_TEMPLATES, or "other" for a message no template produced
    params: dict
    message: str


@cache
def _patterns(language: str) -> list[tuple[str, re.Pattern]]:
    patterns = []
    for rule, template in RULE_TEMPLATES.items():
        parts = re.split(r"\{(\w+)\}", str(template))
        regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
        patterns.append((rule, re.compile(f"^{regex}$", re.DOTALL)))
    return patterns


def parse_violation(message) -> Violation:
    message = str(message)
    for rule, pattern in _patterns(get_language() or "ar"):
        if match := pattern.match(message):
            return Violation(rule, match.groupdict(), message)
    return Violation("other", {}, message)


def session_violations(draft: SessionDraft) -> list[Violation]:
    """Every rule ``draft`` breaks (``cascade.integrity.check_session``), read back as violations."""
    return [parse_violation(message) for message in check_session(draft)]


class NewSessionRules:
    """``session_violations`` for many sessions of one file, asking the rules once per distinct case.

    A session with no participants yet is judged on its kind, course, dates and trainers alone
    (no lineage edge runs through it), so two such sessions that differ only by reference break
    the same rules: the rules run for the first, and the second gets the same violations, stated
    for its own reference. Sessions with participants always go to the rules themselves.
    """

    def __init__(self) -> None:
        self._known: dict[tuple, list[Violation]] = {}

    def violations(self, draft: SessionDraft) -> list[Violation]:
        if draft.participants:
            return session_violations(draft)
        case = (
            draft.kind,
            draft.course_id,
            draft.start_date,
            draft.end_date,
            tuple(draft.trainer_ids),
            draft.was_closed,
        )
        known = self._known.get(case)
        if known is None:
            known = session_violations(draft)
            if any(v.rule == "other" for v in known):
                return known  # a message we cannot restate: never reused
            self._known[case] = known
        return [_restated(v, draft.ref) for v in known]


def _restated(violation: Violation, ref: str) -> Violation:
    if violation.params.get("session") == ref:
        return violation
    params = {**violation.params, "session": ref}
    return Violation(violation.rule, params, str(RULE_TEMPLATES[violation.rule].format(**params)))
