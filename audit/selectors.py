"""Reads of the directorate audit: who sees which facts, the measures every number counts, and the
dashboard's figures.

Scope: directorate auditors and administrators see every fact; a governorate training officer the
facts of sessions held in their governorate; a training-centre manager those of their centre;
anyone else nothing (``PermissionDenied``). A user holding several roles sees the union.

Measures: every number on the dashboard is a count of one ``Measure`` over the filtered facts
(rows, distinct people, distinct trainers, or distinct person × course × year for targets). The
dashboard computes them grouped, the drill-down lists the same measure's records, so a number and
the length of the list behind it are the same by construction, and the tests check it.
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet, Sum

from audit.models import ParticipationFact, PendingSession
from audit.services import facts_state
from cascade import permissions
from cascade.models import SessionKind, SessionTrainer
from courses.models import Course
from lms.models import Gender, Governorate, Person, PoliceUnit, Station, TrainingCentre
from plans.models import Target

# Cascade health covers ToT and cascade sessions: direct sessions sit outside the cascade.
CASCADE_KINDS = (SessionKind.TOT, SessionKind.CASCADE)
# The national training plan counts the personnel trained, in cascade and direct sessions.
PLAN_KINDS = (SessionKind.CASCADE, SessionKind.DIRECT)

MENTORING_GAIN_RATIO_DEFAULT = 0.6
MENTORING_MIN_SCORED_DEFAULT = 10
TRAINERS_SHOWN = 25


def mentoring_gain_ratio() -> float:
    """ "Well below": a trainer's participants gain less than this fraction of the gain of the
    trainer's own ToT cohort (``AUDIT_MENTORING_GAIN_RATIO``, default 0.6)."""
    return float(getattr(settings, "AUDIT_MENTORING_GAIN_RATIO", MENTORING_GAIN_RATIO_DEFAULT))


def mentoring_min_scored() -> int:
    """Trainers with fewer scored participants than this are not judged (``AUDIT_MENTORING_MIN_SCORED``)."""
    return int(getattr(settings, "AUDIT_MENTORING_MIN_SCORED", MENTORING_MIN_SCORED_DEFAULT))


# --- scope -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditScope:
    everything: bool = False
    governorate_ids: frozenset[int] = field(default_factory=frozenset)
    centre_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def key(self) -> str:
        if self.everything:
            return "all"
        return f"g{sorted(self.governorate_ids)}c{sorted(self.centre_ids)}"

    def facts_q(self) -> Q:
        if self.everything:
            return Q()
        return Q(governorate_id__in=self.governorate_ids) | Q(training_centre_id__in=self.centre_ids)

    def governorates(self) -> QuerySet[Governorate]:
        if self.everything:
            return Governorate.objects.all()
        centre_govs = TrainingCentre.objects.filter(id__in=self.centre_ids).values("governorate_id")
        return Governorate.objects.filter(Q(id__in=self.governorate_ids) | Q(id__in=centre_govs))

    def centres(self) -> QuerySet[TrainingCentre]:
        if self.everything:
            return TrainingCentre.objects.all()
        return TrainingCentre.objects.filter(Q(governorate_id__in=self.governorate_ids) | Q(id__in=self.centre_ids))

    def targets(self) -> QuerySet[Target]:
        """Governorate officers see their governorate's lines; centre managers their centre's lines."""
        if self.everything:
            return Target.objects.all()
        return Target.objects.filter(
            Q(governorate_id__in=self.governorate_ids) | Q(training_centre_id__in=self.centre_ids)
        )


def audit_scope_for(user) -> AuditScope:
    """The facts a user may audit; ``PermissionDenied`` for anyone who may not use the dashboard."""
    if not permissions.reads_dashboard(user):
        raise PermissionDenied
    if permissions.sees_everything(user):
        return AuditScope(everything=True)
    governorate_id = permissions.officer_governorate_id(user)
    centre_id = permissions.managed_centre_id(user)
    return AuditScope(
        governorate_ids=frozenset([governorate_id] if governorate_id else []),
        centre_ids=frozenset([centre_id] if centre_id else []),
    )


