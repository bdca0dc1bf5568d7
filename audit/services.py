"""Writes of the audit app: rebuilding the participation facts, and logging exports.

``facts_rebuild`` recomputes every fact from the cascade records in one transaction (readers see
the old facts until it commits); generations come from the cascade's stored session generations
(``cascade.models.SessionGeneration``). ``sessions_facts_refresh`` recomputes the facts of the
sessions one ``cascade.signals.sessions_changed`` names — the sessions written and every session
whose stored generation the write moved — reading each session's generation from the same table,
so the refreshed facts equal what a full rebuild would give. Every write bumps
``FactsState.version``, which retires the stored dashboard figures.

The summary cells the dashboard reads (``audit.cells``) are rebuilt with the facts, and a session
refresh recomputes, in its transaction, every cell its old and new facts count in.

``sessions_pending_note`` notes the changed sessions (``PendingSession``) before their refresh is
queued; the refresh drops the notes it counted, a full rebuild all of them. Until then a dashboard
page says how many changes its figures do not yet count (``pending_changes``).
"""

import re
import time
from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, ExtractYear, Now, TruncQuarter
from django.utils import timezone

from audit import cells
from audit.models import ExportLog, FactsState, ParticipationFact, PendingSession
from cascade.lineage import session_generations
from cascade.models import (
    Outcome,
    Participation,
    SessionGeneration,
    SessionKind,
    SessionTrainer,
    TrainerQualification,
    TrainerRole,
    TrainingSession,
)

# What pg_get_indexdef gives: CREATE [UNIQUE] INDEX name ON table USING method (columns) ...
INDEX_DEFINITION = re.compile(r"^CREATE (?P<unique>UNIQUE )?INDEX \S+ ON \S+ (?P<rest>USING .*)$")

# Session ids per statement, within SQLite's parameter limit.
_IDS_PER_QUERY = 900

# Fact columns, in the order the SELECT below produces them.
FACT_COLUMNS = (
    "participation_id",
    "person_id",
    "session_id",
    "course_id",
    "kind",
    "governorate_id",
    "training_centre_id",
    "unit_id",
    "station_id",
    "serves_in_id",
    "lead_trainer_id",
    "gender",
    "generation",
    "start_date",
    "year",
    "quarter",
    "outcome",
    "completed",
    "pre_score",
    "post_score",
    "gain",
    "master_led_tot",
    "qualified",
)


def _fact_rows(participations: QuerySet[Participation], *, generations_loaded: bool = False) -> QuerySet:
    """The facts of ``participations`` as one SELECT; the generation comes from the loaded
    temporary table (a full rebuild), or else from the stored session generations row by row."""
    lead = SessionTrainer.objects.filter(session_id=OuterRef("session_id"), role=TrainerRole.LEAD)
    master_lead = lead.filter(person__is_master_trainer=True)
    qualification = TrainerQualification.objects.filter(
        person_id=OuterRef("person_id"), source_session_id=OuterRef("session_id")
    )
    expressions = {
        "f_participation_id": F("id"),
        "f_person_id": F("person_id"),
        "f_session_id": F("session_id"),
        "f_course_id": F("session__course_id"),
        "f_kind": F("session__kind"),
        "f_governorate_id": F("session__governorate_id"),
        "f_training_centre_id": F("session__training_centre_id"),
        "f_unit_id": F("person__unit_id"),
        "f_station_id": F("person__station_id"),
        "f_serves_in_id": Coalesce("person__unit__governorate_id", "person__governorate_id"),
        "f_lead_trainer_id": Subquery(lead.values("person_id")[:1]),
        "f_gender": F("person__gender"),
        "f_generation": _loaded_generation()
        if generations_loaded
        else Subquery(SessionGeneration.objects.filter(session_id=OuterRef("session_id")).values("generation")[:1]),
        "f_start_date": F("session__start_date"),
        "f_year": ExtractYear("session__start_date"),
        "f_quarter": TruncQuarter("session__start_date"),
        "f_outcome": F("outcome"),
        "f_completed": ExpressionWrapper(Q(outcome=Outcome.COMPLETED), output_field=BooleanField()),
        "f_pre_score": F("pre_score"),
        "f_post_score": F("post_score"),
        "f_gain": ExpressionWrapper(
            F("post_score") - F("pre_score"), output_field=DecimalField(max_digits=6, decimal_places=2)
        ),
        "f_master_led_tot": ExpressionWrapper(
            Q(session__kind=SessionKind.TOT) & Exists(master_lead), output_field=BooleanField()
        ),
        "f_qualified": Exists(qualification),
    }
    assert [name.removeprefix("f_") for name in expressions] == list(FACT_COLUMNS)
    # Annotations are selected in the order they are defined, which is the column order above.
    return participations.order_by().annotate(**expressions).values_list(*expressions)


