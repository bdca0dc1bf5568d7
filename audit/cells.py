"""The dashboard's summary cells: the participation facts summed up by every dimension the
dashboard filters on, so that any combination of filters, in any scope, reads a few indexed rows.

A ``FigureCell`` holds the facts of one combination of session governorate ("trained in"),
training centre, course, session kind, generation, month, gender and the governorate the person
serves in: counts that add up (participations, completions, scored completions and their summed
gain) and, for the distinct counts, the sorted ids of its people, of the trainers of its sessions
and of the people a master-led ToT qualified. A distinct count over any set of cells is the size of
the union of their id sets (``pyroaring`` bitmaps, built straight from the packed ids), so it is
exact: no figure is estimated. ``TrainerCell`` does the same for the lead trainers' scored cascade
participants, ``TrainerCohort`` keeps each trainer's own ToT cohort's gain, and ``PlacePeople`` the
people of each police station and unit (a person's station and unit are the same on all their
facts, so the people of a station within a filter are the filter's people who belong to it).

The scope of a governorate officer or a centre manager is a governorate or centre key like any
filter. A period whose ends fall inside a month reads the months it covers whole from the cells,
and the facts of its partial months (a few days' sessions, through the facts' date index) are
summed up the same way on the spot. The drill-down filters (station, unit, lead trainer) name
records a few hundred facts wide: they are counted from the facts (``None`` here).

Upkeep: ``cells_rebuild`` after a full facts rebuild, and ``cells_refresh`` in the same
transaction as a session refresh (``audit.services``), which recomputes the cells of every
(training centre, course, month) the refreshed facts had or have, the places and the cohorts they
touch. Nothing follows model saves: the cascade writer's ``sessions_changed`` is the only trigger.
"""

import calendar
import sys
from array import array
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Aggregate, BooleanField, CharField, Count, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from pyroaring import BitMap

from audit.models import FigureCell, ParticipationFact, PlacePeople, TrainerCell, TrainerCohort
from cascade.models import SessionKind, SessionTrainer
from lms.models import Gender

CASCADE_KINDS = (SessionKind.TOT, SessionKind.CASCADE)
PLAN_KINDS = (SessionKind.CASCADE, SessionKind.DIRECT)
SCORED = Q(completed=True, gain__isnull=False)
_BATCH = 2000
# Slices (centre, course, month) per statement, within SQLite's expression limits.
_SLICES_PER_QUERY = 200

# The key of a figure cell, as facts columns or annotations (see ``_keyed``).
CELL_KEY = ("governorate_id", "training_centre_id", "course_id", "kind", "generation", "month", "gender", "serves")
TRAINER_KEY = ("lead_trainer_id", "governorate_id", "training_centre_id", "course_id", "generation", "month")
TRAINER_KEY += ("gender", "serves")


# --- packed ids -------------------------------------------------------------------------------


# Packed ids are big-endian (what PostgreSQL's ``int4send`` writes), whatever the machine.
_SWAP = sys.byteorder == "little"
assert array("I").itemsize == 4, "packed ids need a 4-byte unsigned integer array"


def ids_pack(ids: Iterable[int]) -> bytes:
    """Sorted distinct ids as unsigned 32-bit big-endian integers."""
    values = array("I", sorted(set(ids)))
    if _SWAP:
        values.byteswap()
    return values.tobytes()


def ids_unpack(blob) -> array:
    values = array("I")
    values.frombytes(blob)
    if _SWAP:
        values.byteswap()
    return values


def _text_ids(text: str | None) -> bytes:
    """The comma-separated ids an ``IdList`` gives, packed."""
    if not text:
        return b""
    return ids_pack(int(value) for value in text.split(","))


def bitmap(blobs: list) -> BitMap:
    """The union of packed id sets, in one pass over their bytes."""
    if not blobs:
        return BitMap()
    return BitMap(ids_unpack(b"".join(blobs)))


class IdList(Aggregate):
    """The distinct values of an integer column, comma-separated."""

    function = "GROUP_CONCAT"
    template = "%(function)s(DISTINCT %(expressions)s)%(filter)s"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        template = "STRING_AGG(DISTINCT (%(expressions)s)::text, ',')%(filter)s"
        return self.as_sql(compiler, connection, template=template, **extra)


# --- building cells from facts ----------------------------------------------------------------


def _keyed(facts: QuerySet) -> QuerySet:
    """Facts with the cell's month and the governorate the person serves in (the unit's, or the
    person's own without a unit: the dashboard's "Serves in")."""
    return facts.order_by().annotate(month=TruncMonth("start_date"), serves=F("serves_in_id"))


