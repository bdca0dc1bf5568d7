"""Background work that keeps the audit's summary tables current."""

from celery import shared_task

from audit import services
from audit.warm import snapshots_warm


@shared_task
def facts_rebuild() -> int:
    """Rebuild every participation fact, then store the national dashboard for each single filter."""
    state = services.facts_rebuild()
    snapshots_warm()
    return state.rows


@shared_task
def session_facts_refresh(session_id: int) -> int:
    """Recompute one session's facts after a write to the session, its trainers or participants."""
    return services.session_facts_refresh(session_id=session_id)
