"""Pages and files of the directorate audit. Each view: scope from the user (403 outside the
audit roles), filters through ``FactFilter`` (400 on a bad value), one selector, render."""

import logging
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from kombu.exceptions import KombuError

from audit import records as record_lists
from audit.charts import dashboard_charts
from audit.exports import file_response, spreadsheet
from audit.filters import FORM_FIELDS, FactFilter
from audit.models import ExportLog
from audit.pages import (
    page_compute,
    page_key,
    query_as_data,
    refresh_claim,
    refresh_release,
    scope_as_data,
    servable,
    stored_page,
    stored_pages_enabled,
)
from audit.pdf import render_pdf
from audit.selectors import MEASURES, audit_scope_for, dashboard_for, filters_key
from audit.services import as_of, export_log_record, facts_state
from audit.tables import build_tables, querystring
from audit.tasks import dashboard_page_refresh
from cascade import permissions

RECORDS_PER_PAGE = 50
logger = logging.getLogger(__name__)


def _filtered(request: HttpRequest) -> tuple[FactFilter, dict]:
    scope = audit_scope_for(request.user)
    filterset = FactFilter(request.GET or None, scope=scope)
    if filterset.is_bound and not filterset.is_valid():
        raise _BadFilters(filterset)
    return filterset, filters_key(filterset.cleaned if filterset.is_bound else {})


class _BadFilters(Exception):
    def __init__(self, filterset: FactFilter) -> None:
        self.filterset = filterset


def _bad_filters(request: HttpRequest, error: _BadFilters) -> HttpResponse:
    return render(request, "audit/bad_filters.html", {"errors": error.filterset.form.errors}, status=400)


def _dashboard(request: HttpRequest, *, export: bool, skip: frozenset[str] = frozenset()):
    filterset, plain = _filtered(request)
    cleaned = filterset.cleaned if filterset.is_bound else {}
    dashboard = dashboard_for(filterset.scope, filterset.qs, cleaned)
    tables = build_tables(dashboard.figures, plain, export=export, skip=skip)
    return filterset, plain, dashboard, tables


@login_required
def dashboard_view(request: HttpRequest) -> HttpResponse:
    """The stored page when there is one for the current facts (or a recently retired one while a
    worker renders the new one); else the figures (stored or computed), rendered and stored for
    the next request."""
    scope = audit_scope_for(request.user)
    key = page_key(scope, request.GET) if stored_pages_enabled() else None
    page = stored_page(key) if key else None
    if servable(page):
        if not page.current:
            _refresh_later(key, scope, request)
        return render(request, "audit/dashboard.html", {"body": page.html, "outdated": not page.current})
    try:
        filterset, _plain = _filtered(request)
    except _BadFilters as error:
        return _bad_filters(request, error)
    body = page_compute(filterset=filterset, key=key, request=request)
    return render(request, "audit/dashboard.html", {"body": body})


def _refresh_later(key: str, scope, request: HttpRequest) -> None:
    """Queue one render of a retired page; a broker that is down leaves the retired page served
    (and the next request tries again) rather than failing the page."""
    if not refresh_claim(key):
        return
    try:
        dashboard_page_refresh.delay_on_commit(
            scope=scope_as_data(scope), query=query_as_data(request.GET), language=get_language()
        )
    except KombuError:
        logger.warning("could not queue the refresh of dashboard page %s", key, exc_info=True)
        refresh_release(key)


@login_required
def table_view(request: HttpRequest, slug: str) -> HttpResponse:
    """One table of the dashboard on its own page (the long ones: every plan line, places never reached)."""
    try:
        _filterset, plain, _dashboard_, tables = _dashboard(request, export=False)
    except _BadFilters as error:
        return _bad_filters(request, error)
    table = tables.get(slug)
    if table is None:
        raise Http404
    context = {"table": table, "query": querystring(plain), "count": len(table.rows)}
    return render(request, "audit/table.html", context)


