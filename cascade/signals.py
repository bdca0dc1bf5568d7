"""The one signal the cascade sends to the layers above it: which sessions' records changed.

``sessions_changed`` is sent once per committed transaction that wrote sessions, their trainers or
participations, after the commit (nothing is sent for a write that rolls back). Keyword arguments:

- ``session_ids``: a frozenset of the ids of the sessions written, and of every session whose stored
  generation (``SessionGeneration``) the write moved further down the cascade;
- ``everything``: True after a load or restore that replaced records wholesale (the demo builder,
  a restored backup): every derived figure is to be counted afresh.

Writers call ``sessions_note`` inside their transaction; the ids of one transaction are gathered
and sent together. The audit listens (``audit.signals``) and refreshes its facts; a write that
changed nothing notes nothing, so nothing is refreshed.
"""

from collections.abc import Iterable

from django.db import connection, transaction
from django.dispatch import Signal

sessions_changed = Signal()

_PENDING = "_cascade_sessions_changed"


def _pending() -> dict:
    pending = getattr(connection, _PENDING, None)
    if pending is None:
        pending = {"ids": set(), "everything": False}
        setattr(connection, _PENDING, pending)
    return pending


def _send() -> None:
    pending = _pending()
    ids, everything = frozenset(pending["ids"]), pending["everything"]
    if not ids and not everything:
        return  # another callback of this transaction already sent them
    pending["ids"].clear()
    pending["everything"] = False
    sessions_changed.send(sender=None, session_ids=ids, everything=everything)


def sessions_note(session_ids: Iterable[int], *, everything: bool = False) -> None:
    """Record that ``session_ids`` changed (or, with ``everything``, all records); sent after the commit.

    Every call registers the same idempotent sender, so one signal carries the ids of the whole
    transaction even when a savepoint that noted some of them rolled back (its ids are then sent
    with the rest: a refresh too many, never one too few).
    """
    ids = {int(pk) for pk in session_ids if pk is not None}
    if not ids and not everything:
        return
    pending = _pending()
    if not any(func is _send for _sids, func, _robust in connection.run_on_commit):
        # No sender waits for this transaction: what is pending was noted by one that rolled back.
        pending["ids"].clear()
        pending["everything"] = False
    pending["ids"] |= ids
    pending["everything"] = pending["everything"] or everything
    transaction.on_commit(_send)
