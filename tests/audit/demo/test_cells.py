"""The summary cells answer every filter combination, in every scope, with the figures the facts
give (the demo data, scale 1): whole months, partial months at either end of a period, a year, a
quarter, both governorates of a participation, and the scopes of a governorate officer and a
centre manager. A session refresh keeps the cells equal to a rebuild."""

import json
import random
from decimal import Decimal

import pytest
from django.http import QueryDict

from audit.cells import cell_figures, cells_stale, plan_for
from audit.filters import FactFilter
from audit.selectors import AuditScope, _json_default, dashboard_figures
from audit.services import facts_state
from cascade import services
from cascade.models import Outcome, SessionStatus, TrainingSession
from courses.models import Course
from lms.models import Governorate, Person, TrainingCentre

pytestmark = pytest.mark.django_db

FIXED = [
    {},
    {"gender": "F"},
    {"kind": "cascade", "generation": "2"},
    {"period_after": "2021-01-01", "period_before": "2021-12-31"},  # whole months only
    {"period_after": "2021-03-17", "period_before": "2022-02-09"},  # a partial month at each end
    {"period_after": "2022-05-03", "period_before": "2022-05-20"},  # within one month
    {"period_after": "2023-02-11"},
    {"period_before": "2021-06-14", "kind": "tot"},
    {"year": "2022", "gender": "M"},
    {"quarter": "2023-04-01", "kind": "direct"},
]


def _as_stored(figures: dict) -> dict:
    return json.loads(json.dumps(figures, default=_json_default))


def _queries(rng: random.Random, count: int) -> list[dict]:
    governorates = list(Governorate.objects.values_list("pk", flat=True))
    centres = list(TrainingCentre.objects.values_list("pk", flat=True))
    courses = list(Course.objects.values_list("pk", flat=True))
    choices = {
        "governorate": lambda: rng.choice(governorates),
        "serves_in": lambda: rng.choice(governorates),
        "training_centre": lambda: rng.choice(centres),
        "course": lambda: rng.choice(courses),
        "kind": lambda: rng.choice(["tot", "cascade", "direct"]),
        "generation": lambda: rng.randint(1, 3),
        "gender": lambda: rng.choice("MF"),
        "year": lambda: rng.randint(2020, 2024),
    }
    queries = []
    for _ in range(count):
        query = {name: str(choices[name]()) for name in rng.sample(sorted(choices), rng.randint(1, 3))}
        if rng.random() < 0.5:
            year = rng.randint(2020, 2023)
            query["period_after"] = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            query["period_before"] = f"{year + 1}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        queries.append(query)
    return queries


def _scopes() -> list[AuditScope]:
    basra = Governorate.objects.get(code="BA")
    centre = TrainingCentre.objects.exclude(governorate=basra).order_by("pk").first()
    return [
        AuditScope(everything=True),
        AuditScope(governorate_ids=frozenset([basra.pk])),
        AuditScope(centre_ids=frozenset([centre.pk])),
    ]


def test_the_cells_give_the_figures_the_facts_give_for_any_filters_in_any_scope(demo):
    state = facts_state()
    assert state.cells_complete
    rng = random.Random(22)
    checked = 0
    for n, scope in enumerate(_scopes()):
        for query in FIXED[n::3] + _queries(rng, 6):
            filterset = FactFilter(_query(query) or None, scope=scope)
            if filterset.is_bound and not filterset.is_valid():
                continue  # a place outside the scope: the page answers 400
            cleaned = filterset.cleaned if filterset.is_bound else {}
            from_cells = cell_figures(scope, cleaned, filterset.qs, state=state)
            assert from_cells is not None, query
            assert _as_stored(from_cells) == _as_stored(dashboard_figures(scope, filterset.qs, cleaned)), (
                scope.key,
                query,
            )
            checked += 1
    assert checked >= 20


def _query(values: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, value in values.items():
        query[name] = value
    return query


def test_a_partial_month_is_counted_from_the_facts_and_drill_down_filters_from_the_facts_alone(demo):
    everything = AuditScope(everything=True)
    filterset = FactFilter(_query({"period_after": "2021-03-17", "period_before": "2022-02-09"}), scope=everything)
    assert filterset.is_valid()
    plan = plan_for(everything, filterset.cleaned)
    assert [(str(low), str(high)) for low, high in plan.edges] == [
        ("2021-03-17", "2021-03-31"),
        ("2022-02-01", "2022-02-09"),
    ]
    station = Person.objects.filter(station__isnull=False).values_list("station_id", flat=True).first()
    drill = FactFilter(_query({"station": str(station)}), scope=everything)
    assert drill.is_valid()
    assert plan_for(everything, drill.cleaned) is None


def test_a_session_refresh_keeps_the_cells_equal_to_a_rebuild(demo, django_capture_on_commit_callbacks):
    session = (
        TrainingSession.objects.filter(kind="cascade", status=SessionStatus.OPEN, participations__isnull=False)
        .order_by("pk")
        .first()
    )
    before = facts_state().version
    with django_capture_on_commit_callbacks(execute=True):
        gone = session.participations.order_by("pk").first()
        services.participation_remove(session=session, person=gone.person)
    with django_capture_on_commit_callbacks(execute=True):
        services.participation_record(
            session=session,
            person=gone.person,
            pre_score=Decimal(20),
            post_score=Decimal(95),
            outcome=Outcome.COMPLETED,
        )
    assert facts_state().version == before + 2
    assert cells_stale() == []
