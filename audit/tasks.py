"""Background work that keeps the audit's summary tables current."""

import logging

from celery import shared_task
from django.conf import settings
from kombu.exceptions import KombuError

from audit import pages, reports, services
from audit.warm import snapshots_warm

logger = logging.getLogger(__name__)


@shared_task
def facts_rebuild() -> int:
    """Rebuild every participation fact, then store the national dashboard for each single filter."""
    state = services.facts_rebuild()
    snapshots_warm()
    return state.rows


@shared_task
def sessions_facts_refresh(session_ids: list[int]) -> int:
    """Recompute the facts of the sessions one ``sessions_changed`` named (idempotent: run twice, same
    facts), then queue the render of the national page (``pages.national_page_claim``)."""
    count = services.sessions_facts_refresh(session_ids=session_ids)
    if key := pages.national_page_key():
        page_refresh_later(key=key, **pages.NATIONAL_PAGE, language=settings.LANGUAGE_CODE)
    return count


def page_refresh_later(*, key: str, scope: dict, query: dict, language: str) -> None:
    """Queue one render of the retired page ``key`` after the commit, unless one is queued already
    (``pages.refresh_claim``). A broker that is down leaves the retired page served, and the next
    reader tries again, rather than failing the page or the refresh."""
    if not pages.refresh_claim(key):
        return
    try:
        dashboard_page_refresh.delay_on_commit(scope=scope, query=query, language=language)
    except KombuError:
        logger.warning("could not queue the refresh of dashboard page %s", key, exc_info=True)
        pages.refresh_release(key)


@shared_task
def dashboard_page_refresh(*, scope: dict, query: dict, language: str) -> bool:
    """Render one retired dashboard page again from the current facts (see ``audit.pages``)."""
    return pages.page_refresh(scope=pages.scope_from_data(scope), query=query, language=language)


@shared_task
def programme_report_render(token: str) -> bool:
    """Render the full programme report of one job (``audit.reports``) and store its PDF."""
    return reports.job_run(token)