def _insert_facts(participations: QuerySet[Participation], *, generations_loaded: bool = False) -> int:
    select, params = _fact_rows(participations, generations_loaded=generations_loaded).query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(ParticipationFact._meta.db_table)
    columns = ", ".join(quote(c) for c in FACT_COLUMNS)
    with connection.cursor() as cursor:
        # Identifiers come from the model's metadata; values go as parameters.
        cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)  # noqa: S608
        return cursor.rowcount


def _load_generations(pairs: Iterable[tuple[int, int]]) -> None:
    """Put (session id, generation) pairs in a temporary table the fact SELECT reads from: one
    row per session (a participation's generation is its session's), looked up by key while
    inserting instead of rewriting two million rows afterwards."""
    rows = list(pairs)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS audit_generation_load")
        cursor.execute("CREATE TEMPORARY TABLE audit_generation_load (session_id bigint PRIMARY KEY, g smallint)")
        if connection.vendor == "postgresql":
            with cursor.cursor.copy("COPY audit_generation_load (session_id, g) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute("ANALYZE audit_generation_load")
        else:
            cursor.executemany("INSERT INTO audit_generation_load (session_id, g) VALUES (%s, %s)", rows)


def _loaded_generation() -> RawSQL:
    participation = connection.ops.quote_name(Participation._meta.db_table)
    # Identifiers only (the model's table name); no value is interpolated.
    return RawSQL(  # noqa: S611
        f"SELECT g FROM audit_generation_load WHERE audit_generation_load.session_id = {participation}.session_id",  # noqa: S608
        [],
        output_field=IntegerField(),
    )


def _bump(*, rebuilt: bool, seconds: float = 0.0, rows_added: int = 0) -> FactsState:
    """A new facts version; the row count is counted again after a rebuild and moved by
    ``rows_added`` otherwise (counting two million facts after every session refresh would cost
    more than the refresh)."""
    state, _created = FactsState.objects.select_for_update().get_or_create(pk=1)
    now = timezone.now()
    state.version += 1
    state.updated_at = now
    state.rows = ParticipationFact.objects.count() if rebuilt else max(0, state.rows + rows_added)
    if rebuilt:
        state.rebuilt_at = now
        state.rebuild_seconds = seconds
        state.cells_complete = True
    state.save()
    return state


def _state_locked() -> FactsState:
    """The state row, locked until the transaction ends: a full rebuild and a session refresh
    never interleave (a refresh waits for the rebuild and then writes to the new facts)."""
    FactsState.objects.get_or_create(pk=1)
    return FactsState.objects.select_for_update().get(pk=1)


@transaction.atomic
def facts_rebuild() -> FactsState:
    """Recompute every participation fact from the cascade records.

    On PostgreSQL the facts are written into a fresh table without indexes, indexed once, and
    swapped in for the old table (readers keep the old facts until the commit and are never
    blocked by the load); elsewhere the rows are deleted and inserted again.
    """
    started = time.monotonic()
    _state_locked()
    began = _database_now()
    _load_generations(session_generations().items())
    if connection.vendor == "postgresql":
        _facts_swap_in()
    else:
        ParticipationFact.objects.all().delete()
        _insert_facts(Participation.objects.all(), generations_loaded=True)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE audit_generation_load")
    cells.cells_rebuild()
    PendingSession.objects.filter(noted_at__lte=began).delete()
    return _bump(rebuilt=True, seconds=time.monotonic() - started)


def _facts_swap_in() -> None:
    """Load every fact into a new table, give it the facts table's indexes and constraints, and
    put it in the facts table's place (PostgreSQL; inside the caller's transaction)."""
    quote = connection.ops.quote_name
    table = quote(ParticipationFact._meta.db_table)
    loading = quote(f"{ParticipationFact._meta.db_table}_load")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname, c.contype "
            "FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
            "WHERE i.indrelid = %s::regclass ORDER BY 1",
            [table],
        )
        indexes = cursor.fetchall()
    select, params = _fact_rows(Participation.objects.all(), generations_loaded=True).query.sql_with_params()
    columns = ", ".join(quote(c) for c in FACT_COLUMNS)
    renames = []
    with connection.cursor() as cursor:
        for setting in ("work_mem = '256MB'", "maintenance_work_mem = '512MB'", "jit = off"):
            cursor.execute(f"SET LOCAL {setting}")  # one large load and eleven index builds
        # Identifiers come from the model's metadata and the catalogue; values go as parameters.
        cursor.execute(f"DROP TABLE IF EXISTS {loading}")
        cursor.execute(f"CREATE TABLE {loading} (LIKE {table} INCLUDING DEFAULTS)")
        cursor.execute(f"INSERT INTO {loading} ({columns}) {select}", params)  # noqa: S608
        for n, (name, definition, constraint, kind) in enumerate(indexes):
            match = INDEX_DEFINITION.match(definition)
            if match is None:
                raise RuntimeError(f"Cannot copy the index {name} of the facts table: {definition}")
            temporary = quote(f"audit_fact_load_{n}")
            cursor.execute(f"CREATE {match['unique'] or ''}INDEX {temporary} ON {loading} {match['rest']}")
            if constraint:  # the primary key: the constraint takes over the index
                clause = {"p": "PRIMARY KEY", "u": "UNIQUE"}[kind]
                cursor.execute(f"ALTER TABLE {loading} ADD CONSTRAINT {temporary} {clause} USING INDEX {temporary}")
                renames.append(f"ALTER TABLE {table} RENAME CONSTRAINT {temporary} TO {quote(constraint)}")
            else:
                renames.append(f"ALTER INDEX {temporary} RENAME TO {quote(name.split('.')[-1].strip(chr(34)))}")
        cursor.execute(f"DROP TABLE {table}")
        cursor.execute(f"ALTER TABLE {loading} RENAME TO {table}")
        for statement in renames:
            cursor.execute(statement)
        # Fresh statistics, so the dashboard's first queries after a rebuild get good plans.
        cursor.execute(f"ANALYZE {table}")