def _cell_rows(facts: QuerySet) -> list[tuple]:
    """The figure cells of ``facts``: (key..., participations, completions, scored, gain_sum,
    people, trainers, tot_trainers), the id sets packed."""
    rows = (
        _keyed(facts)
        .values(*CELL_KEY)
        .annotate(
            participations=Count("pk"),
            completions=Count("pk", filter=Q(completed=True)),
            scored=Count("pk", filter=SCORED),
            gain_sum=Sum("gain", filter=SCORED),
            people=IdList("person_id"),
            tot=IdList("person_id", filter=Q(kind=SessionKind.TOT, master_led_tot=True, qualified=True)),
        )
        .values_list(*CELL_KEY, "participations", "completions", "scored", "gain_sum", "people", "tot")
    )
    trainers = _cell_trainers(facts)
    cells = []
    for row in rows:
        key = tuple(row[: len(CELL_KEY)])
        participations, completions, scored, gain_sum, people, tot = row[len(CELL_KEY) :]
        cells.append(
            (
                *key,
                participations,
                completions,
                scored,
                gain_sum or Decimal(0),
                _text_ids(people),
                ids_pack(trainers.get(key, ())),
                _text_ids(tot),
            )
        )
    return cells


def _cell_trainers(facts: QuerySet) -> dict[tuple, set[int]]:
    """The trainers of each cell's ToT and cascade sessions: the cells' distinct sessions first,
    then those sessions' trainers (joining trainers to every fact would repeat each session's
    trainers once per participant before the distinct ids are taken)."""
    sessions: dict[int, list[tuple]] = defaultdict(list)
    for *key, session_id in (
        _keyed(facts.filter(kind__in=CASCADE_KINDS)).values_list(*CELL_KEY, "session_id").distinct()
    ):
        sessions[session_id].append(tuple(key))
    trainers: dict[tuple, set[int]] = defaultdict(set)
    ids = list(sessions)
    for start in range(0, len(ids), _BATCH):
        for session_id, person_id in SessionTrainer.objects.filter(
            session_id__in=ids[start : start + _BATCH]
        ).values_list("session_id", "person_id"):
            for key in sessions[session_id]:
                trainers[key].add(person_id)
    return trainers


def _trainer_query(facts: QuerySet) -> QuerySet:
    """The trainer cells of ``facts``: (key..., scored, gain_sum) of scored cascade participations."""
    chosen = facts.filter(SCORED, kind=SessionKind.CASCADE, lead_trainer_id__isnull=False)
    return (
        _keyed(chosen)
        .values(*TRAINER_KEY)
        .annotate(n=Count("pk"), total=Sum("gain"))
        .values_list(*TRAINER_KEY, "n", "total")
    )


def _trainer_rows(facts: QuerySet) -> list[tuple]:
    return list(_trainer_query(facts))


def _cells_store(rows: list[tuple]) -> None:
    FigureCell.objects.bulk_create(
        (
            FigureCell(
                governorate_id=r[0],
                training_centre_id=r[1],
                course_id=r[2],
                kind=r[3],
                generation=r[4],
                month=r[5],
                gender=r[6],
                serves_in_id=r[7],
                participations=r[8],
                completions=r[9],
                scored=r[10],
                gain_sum=r[11],
                people=r[12],
                trainers=r[13],
                tot_trainers=r[14],
            )
            for r in rows
        ),
        batch_size=_BATCH,
    )


def _trainer_cells_store(rows: list[tuple]) -> None:
    TrainerCell.objects.bulk_create(
        (
            TrainerCell(
                lead_trainer_id=r[0],
                governorate_id=r[1],
                training_centre_id=r[2],
                course_id=r[3],
                generation=r[4],
                month=r[5],
                gender=r[6],
                serves_in_id=r[7],
                scored=r[8],
                gain_sum=r[9],
            )
            for r in rows
        ),
        batch_size=_BATCH,
    )


def _cohorts_store(facts: QuerySet, pairs: set[tuple[int, int]] | None = None) -> None:
    """Store the scored gains of the ToT sessions that qualified each (person, course) of
    ``facts`` (all of them, or only ``pairs``)."""
    TrainerCohort.objects.bulk_create(
        (
            TrainerCohort(trainer_id=person_id, course_id=course_id, scored=n, gain_sum=total)
            for (person_id, course_id), (n, total) in _cohort_sums(facts, pairs).items()
        ),
        batch_size=_BATCH,
    )


