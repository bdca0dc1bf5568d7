"""Every dashboard number on the demo data, recounted here from the raw cascade records (sessions,
participations, people, targets), never from the facts table the dashboard reads; and every
drill-down list as long as the number it came from."""

from collections import defaultdict
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict

from audit.filters import FactFilter
from audit.selectors import MEASURES, dashboard_figures
from audit.tables import build_tables
from cascade import lineage
from cascade.models import Outcome, Participation, SessionKind, SessionTrainer, TrainerRole, TrainingSession
from lms.models import Gender, Governorate
from plans.models import Target

pytestmark = pytest.mark.django_db


def figures_for(scope, query: dict | None = None) -> tuple[dict, dict]:
    filterset = FactFilter(query or None, scope=scope)
    assert not filterset.is_bound or filterset.is_valid(), filterset.errors
    cleaned = filterset.cleaned if filterset.is_bound else {}
    return dashboard_figures(scope, filterset.qs, cleaned), cleaned


def raw_programme(participations) -> dict:
    def people(qs):
        return qs.values("person_id").distinct().count()

    direct = participations.filter(session__kind=SessionKind.DIRECT)
    master_led = TrainingSession.objects.filter(
        kind=SessionKind.TOT, trainers__role=TrainerRole.LEAD, trainers__person__is_master_trainer=True
    )
    qualified = participations.filter(session__in=master_led, person__qualifications__source_session_id=OuterSession())
    return {
        "direct_people": people(direct),
        "direct_women": people(direct.filter(person__gender=Gender.FEMALE)),
        "tot_trainers": people(qualified),
        "cascade_people": people(participations.filter(session__kind=SessionKind.CASCADE)),
    }


def OuterSession():  # noqa: N802 — reads like the column it stands for
    from django.db.models import F

    return F("session_id")


def test_building_the_demo_data_counts_its_facts_and_stores_the_national_pages(demo):
    from cascade.models import Participation
    from tests.audit.demo.conftest import AFTER_BUILD

    assert AFTER_BUILD["facts"] == Participation.objects.count() > 0
    assert AFTER_BUILD["state"] == 1 and AFTER_BUILD["pages"] > 0


def test_the_programme_summary_shows_the_programmes_own_figures(demo, everything):
    figures, _cleaned = figures_for(everything)
    assert figures["programme"] == {
        "direct_people": 2290,
        "direct_women": 120,
        "tot_trainers": 434,
        "cascade_people": 6207,
    }


@pytest.mark.parametrize(
    "query",
    [
        {"governorate": "NI"},
        {"period_after": "2022-01-01", "period_before": "2022-12-31"},
        {"governorate": "BG", "period_after": "2021-04-01", "period_before": "2023-03-31"},
    ],
)
def test_the_programme_summary_of_a_slice_is_recounted_from_the_raw_rows(demo, everything, query):
    if "governorate" in query:
        query = {**query, "governorate": str(Governorate.objects.get(code=query["governorate"]).pk)}
    figures, _cleaned = figures_for(everything, query)
    raw = Participation.objects.all()
    if "governorate" in query:
        raw = raw.filter(session__governorate_id=query["governorate"])
    if "period_after" in query:
        raw = raw.filter(
            session__start_date__gte=date.fromisoformat(query["period_after"]),
            session__start_date__lte=date.fromisoformat(query["period_before"]),
        )
    assert figures["programme"] == raw_programme(raw)
    assert 0 < figures["programme"]["cascade_people"] < 6207


def _quarter(day: date) -> str:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1).isoformat()


