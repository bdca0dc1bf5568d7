"""Stored dashboard figures: the figures of one scope and filter set for a facts version, read from
their snapshot (``DashboardSnapshot``) or computed (``audit.selectors.figures_compute``) and stored
for the next reader. The one place the snapshots are written; the selectors only read."""

import json
import time

from django.db.models import QuerySet

from audit.models import DashboardSnapshot, ParticipationFact
from audit.selectors import AuditScope, Dashboard, _json_default, figures_compute, snapshot_key
from audit.services import facts_state


def dashboard_for(
    scope: AuditScope, facts: QuerySet[ParticipationFact], filters: dict, *, version: int | None = None
) -> Dashboard:
    """The dashboard's figures from the stored snapshot for the current facts version (or
    ``version``, read by the caller), computing and storing them when there is none yet."""
    state = facts_state()
    version = state.version if version is None else version
    key = snapshot_key(scope, filters)
    stored = DashboardSnapshot.objects.filter(key=key, version=version).first()
    if stored is not None:
        return Dashboard(stored.payload, version, stored.compute_ms, True)
    started = time.monotonic()
    figures = figures_compute(scope, facts, filters, state=state)
    return snapshot_store(scope, filters, figures, version=version, ms=int((time.monotonic() - started) * 1000))


def snapshot_store(scope: AuditScope, filters: dict, figures: dict, *, version: int, ms: int) -> Dashboard:
    """Store one dashboard's figures (as JSON) for a facts version."""
    payload = json.loads(json.dumps(figures, default=_json_default))
    DashboardSnapshot.objects.update_or_create(
        key=snapshot_key(scope, filters), defaults={"version": version, "payload": payload, "compute_ms": ms}
    )
    return Dashboard(payload, version, ms, False)
