"""Store the national dashboard for no filter and for every single filter value, right after a
rebuild, so that a directorate auditor's page answers from one stored row.

The single-filter dashboards of one kind (every governorate, every centre, every programme year,
...) are computed together: ``dashboard_figures_split`` groups each of the dashboard's queries by
the filtered column as well, a few passes over the facts per kind instead of a full computation
per dashboard. Each dashboard's figures are stored (``DashboardSnapshot``) and its page rendered
and stored in the default language (``DashboardPage``); other languages are rendered and stored
by their first request.
"""

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation

from audit.filters import FactFilter, generation_choices
from audit.models import DashboardPage, DashboardSnapshot
from audit.pages import page_key, page_render, page_store, stale_page_seconds, stale_pages_served
from audit.selectors import (
    AuditScope,
    dashboard_figures_split,
    facts_visible_to,
    figures_compute,
    filters_key,
)
from audit.services import facts_state
from audit.snapshots import snapshot_store
from cascade.models import SessionKind
from courses.models import Course
from lms.models import Gender, Governorate, TrainingCentre

# The programme years the period presets cover.
PROGRAMME_YEARS = range(2020, 2026)


@dataclass(frozen=True)
class Slice:
    """One single-filter dashboard: its query, and the facts column and value it selects."""

    query: dict = field(default_factory=dict)
    column: str | None = None
    value: object = None


def _period(start: date, stop: date) -> dict:
    return {"period_after": start.isoformat(), "period_before": stop.isoformat()}


def single_filter_slices() -> list[Slice]:
    """No filter, each governorate, centre, course, session kind, generation and gender, and
    the period presets: each programme year and each of its quarters."""
    slices = [Slice()]
    slices += [
        Slice({"governorate": str(pk)}, "governorate_id", pk) for pk in Governorate.objects.values_list("pk", flat=True)
    ]
    slices += [
        Slice({"training_centre": str(pk)}, "training_centre_id", pk)
        for pk in TrainingCentre.objects.values_list("pk", flat=True)
    ]
    slices += [Slice({"course": str(pk)}, "course_id", pk) for pk in Course.objects.values_list("pk", flat=True)]
    slices += [Slice({"kind": kind}, "kind", kind) for kind in SessionKind.values]
    slices += [Slice({"generation": value}, "generation", int(value)) for value, _label in generation_choices()]
    slices += [Slice({"gender": gender}, "gender", gender) for gender in Gender.values]
    for year in PROGRAMME_YEARS:
        slices.append(Slice(_period(date(year, 1, 1), date(year, 12, 31)), "year", year))
    for year in PROGRAMME_YEARS:
        for month in (1, 4, 7, 10):
            start = date(year, month, 1)
            stop = (date(year + 1, 1, 1) if month == 10 else date(year, month + 3, 1)) - timedelta(days=1)
            slices.append(Slice(_period(start, stop), "quarter", start))
    return slices


def single_filters() -> list[dict]:
    """The query of every single-filter dashboard."""
    return [piece.query for piece in single_filter_slices()]


@transaction.atomic
def snapshots_warm(scope: AuditScope | None = None, *, languages: list[str] | None = None) -> int:
    """Compute, store and render every single-filter dashboard of ``scope`` (default: national);
    return how many were stored. One transaction: the new pages appear together."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The distinct-people counts sort millions of rows: in memory rather than on disk.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")
    scope = scope or AuditScope(everything=True)
    languages = languages or [settings.LANGUAGE_CODE]
    state = facts_state()
    # Figures of earlier facts versions are never used again; their pages only while they may
    # still be served as retired pages (``audit.pages.servable``).
    DashboardSnapshot.objects.filter(version__lt=state.version).delete()
    retired = DashboardPage.objects.filter(version__lt=state.version)
    if stale_pages_served():
        retired = retired.filter(rendered_at__lt=timezone.now() - timedelta(seconds=stale_page_seconds()))
    retired.delete()
    by_column: dict[str | None, list[tuple[Slice, FactFilter]]] = defaultdict(list)
    for piece in single_filter_slices():
        filterset = FactFilter(piece.query or None, scope=scope)
        if filterset.is_bound and not filterset.is_valid():
            continue
        by_column[piece.column].append((piece, filterset))
    count = 0
    for column, chosen in by_column.items():
        cleaned = {piece.value: (filterset.cleaned if filterset.is_bound else {}) for piece, filterset in chosen}
        figures, cost = {}, {}
        if state.cells_complete:  # each dashboard is a few reads of the summary cells
            for piece, filterset in chosen:
                started = time.monotonic()
                figures[piece.value] = figures_compute(scope, filterset.qs, cleaned[piece.value], state=state)
                cost[piece.value] = int((time.monotonic() - started) * 1000)
        else:
            started = time.monotonic()
            figures = dashboard_figures_split(scope, facts_visible_to(scope), column, cleaned)
            # One of these alone would be counted from the facts: at least what the split cost.
            cost = dict.fromkeys(figures, int((time.monotonic() - started) * 1000))
        for piece, filterset in chosen:
            ms = cost[piece.value]
            dashboard = snapshot_store(scope, cleaned[piece.value], figures[piece.value], version=state.version, ms=ms)
            plain = filters_key(cleaned[piece.value])
            for language in languages:
                rendering = time.monotonic()
                with translation.override(language):
                    html = page_render(filterset=filterset, plain=plain, dashboard=dashboard, state=state)
                    render_ms = ms + int((time.monotonic() - rendering) * 1000)
                    page_store(
                        page_key(scope, piece.query, language), version=state.version, html=html, render_ms=render_ms
                    )
            count += 1
    return count