def facts_visible_to(scope: AuditScope) -> QuerySet[ParticipationFact]:
    return ParticipationFact.objects.filter(scope.facts_q())


# --- measures --------------------------------------------------------------------------------

ROWS, PEOPLE, TRAINERS, PERSON_COURSE_YEAR = "rows", "people", "trainers", "person_course_year"


def _plan_line(centre: bool) -> Exists:
    """A target line exists for the fact's year, place and course (governorate lines or centre lines)."""
    lines = Target.objects.filter(year=OuterRef("year"), course_id=OuterRef("course_id"))
    if centre:
        return Exists(lines.filter(training_centre_id=OuterRef("training_centre_id")))
    return Exists(lines.filter(governorate_id=OuterRef("governorate_id"), training_centre__isnull=True))


@dataclass(frozen=True)
class Measure:
    name: str
    unit: str  # ROWS, PEOPLE, TRAINERS or PERSON_COURSE_YEAR
    q: Q = field(default_factory=Q)
    plan_line: str = ""  # "governorate" or "centre": only facts that count toward such a target line

    def facts(self, facts: QuerySet[ParticipationFact]) -> QuerySet[ParticipationFact]:
        facts = facts.filter(self.q)
        if self.plan_line:
            facts = facts.filter(_plan_line(self.plan_line == "centre"))
        return facts

    def count(self, facts: QuerySet[ParticipationFact]) -> int:
        chosen = self.facts(facts)
        if self.unit == ROWS:
            return chosen.count()
        if self.unit == PEOPLE:
            return chosen.values("person_id").distinct().count()
        if self.unit == TRAINERS:
            return trainers_of(chosen).count()
        return chosen.values("year", "course_id", "person_id").distinct().count()


WOMEN = Q(gender=Gender.FEMALE)
SCORED = Q(completed=True, gain__isnull=False)
MEASURES = {
    m.name: m
    for m in (
        Measure("participations", ROWS),
        Measure("completions", ROWS, Q(completed=True)),
        Measure("people", PEOPLE),
        Measure("women", PEOPLE, WOMEN),
        Measure("direct_people", PEOPLE, Q(kind=SessionKind.DIRECT)),
        Measure("direct_women", PEOPLE, Q(kind=SessionKind.DIRECT) & WOMEN),
        Measure("tot_trainers", PEOPLE, Q(kind=SessionKind.TOT, master_led_tot=True, qualified=True)),
        Measure("cascade_people", PEOPLE, Q(kind=SessionKind.CASCADE)),
        Measure("reached", PEOPLE, Q(kind__in=CASCADE_KINDS)),
        Measure("trainers", TRAINERS, Q(kind__in=CASCADE_KINDS)),
        Measure("scored", ROWS, Q(kind__in=CASCADE_KINDS) & SCORED),
        Measure("achieved", PERSON_COURSE_YEAR, Q(kind__in=PLAN_KINDS), plan_line="governorate"),
        Measure("achieved_women", PERSON_COURSE_YEAR, Q(kind__in=PLAN_KINDS) & WOMEN, plan_line="governorate"),
        Measure("centre_achieved", PERSON_COURSE_YEAR, Q(kind__in=PLAN_KINDS), plan_line="centre"),
        Measure("centre_achieved_women", PERSON_COURSE_YEAR, Q(kind__in=PLAN_KINDS) & WOMEN, plan_line="centre"),
    )
}


def trainers_of(facts: QuerySet[ParticipationFact]) -> QuerySet[Person]:
    """The people who trained (lead or co) the sessions of ``facts``."""
    sessions = SessionTrainer.objects.filter(session_id__in=facts.values("session_id")).values("person_id")
    return Person.objects.filter(id__in=sessions)


def _people(q: Q = Q()) -> Count:  # noqa: B008 — Q() is immutable here
    return Count("person_id", distinct=True, filter=q or None)


def _rows(q: Q = Q()) -> Count:  # noqa: B008
    return Count("pk", filter=q or None)