@transaction.atomic
def sessions_facts_refresh(*, session_ids: Iterable[int]) -> int:
    """Recompute the facts of ``session_ids`` (gone sessions lose theirs); return how many they have now."""
    _state_locked()
    began = _database_now()
    ids = sorted({int(pk) for pk in session_ids})
    count = removed = 0
    touched = cells.Touched(set(), set(), set(), set())
    for start in range(0, len(ids), _IDS_PER_QUERY):
        chunk = ids[start : start + _IDS_PER_QUERY]
        facts = ParticipationFact.objects.filter(session_id__in=chunk)
        touched |= cells.Touched.of(facts)  # the cells the old facts counted in
        removed += facts.delete()[0]
        count += _insert_facts(Participation.objects.filter(session_id__in=chunk))
        touched |= cells.Touched.of(facts)  # and those the new ones count in
        PendingSession.objects.filter(session_id__in=chunk, noted_at__lte=began).delete()
    cells.cells_refresh(touched)
    _bump(rebuilt=False, rows_added=count - removed)
    return count


def _database_now() -> datetime:
    """The database's clock (the one every note is stamped with, whichever machine wrote it)."""
    return FactsState.objects.filter(pk=1).annotate(now=Now()).values_list("now", flat=True).get()


@transaction.atomic
def sessions_pending_note(*, session_ids: Iterable[int], everything: bool = False) -> int:
    """Note that the facts of ``session_ids`` (with ``everything``: of every session, and of every
    session that has facts but no longer exists) are not yet counted again; return how many notes.

    Called after the write's commit and before its refresh is queued, so a refresh never starts
    before its notes exist; the refresh drops the notes made before it began reading.
    """
    ids = {int(pk) for pk in session_ids}
    if everything:
        ids |= set(TrainingSession.objects.values_list("pk", flat=True))
        ids |= set(ParticipationFact.objects.values_list("session_id", flat=True).distinct())
    if not ids:
        return 0
    FactsState.objects.get_or_create(pk=1)
    now = _database_now()
    notes = [PendingSession(session_id=pk, noted_at=now) for pk in sorted(ids)]
    PendingSession.objects.bulk_create(notes, batch_size=_IDS_PER_QUERY)
    return len(notes)


@transaction.atomic
def facts_version_bump() -> FactsState:
    """Retire the stored dashboards without touching the facts (the plan's targets changed)."""
    return _bump(rebuilt=False)


def facts_state() -> FactsState:
    return FactsState.objects.filter(pk=1).first() or FactsState(pk=1)


def export_log_record(*, user, what: str, fmt: str, filters: dict, rows: int) -> ExportLog:
    """Log one export: who, what, in which format, with which filters, how many rows."""
    return ExportLog.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        username=getattr(user, "username", "") or "",
        what=what,
        format=fmt,
        filters={key: value for key, value in filters.items() if value not in (None, "", [])},
        rows=rows,
    )


def as_of(state: FactsState) -> datetime | None:
    return state.updated_at or state.rebuilt_at