def _cohort_sums(facts: QuerySet, pairs: set[tuple[int, int]] | None = None) -> dict:
    """(person, course) → (scored, summed gain) of the ToT sessions that qualified them."""
    qualified = facts.filter(kind=SessionKind.TOT, qualified=True).values_list("person_id", "course_id", "session_id")
    sessions = defaultdict(set)
    for person_id, course_id, session_id in qualified.distinct():
        if pairs is None or (person_id, course_id) in pairs:
            sessions[(person_id, course_id)].add(session_id)
    wanted = {s for found in sessions.values() for s in found}
    gains = {}
    ids = sorted(wanted)
    for start in range(0, len(ids), 900):
        scored = ParticipationFact.objects.filter(SCORED, session_id__in=ids[start : start + 900])
        for session_id, total, n in (
            scored.values("session_id").annotate(t=Sum("gain"), n=Count("pk")).values_list("session_id", "t", "n")
        ):
            gains[session_id] = (total, n)
    sums = {}
    for pair, found in sessions.items():
        counted = [gains[s] for s in found if s in gains]
        sums[pair] = (sum(n for _total, n in counted), sum((total for total, _n in counted), Decimal(0)))
    return sums


def _places_store(place_kind: str, column: str, place_ids: set[int] | None = None) -> None:
    facts = ParticipationFact.objects.filter(**{f"{column}__isnull": False})
    if place_ids is not None:
        facts = facts.filter(**{f"{column}__in": sorted(place_ids)})
    rows = facts.order_by().values(column).annotate(people=IdList("person_id")).values_list(column, "people")
    PlacePeople.objects.bulk_create(
        (PlacePeople(place_kind=place_kind, place_id=pk, people=_text_ids(text)) for pk, text in rows),
        batch_size=_BATCH,
    )


def cells_rebuild() -> int:
    """Recompute every cell from the facts (inside the caller's transaction); return how many."""
    for model in (FigureCell, TrainerCell, TrainerCohort, PlacePeople):
        _truncate(model)
    facts = ParticipationFact.objects.all()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")
        _cells_write(facts)
        _places_write(facts)
    else:
        _cells_store(_cell_rows(facts))
        _trainer_cells_store(_trainer_rows(facts))
        _places_store(PlacePeople.STATION, "station_id")
        _places_store(PlacePeople.UNIT, "unit_id")
    _cohorts_store(facts)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (FigureCell, TrainerCell, TrainerCohort, PlacePeople):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return FigureCell.objects.count()


# PostgreSQL sums up and packs the cells itself: nothing crosses to Python.
_PG_KEY = ("k_gov", "k_centre", "k_course", "k_kind", "k_gen", "k_month", "k_gender", "k_serves")


def _pg_base(facts: QuerySet) -> tuple[str, tuple]:
    """The keyed facts as SQL (a missing generation or serving governorate as -1, so that keys
    compare equal in joins)."""
    tot = ExpressionWrapper(Q(kind=SessionKind.TOT, master_led_tot=True, qualified=True), output_field=BooleanField())
    rows = facts.order_by().annotate(
        k_gov=F("governorate_id"),
        k_centre=F("training_centre_id"),
        k_course=F("course_id"),
        k_kind=F("kind"),
        k_gen=Coalesce("generation", -1),
        k_month=TruncMonth("start_date"),
        k_gender=F("gender"),
        k_serves=Coalesce("serves_in_id", -1),
        k_person=F("person_id"),
        k_session=F("session_id"),
        k_completed=F("completed"),
        k_gain=F("gain"),
        k_tot=tot,
    )
    return rows.values_list(*_PG_KEY, "k_person", "k_session", "k_completed", "k_gain", "k_tot").query.sql_with_params()