COUNTS = {
    "people": _people(),
    "women": _people(WOMEN),
    "participations": _rows(),
    "completions": _rows(Q(completed=True)),
}


# --- the dashboard ---------------------------------------------------------------------------


def _columns(split: str | None, *grouped: str) -> list[str]:
    """The columns to group by: the split column (if any) and ``grouped``, each once."""
    return list(dict.fromkeys([split, *grouped] if split else grouped))


def _split(rows, split: str | None, drop: tuple[str, ...] = ()) -> dict:
    """Rows of a query grouped by ``split`` (and more), by their ``split`` value (all under None
    when there is no split), without the split column unless it is one of the grouped ones."""
    result: dict = defaultdict(list)
    for row in rows:
        value = row[split] if split else None
        if split and split not in drop:
            del row[split]
        result[value].append(row)
    return result


def _grouped(facts: QuerySet, split: str | None, by: str, counts: dict | None = None) -> dict:
    columns = _columns(split, by)
    rows = facts.values(*columns).annotate(**(counts or COUNTS)).order_by(*columns)
    return {
        value: [{"key": row.pop(by), **row} for row in found]
        for value, found in _split(rows, split, drop=(by,)).items()
    }


def _totals(facts: QuerySet, split: str | None, counts: dict) -> dict:
    if split is None:
        return {None: facts.aggregate(**counts)}
    return {row.pop(split): row for row in facts.values(split).annotate(**counts).order_by(split)}


def _json_number(value) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return round(float(value), 2)
    return value


def _json_default(value):
    if isinstance(value, Decimal):
        return round(float(value), 2)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"Cannot store {type(value).__name__} in a dashboard snapshot: {value!r}")


PROGRAMME = ("direct_people", "direct_women", "tot_trainers", "cascade_people")


def dashboard_figures(scope: AuditScope, facts: QuerySet[ParticipationFact], filters: dict) -> dict:
    """Every figure of the dashboard: ``facts`` are the scope's facts under the cleaned ``filters``."""
    return dashboard_figures_split(scope, facts, None, {None: filters})[None]


def dashboard_figures_split(
    scope: AuditScope, facts: QuerySet[ParticipationFact], split: str | None, filters: dict
) -> dict:
    """The dashboard's figures for each value of the facts column ``split`` at once: ``filters``
    maps each wanted value to the cleaned filters that select it, and the figures of value ``v``
    are those of ``facts.filter(<split>=v)`` under ``filters[v]``. Every query groups by the
    column as well, so all single-filter dashboards of one kind cost a few passes over the facts
    instead of a full computation each. With ``split`` None, one dashboard (``filters[None]``)."""
    zero = dict.fromkeys(COUNTS, 0)
    totals = _totals(facts, split, COUNTS)
    programme = _totals(facts, split, {name: _people(MEASURES[name].q) for name in PROGRAMME})
    by_governorate = _grouped(facts, split, "governorate_id")
    by_centre = _grouped(facts, split, "training_centre_id")
    by_course = _grouped(facts, split, "course_id")
    by_quarter = _grouped(facts, split, "quarter", {"people": _people(), "participations": _rows()})
    by_station = _grouped(
        facts.filter(station_id__isnull=False), split, "station_id", {"people": _people(), "women": _people(WOMEN)}
    )
    generations = _generations(facts, split)
    trainers = _trainer_gains(facts, split)
    targets = _targets(facts, scope, split, filters)
    never_reached = _never_reached(facts, scope, split, filters)
    return {
        value: {
            "totals": totals.get(value, zero),
            "programme": programme.get(value, dict.fromkeys(PROGRAMME, 0)),
            "by_governorate": by_governorate.get(value, []),
            "by_centre": by_centre.get(value, []),
            "by_course": by_course.get(value, []),
            "by_quarter": [{**row, "key": row["key"].isoformat()} for row in by_quarter.get(value, [])],
            "by_station": by_station.get(value, []),
            "generations": generations.get(value, []),
            "trainers": trainers(value),
            "targets": targets[value],
            "never_reached": never_reached[value],
        }
        for value in filters
    }