@login_required
def export_table_view(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    try:
        _filterset, plain, _dashboard_, tables = _dashboard(request, export=True)
    except _BadFilters as error:
        return _bad_filters(request, error)
    table = tables.get(slug)
    if table is None:
        raise Http404
    rows = [[cell.value for cell in row] for row in table.rows]
    content = spreadsheet(fmt, title=str(table.title), headers=[str(h) for h in table.headers], rows=rows)
    export_log_record(user=request.user, what=slug, fmt=fmt, filters=plain, rows=len(rows))
    return file_response(content, filename=f"mps-{slug}-{timezone.localdate():%Y%m%d}", fmt=fmt)


def _records(request: HttpRequest):
    filterset, plain = _filtered(request)
    measure = MEASURES.get(request.GET.get("measure", ""))
    if measure is None:
        raise Http404
    return plain, measure, record_lists.record_list(measure, filterset.qs)


@login_required
def records_view(request: HttpRequest) -> HttpResponse:
    try:
        plain, measure, listing = _records(request)
    except _BadFilters as error:
        return _bad_filters(request, error)
    page = Paginator(listing.rows, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "measure": measure,
        "title": record_lists.measure_title(measure),
        "listing": listing,
        "page": page,
        "rows": [listing.cells(item) for item in page.object_list],
        "query": querystring(plain, measure=measure.name),
        "dashboard_query": querystring(plain),
    }
    return render(request, "audit/records.html", context)


@login_required
def export_records_view(request: HttpRequest, fmt: str) -> HttpResponse:
    try:
        plain, measure, listing = _records(request)
    except _BadFilters as error:
        return _bad_filters(request, error)
    rows = [listing.cells(item) for item in listing.rows.iterator(chunk_size=2000)]
    content = spreadsheet(
        fmt, title=str(record_lists.measure_title(measure)), headers=[str(h) for h in listing.headers], rows=rows
    )
    export_log_record(user=request.user, what=f"records:{measure.name}", fmt=fmt, filters=plain, rows=len(rows))
    return file_response(content, filename=f"mps-records-{measure.name}-{timezone.localdate():%Y%m%d}", fmt=fmt)


@login_required
def report_view(request: HttpRequest) -> HttpResponse:
    try:
        filterset, plain, dashboard, tables = _dashboard(request, export=True)
    except _BadFilters as error:
        return _bad_filters(request, error)
    state = facts_state()
    filters_text = [
        (str(filterset.form[name].label), _filter_value_text(filterset, name)) for name in FORM_FIELDS if name in plain
    ]
    context = {
        "tables": tables,
        "charts": dashboard_charts(dashboard.figures, tables),
        "as_of": as_of(state),
        "generated_at": timezone.now(),
        "filters_text": filters_text,
        "user": request.user,
        "charts_css": (Path(settings.BASE_DIR) / "audit" / "static" / "audit" / "charts.css").as_uri(),
    }
    content = render_pdf("audit/report.html", context)
    export_log_record(user=request.user, what="report", fmt="pdf", filters=plain, rows=0)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="mps-programme-report-{timezone.localdate():%Y%m%d}.pdf"'
    return response


@login_required
def export_log_view(request: HttpRequest) -> HttpResponse:
    """The export log, for the directorate (auditors and administrators)."""
    if not permissions.sees_everything(request.user):
        raise PermissionDenied
    page = Paginator(ExportLog.objects.all(), 100).get_page(request.GET.get("page"))
    return render(request, "audit/export_log.html", {"page": page})


def _filter_value_text(filterset: FactFilter, name: str) -> str:
    value = filterset.cleaned.get(name)
    if name == "period" and value is not None:
        return f"{value.start or '…'} – {value.stop or '…'}"
    field = filterset.form.fields[name]
    choices = dict(getattr(field, "choices", []) or [])
    if hasattr(value, "pk"):
        return str(value)
    return str(choices.get(value, value))
