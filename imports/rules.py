"""The cascade's integrity rules applied to a batch of imported rows, and each broken rule traced
back to the row and column that broke it.

The rules themselves are ``cascade.integrity.check_session`` and ``check_sessions`` (many sessions
in a few shared queries), never re-implemented here. They return finished messages;
``parse_violation`` reads back which rule a message states and whom it names (each message template
is turned into a pattern in the active language), so that an importer can put the reason on the
right row and column.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from django.utils.translation import get_language

from cascade import integrity
from cascade.integrity import SessionDraft, check_session, check_sessions

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


def sessions_violations(drafts: Sequence[SessionDraft]) -> list[list[Violation]]:
    """``session_violations`` of each draft, judged alone against the stored records, in a few shared
    queries (``cascade.integrity.check_sessions``). Drafts that must see one another's writes (a
    session whose trainers a participant of an earlier one trained) are checked one by one instead.
    """
    return [[parse_violation(message) for message in messages] for messages in check_sessions(drafts)]
