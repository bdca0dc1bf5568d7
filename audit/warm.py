"""Store the national dashboard for no filter and for every single filter value, right after a
rebuild, so that a directorate auditor's page answers from one stored row."""

from audit.filters import GENERATION_CHOICES, FactFilter
from audit.selectors import AuditScope, dashboard_for
from cascade.models import SessionKind
from courses.models import Course
from lms.models import Gender, Governorate, TrainingCentre


def single_filters() -> list[dict]:
    """The query of every single-filter dashboard (the period filter: each programme year)."""
    queries: list[dict] = [{}]
    queries += [{"governorate": str(pk)} for pk in Governorate.objects.values_list("pk", flat=True)]
    queries += [{"training_centre": str(pk)} for pk in TrainingCentre.objects.values_list("pk", flat=True)]
    queries += [{"course": str(pk)} for pk in Course.objects.values_list("pk", flat=True)]
    queries += [{"kind": kind} for kind in SessionKind.values]
    queries += [{"generation": value} for value, _label in GENERATION_CHOICES]
    queries += [{"gender": gender} for gender in Gender.values]
    queries += [{"period_after": f"{year}-01-01", "period_before": f"{year}-12-31"} for year in range(2020, 2026)]
    return queries


def snapshots_warm(scope: AuditScope | None = None) -> int:
    scope = scope or AuditScope(everything=True)
    count = 0
    for query in single_filters():
        filterset = FactFilter(query or None, scope=scope)
        if filterset.is_bound and not filterset.is_valid():
            continue
        dashboard_for(scope, filterset.qs, filterset.cleaned if filterset.is_bound else {})
        count += 1
    return count