def _cells_write(facts: QuerySet) -> None:
    """Insert the figure cells, trainer cells and places of ``facts`` (PostgreSQL)."""
    base, params = _pg_base(facts)
    key = ", ".join(_PG_KEY)
    joined = " AND ".join(f"c.{k} = x.{k}" for k in _PG_KEY)
    packed = "string_agg(int4send(x.id::int), ''::bytea ORDER BY x.id)"
    quote = connection.ops.quote_name
    trainers = quote(SessionTrainer._meta.db_table)
    columns = ", ".join(
        quote(c)
        for c in (
            "governorate_id",
            "training_centre_id",
            "course_id",
            "kind",
            "generation",
            "month",
            "gender",
            "serves_in_id",
            "participations",
            "completions",
            "scored",
            "gain_sum",
            "people",
            "trainers",
            "tot_trainers",
        )
    )

    def ids(name: str, distinct_rows: str) -> str:
        return (
            f"LEFT JOIN (SELECT {key}, {packed} AS ids FROM ({distinct_rows}) x GROUP BY {key}) {name} "  # noqa: S608
            f"ON {joined.replace('x.', name + '.')}"
        )

    scored = "k_completed AND k_gain IS NOT NULL"
    # Identifiers come from the models' metadata; values go as parameters.
    sql = (
        f"WITH base AS MATERIALIZED ({base}) "  # noqa: S608
        f"INSERT INTO {quote(FigureCell._meta.db_table)} ({columns}) "
        f"SELECT c.k_gov, c.k_centre, c.k_course, c.k_kind, NULLIF(c.k_gen, -1), c.k_month, c.k_gender, "
        f"NULLIF(c.k_serves, -1), c.n, c.completions, c.scored, c.gain_sum, "
        f"COALESCE(p.ids, ''::bytea), COALESCE(t.ids, ''::bytea), COALESCE(q.ids, ''::bytea) "
        f"FROM (SELECT {key}, count(*) AS n, count(*) FILTER (WHERE k_completed) AS completions, "
        f"count(*) FILTER (WHERE {scored}) AS scored, "
        f"COALESCE(sum(k_gain) FILTER (WHERE {scored}), 0) AS gain_sum FROM base GROUP BY {key}) c "
        + ids("p", f"SELECT DISTINCT {key}, k_person AS id FROM base")  # noqa: S608
        + " "
        + ids("q", f"SELECT DISTINCT {key}, k_person AS id FROM base WHERE k_tot")  # noqa: S608
        + " "
        + ids(
            "t",
            f"SELECT DISTINCT s.{key.replace(', ', ', s.')}, st.person_id AS id FROM "  # noqa: S608
            f"(SELECT DISTINCT {key}, k_session FROM base WHERE k_kind IN ('tot', 'cascade')) s "
            f"JOIN {trainers} st ON st.session_id = s.k_session",
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    _insert_select(
        TrainerCell,
        ("lead_trainer_id", "governorate_id", "training_centre_id", "course_id", "generation", "month", "gender")
        + ("serves_in_id", "scored", "gain_sum"),
        _trainer_query(facts),
    )


def _places_write(facts: QuerySet, chosen: dict[str, set[int]] | None = None) -> None:
    """Insert the people of every station and unit of ``facts`` (PostgreSQL); with ``chosen``, of
    the stations and units it names by place kind only."""
    places = connection.ops.quote_name(PlacePeople._meta.db_table)
    for kind, column in ((PlacePeople.STATION, "station_id"), (PlacePeople.UNIT, "unit_id")):
        scoped = facts.filter(**{f"{column}__isnull": False})
        if chosen is not None:
            if not chosen.get(kind):
                continue
            scoped = scoped.filter(**{f"{column}__in": sorted(chosen[kind])})
        facts_sql, facts_params = scoped.order_by().values_list(column, "person_id").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {places} (place_kind, place_id, people) "  # noqa: S608 — identifiers only
                f"SELECT %s, x.place, string_agg(int4send(x.id::int), ''::bytea ORDER BY x.id) FROM "
                f"(SELECT DISTINCT f.{column} AS place, f.person_id AS id FROM ({facts_sql}) f) x GROUP BY x.place",
                [kind, *facts_params],
            )


def _insert_select(model, columns: tuple[str, ...], rows: QuerySet) -> None:
    quote = connection.ops.quote_name
    select, params = rows.query.sql_with_params()
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        # Identifiers come from the model's metadata; values go as parameters.
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({names}) {select}", params)  # noqa: S608


def _truncate(model) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {connection.ops.quote_name(model._meta.db_table)}")
    else:
        model.objects.all().delete()


@dataclass
class Touched:
    """What the facts of some sessions had (before a refresh) or have (after): the cells' slices,
    the places and the ToT cohorts they count in."""

    slices: set
    stations: set
    units: set
    cohorts: set

    @classmethod
    def of(cls, facts: QuerySet) -> "Touched":
        found = cls(set(), set(), set(), set())
        rows = _keyed(facts).values_list("training_centre_id", "course_id", "month", "station_id", "unit_id")
        for centre, course, month, station, unit in rows.distinct():
            found.slices.add((centre, course, month))
            if station is not None:
                found.stations.add(station)
            if unit is not None:
                found.units.add(unit)
        tot = facts.filter(kind=SessionKind.TOT, qualified=True).values_list("person_id", "course_id").distinct()
        found.cohorts = set(tot)
        return found

    def __or__(self, other: "Touched") -> "Touched":
        return Touched(
            self.slices | other.slices,
            self.stations | other.stations,
            self.units | other.units,
            self.cohorts | other.cohorts,
        )


def cells_stale() -> list[str]:
    """The summary tables that differ from a full recomputation from the facts (empty when every
    cell, trainer cell, cohort and place is what a rebuild would write)."""
    facts = ParticipationFact.objects.all()
    stale = []
    fields = [f if f != "serves" else "serves_in_id" for f in CELL_KEY]
    values = ("participations", "completions", "scored", "gain_sum", "people", "trainers", "tot_trainers")
    stored = {tuple(r[:8]): _plain(r[8:]) for r in FigureCell.objects.values_list(*fields, *values)}
    if stored != {tuple(r[:8]): _plain(r[8:]) for r in _cell_rows(facts)}:
        stale.append("figure cells")
    tfields = [f if f != "serves" else "serves_in_id" for f in TRAINER_KEY]
    stored = {tuple(r[:8]): _plain(r[8:]) for r in TrainerCell.objects.values_list(*tfields, "scored", "gain_sum")}
    if stored != {tuple(r[:8]): _plain(r[8:]) for r in _trainer_rows(facts)}:
        stale.append("trainer cells")
    rows = TrainerCohort.objects.values_list("trainer_id", "course_id", "scored", "gain_sum")
    cohorts = {(t, c): _plain((n, g)) for t, c, n, g in rows}
    with_cohort = facts.filter(kind=SessionKind.TOT, qualified=True).values_list("person_id", "course_id").distinct()
    expected = _cohort_sums(facts, set(with_cohort))
    if cohorts != {pair: _plain(value) for pair, value in expected.items()}:
        stale.append("trainer cohorts")
    rows = PlacePeople.objects.values_list("place_kind", "place_id", "people")
    places = {(k, pk): bytes(blob) for k, pk, blob in rows}
    fresh = {}
    for kind, column in ((PlacePeople.STATION, "station_id"), (PlacePeople.UNIT, "unit_id")):
        rows = facts.filter(**{f"{column}__isnull": False}).order_by().values(column).annotate(p=IdList("person_id"))
        fresh |= {(kind, pk): _text_ids(text) for pk, text in rows.values_list(column, "p")}
    if places != fresh:
        stale.append("people of places")
    return stale


def _plain(values) -> tuple:
    return tuple(bytes(v) if isinstance(v, (bytes, memoryview)) else Decimal(v) if v is not None else v for v in values)


def _slice_q(slices: list[tuple], *, date_field: str) -> Q:
    q = Q()
    for centre, course, month in slices:
        if date_field == "month":
            q |= Q(training_centre_id=centre, course_id=course, month=month)
        else:
            days = Q(start_date__gte=month, start_date__lt=_next_month(month))
            q |= Q(days, training_centre_id=centre, course_id=course)
    return q


def cells_refresh(touched: Touched) -> None:
    """Recompute the cells, places and cohorts ``touched`` names from the facts as they are now."""
    slices = sorted(touched.slices)
    for start in range(0, len(slices), _SLICES_PER_QUERY):
        chunk = slices[start : start + _SLICES_PER_QUERY]
        FigureCell.objects.filter(_slice_q(chunk, date_field="month")).delete()
        TrainerCell.objects.filter(_slice_q(chunk, date_field="month")).delete()
        facts = ParticipationFact.objects.filter(_slice_q(chunk, date_field="start_date"))
        if connection.vendor == "postgresql":
            _cells_write(facts)
        else:
            _cells_store(_cell_rows(facts))
            _trainer_cells_store(_trainer_rows(facts))
    if touched.stations:
        PlacePeople.objects.filter(place_kind=PlacePeople.STATION, place_id__in=touched.stations).delete()
    if touched.units:
        PlacePeople.objects.filter(place_kind=PlacePeople.UNIT, place_id__in=touched.units).delete()
    if connection.vendor == "postgresql":
        chosen = {PlacePeople.STATION: touched.stations, PlacePeople.UNIT: touched.units}
        _places_write(ParticipationFact.objects.all(), chosen)
    else:
        if touched.stations:
            _places_store(PlacePeople.STATION, "station_id", touched.stations)
        if touched.units:
            _places_store(PlacePeople.UNIT, "unit_id", touched.units)
    if touched.cohorts:
        people = sorted({person for person, _course in touched.cohorts})
        for start in range(0, len(people), 900):
            chunk = people[start : start + 900]
            TrainerCohort.objects.filter(trainer_id__in=chunk).delete()
            pairs = {(p, c) for p, c in _all_cohort_pairs(chunk)}
            _cohorts_store(ParticipationFact.objects.filter(person_id__in=chunk), pairs)


def _all_cohort_pairs(people: list[int]):
    """Every (person, course) a ToT qualified these people in: their cohort rows are all rewritten."""
    return (
        ParticipationFact.objects.filter(kind=SessionKind.TOT, qualified=True, person_id__in=people)
        .values_list("person_id", "course_id")
        .distinct()
    )


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), 1 if day.month == 12 else day.month + 1, 1)


