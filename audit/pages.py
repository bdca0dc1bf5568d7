"""The dashboard's rendered pages, stored so that a request answers from one row.

A stored page is the dashboard's body (everything inside the site's layout) for one scope, one
query, one language and the page's small-group setting, rendered from the figures of one facts
version. A request reads it in one query that also checks the version against ``FactsState``, so
a rebuild or a session refresh retires every stored page at once; the site's layout (header,
language switch, CSRF token) is still rendered for each request. The query is keyed as it was
sent (its filter parameters, sorted, empty ones dropped): only a query whose filters were valid
is ever stored, under the scope of the user who sent it, so a governorate officer or a centre
manager can only ever be served a page of their own scope.

A session saved anywhere bumps the facts version and so retires every stored page at once. A
retired page that took less than ``AUDIT_INLINE_RENDER_MS`` to compute (most pages, since the
summary cells) is computed again in the request: the figures are then as current as the records.
Where tasks run on workers, a request that finds a slower retired page (rendered within
``AUDIT_STALE_PAGE_SECONDS``) is answered with it, marked as older than the records, and one
background task per page renders it again from the current facts: a dashboard that costs seconds
to compute is not recomputed by every auditor who opens it after each save. The page prints when
its figures were counted either way.
"""

import functools
import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db.models import Subquery
from django.http import QueryDict
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import get_text_list
from django.utils.translation import get_language, gettext, override

from audit import charts as charts_module
from audit import sections
from audit.charts import dashboard_charts
from audit.filters import DRILL_FIELDS, FORM_FIELDS, FactFilter
from audit.models import DashboardPage, FactsState
from audit.selectors import AuditScope, Dashboard, filters_key
from audit.services import as_of, facts_state
from audit.snapshots import dashboard_for
from audit.tables import build_tables, querystring, small_group_threshold, suppress_small_groups
from lms.models import Governorate, TrainingCentre, in_reading_order

# Long tables the dashboard links to instead of showing (``table_view``).
ON_THEIR_OWN_PAGES = frozenset({"target_lines", "never_reached"})
# The query parameters the filters read (the period is two dates).
QUERY_PARAMETERS = frozenset(
    {name for name in FORM_FIELDS + DRILL_FIELDS if name != "period"} | {"period_after", "period_before"}
)


def stored_pages_enabled() -> bool:
    """``AUDIT_STORED_PAGES`` (default on); off, every request renders its page."""
    return bool(getattr(settings, "AUDIT_STORED_PAGES", True))


# The templates a stored body is rendered from.
BODY_TEMPLATES = ("audit/_dashboard_body.html", "audit/_nav.html", "audit/_filters.html", "audit/_table.html")


@functools.cache
def layout_digest() -> str:
    """A digest of the body's templates (and the charts' code): a release that changes how the
    page looks stores new pages under new keys instead of serving bodies in the old layout."""
    digest = hashlib.sha256()
    for name in BODY_TEMPLATES:
        digest.update(get_template(name).template.source.encode())
    digest.update(Path(charts_module.__file__).read_bytes())
    return digest.hexdigest()[:16]


def page_key(scope: AuditScope, query: Mapping, language: str | None = None) -> str:
    """The stored page's key for a scope and a query (a ``QueryDict`` or a dict of strings)."""
    chosen = query_as_data(query)
    items = sorted((name, value) for name, values in chosen.items() for value in values if value)
    parts = [
        scope.key,
        items,
        language or get_language(),
        suppress_small_groups(export=False),
        small_group_threshold(),
        layout_digest(),
    ]
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class StoredPage:
    html: SafeString
    current: bool  # rendered from the current facts version
    rendered_at: datetime
    render_ms: int


def stored_page(key: str) -> StoredPage | None:
    """The page stored under ``key``, current or not, in one query."""
    current = FactsState.objects.filter(pk=1).values("version")[:1]
    row = (
        DashboardPage.objects.filter(key=key)
        .annotate(current_version=Subquery(current))
        .values_list("html", "version", "current_version", "rendered_at", "render_ms")
        .first()
    )
    if row is None:
        return None
    html, version, current_version, rendered_at, render_ms = row
    # Stored pages are our own rendering, every text in it escaped when it was rendered.
    return StoredPage(mark_safe(html), version == (current_version or 0), rendered_at, render_ms)  # noqa: S308


def stale_pages_served() -> bool:
    """Retired pages are served meanwhile only where a worker renders the new one; with tasks run
    eagerly (the embedded default) the request itself renders it, as fast as the data is small."""
    return not settings.CELERY_TASK_ALWAYS_EAGER and stale_page_seconds() > 0


def stale_page_seconds() -> int:
    return int(getattr(settings, "AUDIT_STALE_PAGE_SECONDS", 3600))


def inline_render_ms() -> int:
    return int(getattr(settings, "AUDIT_INLINE_RENDER_MS", 1000))


def servable(page: StoredPage | None) -> bool:
    """Serve this stored page as it is: current, or retired recently enough while a new one is
    rendered, when rendering it again would keep the request waiting."""
    if page is None:
        return False
    if page.current:
        return True
    return (
        stale_pages_served()
        and page.render_ms >= inline_render_ms()
        and page.rendered_at >= timezone.now() - timedelta(seconds=stale_page_seconds())
    )


