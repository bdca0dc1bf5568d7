"""Pages and files of the directorate audit. Each view: scope from the user (403 outside the
audit roles), filters through ``FactFilter`` (400 on a bad value), one selector, render."""

import logging

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import KombuError

from audit import records as record_lists
from audit import reports, sections
from audit.exports import file_response, spreadsheet
from audit.filters import DRILL_FIELDS, FORM_FIELDS, FactFilter, describe
from audit.models import ExportLog
from audit.pages import (
    ON_THEIR_OWN_PAGES,
    page_compute,
    page_key,
    query_as_data,
    scope_as_data,
    servable,
    stored_page,
    stored_pages_enabled,
)
from audit.selectors import MEASURES, audit_scope_for, filters_key, pending_changes
from audit.services import as_of, export_log_record, facts_state
from audit.snapshots import dashboard_for
from audit.tables import build_tables, querystring
from audit.tasks import page_refresh_later, programme_report_render
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
    form = error.filterset.form
    # Each error under the label the reader sees on the form, not the parameter's name.
    errors = [
        (form.fields[name].label if name in form.fields else "", messages) for name, messages in form.errors.items()
    ]
    return render(request, "audit/bad_filters.html", {"errors": errors}, status=400)


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
    pending = pending_changes()  # read before the figures: a refresh in between over-states, never hides
    key = page_key(scope, request.GET) if stored_pages_enabled() else None
    page = stored_page(key) if key else None
    if servable(page):
        if not page.current:
            _refresh_later(key, scope, request)
        context = {"body": page.html, "outdated": not page.current, "pending": pending}
        if pending:
            # A retired page shows the facts as they stood when it was rendered.
            context["figures_at"] = as_of(facts_state()) if page.current else page.rendered_at
        return render(request, "audit/dashboard.html", context)
    try:
        filterset, _plain = _filtered(request)
    except _BadFilters as error:
        return _bad_filters(request, error)
    body = page_compute(filterset=filterset, key=key, request=request)
    return render(request, "audit/dashboard.html", {"body": body, **_pending_context(pending)})


def _pending_context(pending: int) -> dict:
    """What a page computed from the current facts says about the changes they do not yet count."""
    return {"pending": pending, "figures_at": as_of(facts_state()) if pending else None}


def _refresh_later(key: str, scope, request: HttpRequest) -> None:
    page_refresh_later(key=key, scope=scope_as_data(scope), query=query_as_data(request.GET), language=get_language())


@login_required
def section_view(request: HttpRequest, section: str) -> HttpResponse:
    """One section of the dashboard (the plan, coverage, cascade health, stations) on its own page."""
    if section not in sections.SECTIONS:
        raise Http404
    pending = pending_changes()
    try:
        filterset, plain, dashboard, tables = _dashboard(request, export=False, skip=ON_THEIR_OWN_PAGES)
    except _BadFilters as error:
        return _bad_filters(request, error)
    title, slugs = sections.SECTIONS[section]
    never_reached = dashboard.figures["never_reached"]
    context = {
        **_pending_context(pending),
        "section": section,
        "title": title,
        "sections": sections.nav(),
        "section_tables": [tables[slug] for slug in slugs],
        "form_fields": [filterset.form[name] for name in FORM_FIELDS],
        "drill_fields": {name: plain[name] for name in DRILL_FIELDS if name in plain},
        "query": querystring(plain),
        "plan_lines": len(dashboard.figures["targets"]["lines"]),
        "never_reached": len(never_reached["stations"]) + len(never_reached["units"]),
    }
    return render(request, "audit/section.html", context)


@login_required
def table_view(request: HttpRequest, slug: str) -> HttpResponse:
    """One table of the dashboard on its own page (the long ones: every plan line, places never reached)."""
    pending = pending_changes()
    try:
        _filterset, plain, _dashboard_, tables = _dashboard(request, export=False)
    except _BadFilters as error:
        return _bad_filters(request, error)
    table = tables.get(slug)
    if table is None:
        raise Http404
    context = {"table": table, "query": querystring(plain), "count": len(table.rows), **_pending_context(pending)}
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
        "rows": _linked_rows(request.user, listing, page.object_list),
        "query": querystring(plain, measure=measure.name),
        "dashboard_query": querystring(plain),
    }
    return render(request, "audit/records.html", context)