# --- reading figures from cells ---------------------------------------------------------------

# Filters the cells answer; any other (station, unit, lead trainer) is counted from the facts.
CELL_FILTERS = frozenset(
    {"governorate", "serves_in", "training_centre", "course", "kind", "generation", "gender", "period"}
    | {"year", "quarter"}
)


@dataclass(frozen=True)
class Plan:
    """Which cells a set of filters reads: a condition on the stored cells, and the date ranges
    (partial months) whose facts are summed up on the spot."""

    q: Q
    trainer_q: Q
    edges: tuple[tuple[date | None, date | None], ...]


def _day(value) -> date | None:
    if value is None:
        return None
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def _month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def plan_for(scope, filters: dict) -> Plan | None:
    """The cells and partial months that answer ``filters`` (cleaned) in ``scope``; None when a
    filter is finer than the cells (the facts answer those)."""
    if set(filters) - CELL_FILTERS:
        return None
    q = Q()
    if not scope.everything:
        q &= Q(governorate_id__in=scope.governorate_ids) | Q(training_centre_id__in=scope.centre_ids)
    columns = {
        "governorate": "governorate_id",
        "serves_in": "serves_in_id",
        "training_centre": "training_centre_id",
        "course": "course_id",
    }
    for name, column in columns.items():
        if filters.get(name) is not None:
            q &= Q(**{column: filters[name].pk})
    if filters.get("gender"):
        q &= Q(gender=filters["gender"])
    if filters.get("generation"):
        q &= Q(generation=int(filters["generation"]))
    trainer_q = q
    if filters.get("kind"):
        q &= Q(kind=filters["kind"])
        if filters["kind"] != SessionKind.CASCADE:
            trainer_q &= Q(pk__in=[])
    # Whole months first: the year, the quarter, then the period's own bounds.
    low, high = None, None
    if filters.get("year"):
        year = int(filters["year"])
        low, high = date(year, 1, 1), date(year, 12, 31)
    if filters.get("quarter"):
        quarter = filters["quarter"]
        if quarter.day != 1 or quarter.month not in (1, 4, 7, 10):
            return None  # not the first day of a quarter: no fact has it, the facts say so
        end = _month_end(date(quarter.year, quarter.month + 2, 1))
        low, high = max(low or quarter, quarter), min(high or end, end)
    period = filters.get("period")
    start, stop = (_day(period.start), _day(period.stop)) if period else (None, None)
    if start:
        low = max(low, start) if low else start
    if stop:
        high = min(high, stop) if high else stop
    edges: list[tuple[date | None, date | None]] = []
    if low and high and low > high:
        return Plan(Q(pk__in=[]), Q(pk__in=[]), ())
    whole_low, whole_high = low, high
    if low and low.day != 1:
        edge_high = min(_month_end(low), high) if high else _month_end(low)
        edges.append((low, edge_high))
        whole_low = _next_month(low)
    if high and high != _month_end(high):
        edge_low = max(date(high.year, high.month, 1), low) if low else date(high.year, high.month, 1)
        if not edges or edge_low > edges[0][1]:
            edges.append((edge_low, high))
        whole_high = date(high.year, high.month, 1) - timedelta(days=1)
    if whole_low and whole_high and whole_low > whole_high:
        months = Q(pk__in=[])
    else:
        months = Q()
        if whole_low:
            months &= Q(month__gte=whole_low)
        if whole_high:
            months &= Q(month__lte=whole_high)
    return Plan(q & months, trainer_q & months, tuple(edges))