def test_every_dashboard_number_is_recounted_from_the_raw_rows(demo, everything):
    figures, _cleaned = figures_for(everything)
    rows = list(
        Participation.objects.values_list(
            "id",
            "person_id",
            "person__gender",
            "person__station_id",
            "person__unit_id",
            "outcome",
            "pre_score",
            "post_score",
            "session_id",
            "session__kind",
            "session__course_id",
            "session__governorate_id",
            "session__training_centre_id",
            "session__start_date",
        )
    )
    generation = lineage.participation_generations()
    women = {r[1] for r in rows if r[2] == Gender.FEMALE}

    # Totals and the breakdowns by governorate, centre, course, quarter and station.
    def tally(key_of) -> dict:
        groups = defaultdict(lambda: {"people": set(), "participations": 0, "completions": 0})
        for r in rows:
            key = key_of(r)
            if key is None:
                continue
            group = groups[key]
            group["people"].add(r[1])
            group["participations"] += 1
            group["completions"] += r[5] == Outcome.COMPLETED
        return {
            key: {
                "people": len(g["people"]),
                "women": len(g["people"] & women),
                "participations": g["participations"],
                "completions": g["completions"],
            }
            for key, g in groups.items()
        }

    assert figures["totals"] == tally(lambda r: "all")["all"]
    for name, key_of in (
        ("by_governorate", lambda r: r[11]),
        ("by_centre", lambda r: r[12]),
        ("by_course", lambda r: r[10]),
    ):
        assert {row.pop("key"): row for row in figures[name]} == tally(key_of), name
    quarters = tally(lambda r: _quarter(r[13]))
    assert {r["key"]: (r["people"], r["participations"]) for r in figures["by_quarter"]} == {
        k: (v["people"], v["participations"]) for k, v in quarters.items()
    }
    stations = tally(lambda r: r[3])
    assert {r["key"]: (r["people"], r["women"]) for r in figures["by_station"]} == {
        k: (v["people"], v["women"]) for k, v in stations.items()
    }

    # Cascade health: generations of ToT and cascade participations.
    trainers_of_session = defaultdict(set)
    for session_id, person_id in SessionTrainer.objects.values_list("session_id", "person_id"):
        trainers_of_session[session_id].add(person_id)
    by_generation = defaultdict(lambda: {"people": set(), "trainers": set(), "gains": []})
    for r in rows:
        g = generation.get(r[0])
        if g is None or r[9] not in (SessionKind.TOT, SessionKind.CASCADE):
            continue
        bucket = by_generation[g]
        bucket["people"].add(r[1])
        bucket["trainers"] |= trainers_of_session[r[8]]
        if r[5] == Outcome.COMPLETED and r[6] is not None and r[7] is not None:
            bucket["gains"].append(r[7] - r[6])
    expected = [
        {
            "key": g,
            "people": len(b["people"]),
            "trainers": len(b["trainers"]),
            "reach": round(len(b["people"]) / len(b["trainers"]), 2),
            "scored": len(b["gains"]),
            "mean_gain": round(float(sum(b["gains"], Decimal(0)) / len(b["gains"])), 2),
        }
        for g, b in sorted(by_generation.items())
    ]
    assert figures["generations"] == expected
    assert [g["key"] for g in expected] == [1, 2, 3]
    gains = [g["mean_gain"] for g in expected]
    assert gains[0] > gains[1] > gains[2]  # the demo's cascade dilution

    # Targets: distinct people of cascade and direct sessions of the line's year, place and course.
    lines = {(t["year"], t["governorate"], t["centre"], t["course"]): t for t in figures["targets"]["lines"]}
    assert len(lines) == Target.objects.count() > 0
    for target in Target.objects.all():
        line = lines[(target.year, target.governorate_id, target.training_centre_id, target.course_id)]
        people = {
            r[1]
            for r in rows
            if r[9] in (SessionKind.CASCADE, SessionKind.DIRECT)
            and r[13].year == target.year
            and r[10] == target.course_id
            and (r[12] == target.training_centre_id if target.training_centre_id else r[11] == target.governorate_id)
        }
        assert (line["target"], line["achieved"], line["achieved_women"]) == (
            target.target_participants,
            len(people),
            len(people & women),
        )
    behind = {t["governorate"] for t in figures["targets"]["lines"] if t["achieved"] < t["target"]}
    ahead = {t["governorate"] for t in figures["targets"]["lines"] if t["achieved"] >= t["target"]}
    assert behind and ahead

    # Trainers: mean gain of each lead trainer's cascade participants against their own ToT cohort.
    lead_of = dict(SessionTrainer.objects.filter(role=TrainerRole.LEAD).values_list("session_id", "person_id"))
    own, cohort_gains = defaultdict(list), defaultdict(list)
    for r in rows:
        if r[5] == Outcome.COMPLETED and r[6] is not None and r[7] is not None:
            if r[9] == SessionKind.CASCADE and r[8] in lead_of:
                own[(lead_of[r[8]], r[10])].append(r[7] - r[6])
            if r[9] == SessionKind.TOT:
                cohort_gains[r[8]].append(r[7] - r[6])
    qualified_in = defaultdict(set)
    for person_id, course_id, session_id in Participation.objects.filter(
        session__kind=SessionKind.TOT, person__qualifications__source_session_id=OuterSession()
    ).values_list("person_id", "session__course_id", "session_id"):
        qualified_in[(person_id, course_id)].add(session_id)
    flagged = set()
    judged = 0
    for key, gains in own.items():
        if len(gains) < 10:
            continue
        judged += 1
        cohort = [g for s in qualified_in[key] for g in cohort_gains[s]]
        if cohort and float(sum(gains)) / len(gains) < 0.6 * float(sum(cohort)) / len(cohort):
            flagged.add(key)
    trainers = figures["trainers"]
    assert trainers["judged"] == judged
    assert trainers["flagged"] == len(flagged)
    assert {(r["trainer"], r["course"]) for r in trainers["rows"] if r["flagged"]} == flagged


def test_every_linked_number_equals_the_length_of_its_drill_down_list(demo, everything):
    figures, cleaned = figures_for(everything)
    tables = build_tables(figures, {})
    checked = 0
    for table in tables.values():
        for row in table.rows:
            for cell in row:
                if not cell.href:
                    continue
                query = QueryDict(urlsplit(cell.href).query)
                filterset = FactFilter(query, scope=everything)
                assert filterset.is_valid(), (table.slug, cell.href, filterset.errors)
                assert MEASURES[query["measure"]].count(filterset.qs) == cell.value, (table.slug, cell.href)
                checked += 1
    assert checked > 1000


def test_the_drill_down_page_counts_what_the_dashboard_number_says(demo, demo_user, verified_login, client):
    verified_login(demo_user("auditor"))
    page = client.get("/audit/?course=" + str(Participation.objects.values_list("session__course_id", flat=True)[0]))
    assert page.status_code == 200
    tables = page.context["tables"]
    for table in ("summary", "totals", "generations"):
        for row in tables[table].rows:
            cell = next(c for c in row if c.href)
            listing = client.get(cell.href)
            assert listing.status_code == 200
            assert listing.context["page"].paginator.count == cell.value
            assert f'data-count="{cell.value}"' in listing.content.decode()


def test_a_drill_down_query_keeps_the_filters_it_came_from(demo, everything):
    ninewa = Governorate.objects.get(code="NI")
    figures, _cleaned = figures_for(everything, {"governorate": str(ninewa.pk)})
    tables = build_tables(figures, {"governorate": ninewa.pk})
    href = tables["summary"].rows[0][1].href
    assert parse_qs(urlsplit(href).query) == {"governorate": [str(ninewa.pk)], "measure": ["direct_people"]}
