"""The dashboard's rendered pages, stored so that a request answers from one row.

A stored page is the dashboard's body (everything inside the site's layout) for one scope, one
query, one language and the page's small-group setting, rendered from the figures of one facts
version. A request reads it in one query that also checks the version against ``FactsState``, so
a rebuild or a session refresh retires every stored page at once; the site's layout (header,
language switch, CSRF token) is still rendered for each request. The query is keyed as it was
sent (its filter parameters, sorted, empty ones dropped): only a query whose filters were valid
is ever stored, under the scope of the user who sent it, so a governorate officer or a centre
manager can only ever be served a page of their own scope.
"""

import hashlib
import json
from collections.abc import Mapping

from django.conf import settings
from django.db.models import Subquery
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from audit.charts import dashboard_charts
from audit.filters import DRILL_FIELDS, FORM_FIELDS, FactFilter
from audit.models import DashboardPage, FactsState
from audit.selectors import AuditScope, Dashboard
from audit.services import as_of
from audit.tables import build_tables, querystring, small_group_threshold, suppress_small_groups

# Long tables the dashboard links to instead of showing (``table_view``).
ON_THEIR_OWN_PAGES = frozenset({"target_lines", "never_reached"})
# The query parameters the filters read (the period is two dates).
QUERY_PARAMETERS = frozenset(
    {name for name in FORM_FIELDS + DRILL_FIELDS if name != "period"} | {"period_after", "period_before"}
)


def stored_pages_enabled() -> bool:
    """``AUDIT_STORED_PAGES`` (default on); off, every request renders its page."""
    return bool(getattr(settings, "AUDIT_STORED_PAGES", True))


def page_key(scope: AuditScope, query: Mapping, language: str | None = None) -> str:
    """The stored page's key for a scope and a query (a ``QueryDict`` or a dict of strings)."""
    lists = query.lists() if hasattr(query, "lists") else ((k, [v]) for k, v in query.items())
    items = sorted((name, value) for name, values in lists if name in QUERY_PARAMETERS for value in values if value)
    parts = [
        scope.key,
        items,
        language or get_language(),
        suppress_small_groups(export=False),
        small_group_threshold(),
    ]
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def stored_page(key: str) -> SafeString | None:
    """The stored page under ``key`` if it was rendered from the current facts version."""
    current = FactsState.objects.filter(pk=1).values("version")[:1]
    html = DashboardPage.objects.filter(key=key, version=Subquery(current)).values_list("html", flat=True).first()
    # Stored pages are our own rendering, every text in it escaped when it was rendered.
    return mark_safe(html) if html is not None else None  # noqa: S308


def page_store(key: str, *, version: int, html: str) -> None:
    DashboardPage.objects.update_or_create(key=key, defaults={"version": version, "html": html})


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
    }
    return render_to_string("audit/_dashboard_body.html", context, request=request)
