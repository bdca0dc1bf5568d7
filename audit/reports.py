"""The programme's PDF reports: the one-page summary, rendered while the user waits (a second or
two), and the full report, rendered by a background task (Celery; run eagerly in the embedded
default) while the user watches a progress page.

A full-report job is a token: its state lives in the cache (``audit:report:<token>``: the
account that asked, the query, the stage and, when done, the file), and its PDF in the private
storage (``STORAGES["certificates"]``, outside MEDIA_ROOT, never served by the web server) under
``audit-reports/``. Only the account that asked may read the job or download the file; files
older than ``REPORT_KEEP_SECONDS`` are swept when a new job starts.
"""

import secrets
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from audit.charts import dashboard_charts
from audit.filters import FactFilter, describe
from audit.pdf import render_pdf
from audit.selectors import audit_scope_for, filters_key, pending_changes
from audit.services import as_of, facts_state
from audit.snapshots import dashboard_for
from audit.tables import build_tables

REPORT_KEEP_SECONDS = 24 * 3600
FOLDER = "audit-reports"
# Stage → (share of the work done, what the progress page says).
STAGES = {
    "queued": (5, _("Waiting for a worker")),
    "counting": (25, _("Counting the figures")),
    "laying_out": (60, _("Laying out the pages")),
    "done": (100, _("Ready")),
    "failed": (100, _("The report could not be made")),
}


class BadFilters(ValueError):
    def __init__(self, filterset: FactFilter) -> None:
        super().__init__("invalid filters")
        self.filterset = filterset


def _filterset(user, query: QueryDict) -> FactFilter:
    filterset = FactFilter(query or None, scope=audit_scope_for(user))
    if filterset.is_bound and not filterset.is_valid():
        raise BadFilters(filterset)
    return filterset


def report_context(user, query: QueryDict, *, summary: bool) -> tuple[dict, dict]:
    """(the filters as JSON values, the template context) of a report for ``user`` and ``query``;
    ``BadFilters`` when a filter is invalid, ``PermissionDenied`` for a user outside the audit."""
    filterset = _filterset(user, query)
    cleaned = filterset.cleaned if filterset.is_bound else {}
    plain = filters_key(cleaned)
    pending = pending_changes()  # read before the figures, as the dashboard does
    dashboard = dashboard_for(filterset.scope, filterset.qs, cleaned)
    skip = frozenset({"target_lines", "never_reached"}) if summary else frozenset()
    tables = build_tables(dashboard.figures, plain, export=True, skip=skip)
    figures_at = as_of(facts_state())
    context = {
        "tables": tables,
        "charts": dashboard_charts(dashboard.figures, tables),
        "as_of": figures_at,
        "pending": pending,  # what the figures do not yet count (audit/_pending.html)
        "figures_at": figures_at,
        "generated_at": timezone.now(),
        "filters_text": describe(plain),
        "user": user,
        "charts_css": (Path(settings.BASE_DIR) / "audit" / "static" / "audit" / "charts.css").as_uri(),
    }
    return plain, context


def summary_pdf(user, query: QueryDict) -> tuple[dict, bytes]:
    plain, context = report_context(user, query, summary=True)
    return plain, render_pdf("audit/summary.html", context)


def full_pdf(user, query: QueryDict) -> tuple[dict, bytes]:
    plain, context = report_context(user, query, summary=False)
    return plain, render_pdf("audit/report.html", context)


# --- the full report as a job ------------------------------------------------------------------


def _key(token: str) -> str:
    return f"audit:report:{token}"


def job_start(*, user, query: QueryDict, language: str) -> str:
    """Validate the filters, record a new job and return its token (the caller queues the task)."""
    _filterset(user, query)  # invalid filters are refused before anything is queued
    _sweep()
    token = secrets.token_urlsafe(16)
    job = {"user": user.pk, "query": {k: query.getlist(k) for k in query}, "language": language, "stage": "queued"}
    cache.set(_key(token), job, REPORT_KEEP_SECONDS)
    return token


def job_for(token: str, user) -> dict | None:
    """The job of ``token`` if ``user`` started it, else None."""
    job = cache.get(_key(token))
    if not job or job.get("user") != user.pk:
        return None
    percent, label = STAGES.get(job["stage"], STAGES["queued"])
    return {**job, "percent": percent, "label": label, "finished": job["stage"] in ("done", "failed")}


def _stage(token: str, stage: str, **extra) -> None:
    job = cache.get(_key(token)) or {}
    cache.set(_key(token), {**job, "stage": stage, **extra}, REPORT_KEEP_SECONDS)


def job_run(token: str) -> bool:
    """Render the job's report and store the file (the task's body); False when the job is gone."""
    job = cache.get(_key(token))
    if not job:
        return False
    user = get_user_model().objects.filter(pk=job["user"], is_active=True).first()
    if user is None:
        _stage(token, "failed")
        return False
    query = QueryDict(mutable=True)
    for name, values in job["query"].items():
        query.setlist(name, values)
    try:
        with override(job["language"]):
            _stage(token, "counting")
            plain, context = report_context(user, query, summary=False)
            _stage(token, "laying_out")
            content = render_pdf("audit/report.html", context)
    except Exception:
        _stage(token, "failed")
        raise
    name = storages["certificates"].save(f"{FOLDER}/{token}.pdf", ContentFile(content))
    _stage(token, "done", file=name, filters=plain)
    return True


def job_file(job: dict):
    return storages["certificates"].open(job["file"], "rb")


def _sweep() -> None:
    """Delete report files older than ``REPORT_KEEP_SECONDS``."""
    storage = storages["certificates"]
    try:
        _dirs, files = storage.listdir(FOLDER)
    except FileNotFoundError:
        return
    limit = timezone.now() - timedelta(seconds=REPORT_KEEP_SECONDS)
    for name in files:
        path = f"{FOLDER}/{name}"
        if storage.get_modified_time(path) < limit:
            storage.delete(path)