def _linked_rows(user, listing: record_lists.Listing, items) -> list[list[tuple[object, str]]]:
    """The page's rows as (value, link) cells: a person's name links to their lineage page when
    ``user`` may open it, and is plain text otherwise."""
    items = list(items)
    ids = {listing.person_of(item) for item in items} - {None}
    visible = set(permissions.people_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    rows = []
    for item in items:
        person = listing.person_of(item)
        href = reverse("cascade:person_lineage", args=[person]) if person in visible else ""
        rows.append([(value, href if i == listing.name_column else "") for i, value in enumerate(listing.cells(item))])
    return rows


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


def _pdf_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="mps-{name}-{timezone.localdate():%Y%m%d}.pdf"'
    return response


def _pdf_view(request: HttpRequest, make, *, what: str, name: str) -> HttpResponse:
    try:
        plain, content = make(request.user, request.GET)
    except reports.BadFilters as error:
        return _bad_filters(request, _BadFilters(error.filterset))
    export_log_record(user=request.user, what=what, fmt="pdf", filters=plain, rows=0)
    return _pdf_response(content, name)


@login_required
def summary_view(request: HttpRequest) -> HttpResponse:
    """The programme on one page: the summary and coverage figures and the four charts."""
    return _pdf_view(request, reports.summary_pdf, what="summary", name="programme-summary")


@login_required
def report_view(request: HttpRequest) -> HttpResponse:
    """The full report in one response (for scripts and small scopes; the dashboard queues it)."""
    return _pdf_view(request, reports.full_pdf, what="report", name="programme-report")


@login_required
def report_start(request: HttpRequest) -> HttpResponse:
    """The full report of the dashboard's filters (in the query): a page naming them, whose button
    (a POST) queues the report and shows its progress."""
    if request.method != "POST":
        try:
            _filterset, plain = _filtered(request)
        except _BadFilters as error:
            return _bad_filters(request, error)
        context = {"job": None, "confirm": True, "filters": describe(plain), "query": querystring(plain)}
        return render(request, "audit/report_progress.html", context)
    try:
        token = reports.job_start(user=request.user, query=request.GET, language=get_language())
    except reports.BadFilters as error:
        return _bad_filters(request, _BadFilters(error.filterset))
    try:
        programme_report_render.delay_on_commit(token)
    except KombuError:
        logger.warning("could not queue programme report %s", token, exc_info=True)
        return render(request, "audit/report_progress.html", {"job": None, "unavailable": True}, status=503)
    return redirect("audit:report_job", token=token)


@login_required
def report_job_view(request: HttpRequest, token: str) -> HttpResponse:
    """The progress of one full report; the page reloads itself until the file is ready."""
    job = reports.job_for(token, request.user)
    if job is None:
        raise Http404
    context = {"job": job, "token": token, "filters": describe(job.get("filters") or {}) if job["finished"] else []}
    return render(request, "audit/report_progress.html", context)


@login_required
def report_download(request: HttpRequest, token: str) -> HttpResponse:
    job = reports.job_for(token, request.user)
    if job is None or job["stage"] != "done":
        raise Http404
    with reports.job_file(job) as stored:
        content = stored.read()
    export_log_record(user=request.user, what="report", fmt="pdf", filters=job.get("filters") or {}, rows=0)
    return _pdf_response(content, "programme-report")


@login_required
def export_log_view(request: HttpRequest) -> HttpResponse:
    """The export log, for the directorate (auditors and administrators)."""
    if not permissions.sees_everything(request.user):
        raise PermissionDenied
    page = Paginator(ExportLog.objects.all(), 100).get_page(request.GET.get("page"))
    entries = [(entry, export_what(entry.what), describe(entry.filters or {})) for entry in page.object_list]
    return render(request, "audit/export_log.html", {"page": page, "entries": entries})


def export_what(what: str) -> str:
    """What an export log entry exported, named as the dashboard names it."""
    if what.startswith("records:"):
        measure = MEASURES.get(what.removeprefix("records:"))
        return str(record_lists.measure_title(measure)) if measure else what
    named = {"report": _("Full programme report"), "summary": _("One-page summary")}
    return str(named.get(what) or sections.TABLE_TITLES.get(what) or what)