def refresh_claim(key: str) -> bool:
    """True for the first request that finds ``key`` retired; later ones leave the refresh to it."""
    return cache.add(f"audit:page-refresh:{key}", 1, timeout=stale_page_seconds())


def refresh_release(key: str) -> None:
    cache.delete(f"audit:page-refresh:{key}")


# The page read most: the Directorate's, for the whole country, with no filter, in the site's language.
NATIONAL_PAGE = {"scope": {"everything": True, "governorate_ids": [], "centre_ids": []}, "query": {}}


def national_page_key() -> str | None:
    """The national page's key when a worker that just refreshed facts should queue its render now.

    Where tasks run on workers, the page is rendered as soon as the facts change rather than when
    a reader first finds it retired: the render then overlaps no one's wait (one queued at a time,
    ``audit.tasks.page_refresh_later``). In the embedded default (tasks run in the saving request)
    the page is left to its next reader, so that a save does not wait for a render."""
    if settings.CELERY_TASK_ALWAYS_EAGER or not stored_pages_enabled():
        return None
    return page_key(scope_from_data(NATIONAL_PAGE["scope"]), {}, settings.LANGUAGE_CODE)


def scope_as_data(scope: AuditScope) -> dict:
    """A scope as a task's JSON argument (``scope_from_data`` reverses it)."""
    return {
        "everything": scope.everything,
        "governorate_ids": sorted(scope.governorate_ids),
        "centre_ids": sorted(scope.centre_ids),
    }


def scope_from_data(data: Mapping) -> AuditScope:
    return AuditScope(
        everything=bool(data["everything"]),
        governorate_ids=frozenset(data["governorate_ids"]),
        centre_ids=frozenset(data["centre_ids"]),
    )


def query_as_data(query: Mapping) -> dict[str, list[str]]:
    """The filter parameters of a query (a ``QueryDict``), as a task's JSON argument."""
    return {name: list(values) for name, values in _query_lists(query) if name in QUERY_PARAMETERS}


def _query_lists(query: Mapping):
    """(name, values) pairs of a ``QueryDict`` or of a plain dict of strings."""
    return query.lists() if hasattr(query, "lists") else ((k, [v]) for k, v in query.items())


def page_store(key: str, *, version: int, html: str, render_ms: int) -> None:
    DashboardPage.objects.update_or_create(key=key, defaults={"version": version, "html": html, "render_ms": render_ms})


def page_render(
    *, filterset: FactFilter, plain: dict, dashboard: Dashboard, state: FactsState, request=None
) -> SafeString:
    """The dashboard's body for these figures, in the active language."""
    tables = build_tables(dashboard.figures, plain, skip=ON_THEIR_OWN_PAGES)
    never_reached = dashboard.figures["never_reached"]
    context = {
        "filter": filterset,
        "form_fields": [filterset.form[name] for name in FORM_FIELDS],
        "drill_fields": {name: plain[name] for name in DRILL_FIELDS if name in plain},
        "tables": tables,
        "charts": dashboard_charts(dashboard.figures, tables),
        "as_of": as_of(state),
        "rebuilt_at": state.rebuilt_at,
        "query": querystring(plain),
        "never_reached": len(never_reached["stations"]) + len(never_reached["units"]),
        "can_read_log": filterset.scope.everything,  # the export log is the directorate's
        "plan_lines": len(dashboard.figures["targets"]["lines"]),
        "sections": sections.nav(),
        "scope_places": scope_places(filterset.scope),
    }
    return render_to_string("audit/_dashboard_body.html", context, request=request)


def scope_places(scope: AuditScope) -> str:
    """The governorates and training centres a scoped reader's figures are limited to, named in the
    active language ("" for the whole country): the page says so, so that a governorate's figures
    are not read as the nation's."""
    if scope.everything:
        return ""
    governorates = in_reading_order(Governorate.objects.filter(pk__in=scope.governorate_ids))
    centres = in_reading_order(TrainingCentre.objects.filter(pk__in=scope.centre_ids))
    return get_text_list([str(place.name) for place in [*governorates, *centres]], gettext("and"))


def page_compute(*, filterset: FactFilter, key: str | None, request=None) -> SafeString:
    """Render the page of a validated filter set from the current facts, storing it under ``key``."""
    state = facts_state()
    cleaned = filterset.cleaned if filterset.is_bound else {}
    dashboard = dashboard_for(filterset.scope, filterset.qs, cleaned, version=state.version)
    rendering = time.monotonic()
    html = page_render(
        filterset=filterset, plain=filters_key(cleaned), dashboard=dashboard, state=state, request=request
    )
    if key:
        # What computing this page anew costs: its figures (even when another language's page
        # already stored them) and its rendering.
        cost = dashboard.computed_ms + int((time.monotonic() - rendering) * 1000)
        page_store(key, version=state.version, html=html, render_ms=cost)
    return html


def page_refresh(*, scope: AuditScope, query: Mapping, language: str) -> bool:
    """Render and store the page of ``scope`` and ``query`` from the current facts; False for a
    query whose filters are no longer valid (a centre since removed), which stores nothing."""
    params = QueryDict(mutable=True)
    for name, values in query.items():
        params.setlist(name, list(values))
    key = page_key(scope, params, language)
    try:
        with override(language):
            filterset = FactFilter(params or None, scope=scope)
            if filterset.is_bound and not filterset.is_valid():
                return False
            page_compute(filterset=filterset, key=key)
            return True
    finally:
        refresh_release(key)