@dataclass
class Group:
    """The sums of a group of cells, with its people's packed ids gathered for one union."""

    participations: int = 0
    completions: int = 0
    scored: int = 0
    gain_sum: Decimal = Decimal(0)

    def add(self, row) -> None:
        self.participations += row[8]
        self.completions += row[9]
        self.scored += row[10]
        self.gain_sum += row[11]


def _rows(plan: Plan, facts: QuerySet) -> list[tuple]:
    """The cells of ``plan``: the stored ones, then those of its partial months (``facts`` are the
    filtered facts)."""
    fields = [f if f != "serves" else "serves_in_id" for f in CELL_KEY]
    fields += ["participations", "completions", "scored", "gain_sum", "people", "trainers", "tot_trainers"]
    rows = list(FigureCell.objects.filter(plan.q).values_list(*fields))
    for low, high in plan.edges:
        rows += _cell_rows(_dated(facts, low, high))
    return rows


def _dated(facts: QuerySet, low: date | None, high: date | None) -> QuerySet:
    if low:
        facts = facts.filter(start_date__gte=low)
    if high:
        facts = facts.filter(start_date__lte=high)
    return facts


def _quarter(month: date) -> date:
    return date(month.year, 3 * ((month.month - 1) // 3) + 1, 1)


class _Places:
    """The people of every station and unit, read once per facts version in each process (the
    version with the time it was set: a database restored or rebuilt anew counts versions again)."""

    version: tuple | None = None
    stations: dict[int, BitMap] = {}
    units: dict[int, BitMap] = {}

    @classmethod
    def get(cls, version: tuple) -> "type[_Places]":
        if cls.version != version or version[1] is None:
            stations, units = {}, {}
            for kind, pk, blob in PlacePeople.objects.values_list("place_kind", "place_id", "people"):
                (stations if kind == PlacePeople.STATION else units)[pk] = BitMap(ids_unpack(blob))
            cls.stations, cls.units, cls.version = stations, units, version
        return cls


class _Cohorts:
    """Every trainer's own ToT cohort gain, read once per facts version in each process."""

    version: tuple | None = None
    gains: dict[tuple[int, int], float] = {}

    @classmethod
    def get(cls, version: tuple) -> dict:
        """(trainer, course) → the mean gain of the trainer's own ToT cohort (scored cohorts only)."""
        if cls.version != version or version[1] is None:
            cls.gains = {
                (t, c): float(total / n)
                for t, c, total, n in TrainerCohort.objects.values_list("trainer_id", "course_id", "gain_sum", "scored")
                if n
            }
            cls.version = version
        return cls.gains


def cell_figures(scope, filters: dict, facts: QuerySet, *, state) -> dict | None:
    """Every figure of the dashboard (as ``audit.selectors.dashboard_figures`` gives them) from
    the cells; None when the filters are finer than the cells.

    One pass over the chosen cells sums the counts by each dimension and gathers the packed ids
    by the few groups every table can be put together from (centre × gender, course × gender,
    quarter, kind × gender, generation, and year × centre × course × gender for the plan); each
    group's ids become one bitmap in one call, and the coarser figures (a governorate, the
    country) are unions of a handful of those bitmaps."""
    plan = plan_for(scope, filters)
    if plan is None:
        return None
    version = (state.version, state.updated_at)
    rows = _rows(plan, facts)

    totals = Group()
    by_gov, by_centre, by_course, by_quarter, by_generation = (defaultdict(Group) for _ in range(5))
    centre_ids, course_ids, quarter_ids, kind_ids, generation_ids = (defaultdict(list) for _ in range(5))
    plan_ids, trainer_ids, tot_ids = defaultdict(list), defaultdict(list), []
    centre_gov = {}
    for row in rows:
        gov, centre, course, kind, generation, month, gender = row[:7]
        quarter = _quarter(month)
        people = row[12]
        totals.add(row)
        by_gov[gov].add(row)
        by_centre[centre].add(row)
        by_course[course].add(row)
        by_quarter[quarter].add(row)
        centre_gov[centre] = gov
        if people:
            centre_ids[(centre, gender)].append(people)
            course_ids[(course, gender)].append(people)
            quarter_ids[quarter].append(people)
            kind_ids[(kind, gender)].append(people)
            if kind in PLAN_KINDS:
                plan_ids[(month.year, centre, course, gender)].append(people)
        if kind in CASCADE_KINDS and generation is not None:
            by_generation[generation].add(row)
            if people:
                generation_ids[generation].append(people)
            if row[13]:
                trainer_ids[generation].append(row[13])
        if kind == SessionKind.TOT and row[14]:
            tot_ids.append(row[14])

    def built(groups: dict) -> dict:
        return {key: bitmap(blobs) for key, blobs in groups.items()}

    def either(found: dict, key) -> BitMap:
        """People of both genders of ``key`` (a union of two bitmaps)."""
        return _union([found.get((key, Gender.MALE)), found.get((key, Gender.FEMALE))])

    centres, courses, kinds = built(centre_ids), built(course_ids), built(kind_ids)
    centre_people = {c: either(centres, c) for c in by_centre}
    centre_women = {c: centres.get((c, Gender.FEMALE), BitMap()) for c in by_centre}
    gov_people = {g: _union([centre_people[c] for c in by_centre if centre_gov[c] == g]) for g in by_gov}
    gov_women = {g: _union([centre_women[c] for c in by_centre if centre_gov[c] == g]) for g in by_gov}
    course_people = {c: either(courses, c) for c in by_course}
    everyone = _union(list(gov_people.values()))
    every_woman = _union(list(gov_women.values()))

    def counts(groups: dict, people: dict, women) -> list[dict]:
        return [
            {
                "key": value,
                "people": len(people[value]),
                "women": len(women(value)),
                "participations": group.participations,
                "completions": group.completions,
            }
            for value, group in sorted(groups.items())
        ]

    quarters = built(quarter_ids)
    generations = built(generation_ids)
    figures = {
        "totals": {
            "people": len(everyone),
            "women": len(every_woman),
            "participations": totals.participations,
            "completions": totals.completions,
        },
        "programme": {
            "direct_people": len(either(kinds, SessionKind.DIRECT)),
            "direct_women": len(kinds.get((SessionKind.DIRECT, Gender.FEMALE), ())),
            "tot_trainers": len(bitmap(tot_ids)),
            "cascade_people": len(either(kinds, SessionKind.CASCADE)),
        },
        "by_governorate": counts(by_gov, gov_people, lambda g: gov_women[g]),
        "by_centre": counts(by_centre, centre_people, lambda c: centre_women[c]),
        "by_course": counts(by_course, course_people, lambda c: courses.get((c, Gender.FEMALE), ())),
        "by_quarter": [
            {"key": value.isoformat(), "people": len(quarters.get(value, ())), "participations": g.participations}
            for value, g in sorted(by_quarter.items())
        ],
        "generations": _generations(by_generation, generations, trainer_ids),
        "trainers": _trainers(plan, facts, version),
    }
    places = _Places.get(version)
    figures["by_station"] = [
        {"key": pk, "people": n, "women": every_woman.intersection_cardinality(people)}
        for pk, people in sorted(places.stations.items())
        if (n := everyone.intersection_cardinality(people))
    ]
    figures["targets"] = _targets(scope, filters, built(plan_ids), centre_gov)
    figures["never_reached"] = _never_reached(scope, filters, course_people, places)
    return figures


def _union(bitmaps: list) -> BitMap:
    chosen = [b for b in bitmaps if b]
    if not chosen:
        return BitMap()
    return BitMap.union(*chosen) if len(chosen) > 1 else chosen[0]


def _generations(sums: dict, people: dict, trainer_ids: dict) -> list[dict]:
    rows = []
    for generation, group in sorted(sums.items()):
        reached = len(people.get(generation, ()))
        trainers = len(bitmap(trainer_ids.get(generation, [])))
        mean = group.gain_sum / group.scored if group.scored else None
        rows.append(
            {
                "key": generation,
                "people": reached,
                "trainers": trainers,
                "reach": round(reached / trainers, 2) if trainers else None,
                "scored": group.scored,
                "mean_gain": round(float(mean), 2) if mean is not None else None,
            }
        )
    return rows


def _trainers(plan: Plan, facts: QuerySet, version: tuple) -> dict:
    from audit.selectors import mentoring_gain_ratio, mentoring_min_scored, trainers_health

    minimum, ratio_limit = mentoring_min_scored(), mentoring_gain_ratio()
    stored = (
        TrainerCell.objects.filter(plan.trainer_q)
        .values("lead_trainer_id", "course_id")
        .annotate(n=Sum("scored"), total=Sum("gain_sum"))
        .order_by()
    )
    sums: dict[tuple[int, int], list] = {}
    if not plan.edges:
        stored = stored.filter(n__gte=minimum)
    for trainer, course, n, total in stored.values_list("lead_trainer_id", "course_id", "n", "total"):
        sums[(trainer, course)] = [n, total]
    for low, high in plan.edges:
        for row in _trainer_rows(_dated(facts, low, high)):
            found = sums.setdefault((row[0], row[3]), [0, Decimal(0)])
            found[0] += row[-2]
            found[1] += row[-1]
    cohorts = _Cohorts.get(version)
    judged = (
        (trainer, course, n, float(total / n), cohorts.get((trainer, course)))
        for (trainer, course), (n, total) in sums.items()
        if n >= minimum
    )
    return trainers_health(judged, ratio_limit=ratio_limit, minimum=minimum)


def _targets(scope, filters: dict, plan: dict, centre_gov: dict) -> dict:
    """Target lines in scope and filters, with the distinct people (and women) trained toward
    each: a centre line counts its centre's people, a governorate line those of its centres."""
    from audit.selectors import target_lines

    lines = []
    columns = ("year", "governorate_id", "training_centre_id", "course_id", "target_participants", "target_women")
    for year, gov, centre, course, target, target_women in target_lines(scope, filters).values_list(*columns):
        chosen = [centre] if centre else [c for c, g in centre_gov.items() if g == gov]
        women = _union([plan.get((year, c, course, Gender.FEMALE)) for c in chosen])
        people = _union([plan.get((year, c, course, Gender.MALE)) for c in chosen] + [women])
        lines.append(
            {
                "year": year,
                "governorate": gov,
                "centre": centre,
                "course": course,
                "target": target,
                "target_women": target_women,
                "achieved": len(people),
                "achieved_women": len(women),
            }
        )
    return {"lines": lines}


def _never_reached(scope, filters: dict, course_people: dict, places) -> dict:
    from audit.selectors import never_reached_places

    def reached(kind_places: dict) -> set:
        return {
            (place, course)
            for course, people in course_people.items()
            for place, members in kind_places.items()
            if not people.isdisjoint(members)
        }

    return never_reached_places(scope, filters, reached(places.stations), reached(places.units))
