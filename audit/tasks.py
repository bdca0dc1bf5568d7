"""Background work that keeps the audit's summary tables current."""

from celery import shared_task

from audit import pages, services
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


@shared_task
def dashboard_page_refresh(*, scope: dict, query: dict, language: str) -> bool:
    """Render one retired dashboard page again from the current facts (see ``audit.pages``)."""
    return pages.page_refresh(scope=pages.scope_from_data(scope), query=query, language=language)