def _generations(facts: QuerySet, split: str | None) -> dict:
    """Per generation: people reached, their trainers, the reach multiplier and the mean gain."""
    cascade = facts.filter(kind__in=CASCADE_KINDS, generation__isnull=False)
    columns = _columns(split, "generation")
    rows = (
        cascade.values(*columns)
        .annotate(people=_people(), scored=_rows(SCORED), mean_gain=Avg("gain", filter=SCORED))
        .order_by(*columns)
    )
    trainers = _trainer_counts(cascade, split)
    result = defaultdict(list)
    for row in rows:
        value = row[split] if split else None
        count = trainers.get((value, row["generation"]), 0)
        result[value].append(
            {
                "key": row["generation"],
                "people": row["people"],
                "trainers": count,
                "reach": round(row["people"] / count, 2) if count else None,
                "scored": row["scored"],
                "mean_gain": _json_number(row["mean_gain"]),
            }
        )
    return result


def _trainer_counts(cascade: QuerySet, split: str | None) -> dict:
    """Distinct trainers (``trainers_of``) of the facts' sessions per (split value or None, generation)."""
    columns = _columns(split, "generation", "session_id")
    inner, params = cascade.values(*columns).distinct().order_by().query.sql_with_params()
    quote = connection.ops.quote_name
    value = f"f.{quote(ParticipationFact._meta.get_field(split).column)}" if split else "NULL"
    group = f"{value}, f.generation" if split else "f.generation"
    trainer_table = quote(SessionTrainer._meta.db_table)
    sql = (
        f"SELECT {value}, f.generation, COUNT(DISTINCT st.person_id) FROM ({inner}) f "  # noqa: S608 — identifiers only
        f"JOIN {trainer_table} st ON st.session_id = f.session_id GROUP BY {group}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(row[0], row[1]): row[2] for row in cursor.fetchall()}


def trainer_gain_row(*, trainer: int, course: int, scored: int, mean: float, cohort: float | None, ratio_limit) -> dict:
    """One trainer's row of the cascade-health table: their trainees' mean gain beside the gain of
    the ToT cohort they were trained in, flagged for mentoring below ``ratio_limit`` of it."""
    ratio = mean / cohort if cohort and cohort > 0 else None
    return {
        "trainer": trainer,
        "course": course,
        "scored": scored,
        "mean_gain": round(mean, 2),
        "cohort_gain": round(cohort, 2) if cohort is not None else None,
        "ratio": round(ratio, 2) if ratio is not None else None,
        "flagged": ratio is not None and ratio < ratio_limit,
    }


def trainers_health(judged: Iterable[tuple], *, ratio_limit, minimum: int) -> dict:
    """The cascade-health table: every flagged trainer first, then the others up to TRAINERS_SHOWN.

    ``judged`` holds (trainer, course, scored, mean gain, cohort gain or None) for every trainer
    with at least the minimum scored participants: tens of thousands nationally, so they are
    ranked as tuples and only the rows shown become ``trainer_gain_row`` dicts."""
    ranked = []
    for trainer, course, scored, mean, cohort in judged:
        ratio = mean / cohort if cohort and cohort > 0 else None
        rank = round(ratio, 2) if ratio is not None else 99
        ranked.append((rank, trainer, course, ratio is not None and ratio < ratio_limit, scored, mean, cohort))
    ranked.sort(key=itemgetter(0, 1, 2))
    flagged = [r for r in ranked if r[3]]
    shown = flagged + [r for r in ranked if not r[3]][: max(0, TRAINERS_SHOWN - len(flagged))]
    rows = [
        trainer_gain_row(trainer=t, course=c, scored=n, mean=mean, cohort=cohort, ratio_limit=ratio_limit)
        for _rank, t, c, _flag, n, mean, cohort in shown
    ]
    return {
        "judged": len(ranked),
        "flagged": len(flagged),
        "rows": rows,
        "ratio_limit": ratio_limit,
        "minimum": minimum,
    }


def _trainer_gains(facts: QuerySet, split: str | None):
    """Mean gain of each lead trainer's cascade participants, per course, against the mean gain of
    the ToT cohort that qualified the trainer for that course; low ratios are flagged for mentoring.

    The cohort's gain is read across all facts (it describes the ToT session, not the audited
    slice), but only trainers whose cascade sessions lie in the scope and filters are listed.
    Returns a function from the split value to that slice's figures.
    """
    minimum, ratio_limit = mentoring_min_scored(), mentoring_gain_ratio()
    own = (
        facts.filter(kind=SessionKind.CASCADE, lead_trainer_id__isnull=False)
        .filter(SCORED)
        .values(*_columns(split, "lead_trainer_id", "course_id"))
        .annotate(scored=Count("pk"), mean_gain=Avg("gain"))
        .filter(scored__gte=minimum)
        .order_by()
    )
    own_rows = _split(own, split, drop=("lead_trainer_id", "course_id"))
    trainer_ids = {row["lead_trainer_id"] for rows in own_rows.values() for row in rows}
    cohort_sessions = defaultdict(set)
    for person_id, course_id, session_id in ParticipationFact.objects.filter(
        kind=SessionKind.TOT, qualified=True, person_id__in=trainer_ids
    ).values_list("person_id", "course_id", "session_id"):
        cohort_sessions[(person_id, course_id)].add(session_id)
    all_sessions = {s for sessions in cohort_sessions.values() for s in sessions}
    session_gain = {
        row["session_id"]: (row["total"], row["n"])
        for row in ParticipationFact.objects.filter(session_id__in=all_sessions)
        .filter(SCORED)
        .values("session_id")
        .annotate(total=Sum("gain"), n=Count("pk"))
    }

    def figures(value) -> dict:
        judged = []
        for row in own_rows.get(value, []):
            sessions = cohort_sessions.get((row["lead_trainer_id"], row["course_id"]), set())
            total = sum(session_gain[s][0] for s in sessions if s in session_gain)
            n = sum(session_gain[s][1] for s in sessions if s in session_gain)
            cohort = float(total) / n if n else None
            judged.append((row["lead_trainer_id"], row["course_id"], row["scored"], float(row["mean_gain"]), cohort))
        return trainers_health(judged, ratio_limit=ratio_limit, minimum=minimum)

    return figures


def target_lines(scope: AuditScope, filters: dict) -> QuerySet[Target]:
    lines = scope.targets()
    if filters.get("governorate"):
        lines = lines.filter(governorate=filters["governorate"])
    if filters.get("training_centre"):
        lines = lines.filter(training_centre=filters["training_centre"])
    if filters.get("course"):
        lines = lines.filter(course=filters["course"])
    period = filters.get("period")
    if period and period.start:
        lines = lines.filter(year__gte=period.start.year)
    if period and period.stop:
        lines = lines.filter(year__lte=period.stop.year)
    if filters.get("year"):
        lines = lines.filter(year=filters["year"])
    return lines.order_by("year", "governorate_id", "training_centre_id", "course_id")


def _targets(facts: QuerySet, scope: AuditScope, split: str | None, filters: dict) -> dict:
    """Target lines in scope and filters, with the distinct people trained toward each."""
    plan = facts.filter(kind__in=PLAN_KINDS)
    achieved = {}
    for place in ("governorate_id", "training_centre_id"):
        rows = plan.values(*_columns(split, "year", place, "course_id")).annotate(
            people=_people(), women=_people(WOMEN)
        )
        achieved[place] = {
            (row[split] if split else None, row["year"], row[place], row["course_id"]): row for row in rows.order_by()
        }
    result = {}
    for value, value_filters in filters.items():
        lines = []
        for line in target_lines(scope, value_filters):
            if line.training_centre_id:
                got = achieved["training_centre_id"].get(
                    (value, line.year, line.training_centre_id, line.course_id), {}
                )
            else:
                got = achieved["governorate_id"].get((value, line.year, line.governorate_id, line.course_id), {})
            lines.append(
                {
                    "year": line.year,
                    "governorate": line.governorate_id,
                    "centre": line.training_centre_id,
                    "course": line.course_id,
                    "target": line.target_participants,
                    "target_women": line.target_women,
                    "achieved": got.get("people", 0),
                    "achieved_women": got.get("women", 0),
                }
            )
        result[value] = {"lines": lines}
    return result


def _never_reached(facts: QuerySet, scope: AuditScope, split: str | None, filters: dict) -> dict:
    """Stations and units in scope where nobody was trained in a course (under the current filters)."""
    reached = {}
    for place in ("station_id", "unit_id"):
        pairs = facts.filter(**{f"{place}__isnull": False}).values(*_columns(split, place, "course_id")).distinct()
        found = defaultdict(set)
        for row in pairs.order_by():
            found[row[split] if split else None].add((row[place], row["course_id"]))
        reached[place] = found
    return {
        value: never_reached_places(scope, value_filters, reached["station_id"][value], reached["unit_id"][value])
        for value, value_filters in filters.items()
    }


def never_reached_places(scope: AuditScope, filters: dict, reached_stations: set, reached_units: set) -> dict:
    """The (station, course) and (unit, course) pairs of the scope and ``filters`` not in the reached sets."""
    governorates = scope.governorates()
    if filters.get("governorate"):
        governorates = governorates.filter(pk=filters["governorate"].pk)
    if filters.get("training_centre"):
        governorates = governorates.filter(pk=filters["training_centre"].governorate_id)
    courses = [filters["course"].pk] if filters.get("course") else list(Course.objects.values_list("id", flat=True))
    stations = list(Station.objects.filter(governorate__in=governorates).values_list("id", flat=True))
    units = list(PoliceUnit.objects.filter(governorate__in=governorates).values_list("id", flat=True))
    return {
        "stations": [[s, c] for s in stations for c in courses if (s, c) not in reached_stations],
        "units": [[u, c] for u in units for c in courses if (u, c) not in reached_units],
    }


# --- filters and snapshots -------------------------------------------------------------------


def filters_key(filters: dict) -> dict:
    """The cleaned filters as plain JSON values (for cache keys and the export log)."""
    plain = {}
    for key, value in sorted(filters.items()):
        if value in (None, ""):
            continue
        if key == "period":
            if value.start or value.stop:
                plain[key] = [_day(value.start), _day(value.stop)]
            continue
        if hasattr(value, "pk"):
            value = value.pk
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, Decimal):  # django-filter's NumberFilter (the year) cleans to Decimal
            value = int(value) if value == value.to_integral_value() else str(value)
        plain[key] = value
    return plain


def _day(value) -> str:
    """A period bound as a day (django-filter gives the range as datetimes spanning whole days)."""
    if not value:
        return ""
    return (value.date() if isinstance(value, datetime) else value).isoformat()


@dataclass
class Dashboard:
    figures: dict
    version: int
    computed_ms: int
    from_snapshot: bool


def snapshot_key(scope: AuditScope, filters: dict) -> str:
    return hashlib.sha256(json.dumps([scope.key, filters_key(filters)], sort_keys=True).encode()).hexdigest()


def figures_compute(scope: AuditScope, facts: QuerySet[ParticipationFact], filters: dict, *, state=None) -> dict:
    """The dashboard's figures: from the summary cells (``audit.cells``) when they count every
    fact and the filters are ones they are keyed by, else from the facts themselves."""
    from audit.cells import cell_figures

    state = state or facts_state()
    if state.cells_complete:
        figures = cell_figures(scope, filters, facts, state=state)
        if figures is not None:
            return figures
    return dashboard_figures(scope, facts, filters)


def pending_changes() -> int:
    """How many sessions changed whose facts are not yet counted again (any one marks every page:
    a change may move figures in any scope, through the generations it moves)."""
    return PendingSession.objects.values("session_id").distinct().count()
