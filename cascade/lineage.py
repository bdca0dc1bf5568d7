"""Lineage: who trained whom, through sessions, from the master trainers (generation 0) down.

An edge runs from each trainer of a session to each of its participants (a person is never their
own ancestor through a session they both trained and attended: that row breaks the self-training
rule and the audit reports it). The graph is a DAG, not a tree.

Two ways to answer the same questions, and the tests check both against a brute-force walk:

- **Recursive CTEs** (django-cte) that walk the sessions themselves: ``walk_ancestor_ids``,
  ``walk_descendant_ids`` (also per course), ``walk_person_generations``. One SQL statement each,
  on SQLite and PostgreSQL. They use UNION (not UNION ALL) and stop at ``MAX_GENERATION`` so that
  a corrupt graph with a cycle — imported history may hold one until the audit finds it — still
  terminates. Cost grows with the size of the answer: about 150 ms for the 80,000 descendants of a
  master trainer at national scale.
- **The lineage index** (``LineageLink``: every ancestor → descendant pair with its shortest
  depth), which makes reach, descendant pages and ancestor chains index range scans. The
  unqualified names (``ancestor_ids``, ``descendant_ids``, ``person_generations``,
  ``descendants_by_depth``…) read it.

Keeping the index in step. Every trainer or participation row saved or deleted one by one —
through the services, the Wagtail admin's session form, the workspace, an import that saves rows
— is followed, in the same transaction, by a small update of the index (receivers connected in
``cascade.apps``; the same pattern as Wagtail's reference index). Adding a participant inserts
(ancestors of the session's trainers) × (the participant and their descendants): for a new trainee,
a handful of rows. Removing an edge recomputes the pairs of the people below it. Writers that skip
signals (``bulk_create``, ``COPY``, ``QuerySet.update``) call ``links_add_session`` for the sessions
they touched, or ``links_rebuild()`` after a large load, or write inside ``bulk_writes()`` (the demo
builder does).

Stored counts, so that the figures pages ask for most are reads of a few rows whatever the scale:

- ``ReachCount``: the index pairs counted per (ancestor, depth) — a trainer's reach per generation;
- ``SessionGeneration``: each session's generation, refreshed here whenever the index or the
  session's trainers change (for the sessions whose trainers' generation may have moved);
- ``CourseGenerationPerson`` and ``CourseGenerationCount``: participations and distinct people per
  course and generation.

Database triggers (migration ``0006``) keep the counts in step with every row of the index, of the
participations and of the session generations, however written (ORM, ``QuerySet.update``, raw
SQL); ``links_rebuild`` switches them off and counts everything afresh. ``stale_tables`` checks the
lot against a full recomputation.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, Min, Sum, Value
from django.db.models.lookups import LessThan
from django.db.models.signals import post_delete, post_save, pre_save
from django_cte import CTE, with_cte

from cascade.models import (
    CourseGenerationCount,
    CourseGenerationPerson,
    LineageLink,
    Participation,
    ReachCount,
    SessionGeneration,
    SessionTrainer,
    TrainingSession,
)
from cascade.signals import sessions_note
from lms.models import Person

# Far deeper than any real cascade (the programme has three generations); bounds runaway recursion.
MAX_GENERATION = 32

# Past this many people below a removed edge, one full rebuild is cheaper than recomputing them.
RECOMPUTE_LIMIT = 5000


def _ids(person_ids: Iterable[int]) -> list[int]:
    return sorted({int(pk) for pk in person_ids})


# --- Recursive CTEs over the sessions themselves --------------------------------------------


def walk_ancestor_ids(person_ids: Iterable[int]) -> set[int]:
    """Everyone who trained any of ``person_ids``, directly or through the trainers above them."""
    ids = _ids(person_ids)
    if not ids:
        return set()

    def make(cte: CTE):
        return (
            SessionTrainer.objects.filter(session__participations__person_id__in=ids)
            .exclude(person_id=F("session__participations__person_id"))
            .values("person_id")
            .union(
                cte.join(SessionTrainer, session__participations__person_id=cte.col.person_id)
                .exclude(person_id=F("session__participations__person_id"))
                .values("person_id"),
                all=False,
            )
        )

    cte = CTE.recursive(make, name="ancestors")
    return set(with_cte(cte, select=cte.queryset()).values_list("person_id", flat=True))


def walk_descendant_ids(person_ids: Iterable[int], *, course_id: int | None = None) -> set[int]:
    """Everyone trained by any of ``person_ids``, directly or through the trainers they trained.

    With ``course_id``, only edges of sessions of that course are followed.
    """
    ids = _ids(person_ids)
    if not ids:
        return set()
    course_filter = {"session__course_id": course_id} if course_id else {}

    def make(cte: CTE):
        return (
            Participation.objects.filter(session__trainers__person_id__in=ids, **course_filter)
            .exclude(person_id=F("session__trainers__person_id"))
            .values("person_id")
            .union(
                cte.join(Participation, session__trainers__person_id=cte.col.person_id)
                .filter(**course_filter)
                .exclude(person_id=F("session__trainers__person_id"))
                .values("person_id"),
                all=False,
            )
        )

    cte = CTE.recursive(make, name="descendants")
    return set(with_cte(cte, select=cte.queryset()).values_list("person_id", flat=True))


def walk_person_generations() -> dict[int, int]:
    """Each person's generation (shortest distance from a master trainer), by walking the sessions."""

    def make(cte: CTE):
        return (
            Person.objects.filter(is_master_trainer=True)
            .order_by()
            .values(pid=F("id"), generation=Value(0, output_field=IntegerField()))
            .union(
                cte.join(Participation, session__trainers__person_id=cte.col.pid)
                .exclude(person_id=F("session__trainers__person_id"))
                .filter(LessThan(cte.col.generation, MAX_GENERATION))
                .values(pid=F("person_id"), generation=cte.col.generation + Value(1)),
                all=False,
            )
            .order_by()
        )

    cte = CTE.recursive(make, name="generations")
    rows = (
        with_cte(cte, select=cte.queryset().order_by())
        .values("pid")
        .annotate(best=Min("generation"))
        .values_list("pid", "best")
    )
    return dict(rows)


# --- Reads from the lineage index -----------------------------------------------------------


def ancestor_ids(person_ids: Iterable[int]) -> set[int]:
    """Everyone who trained any of ``person_ids``, directly or through the trainers above them."""
    ids = _ids(person_ids)
    if not ids:
        return set()
    return set(LineageLink.objects.filter(descendant_id__in=ids).values_list("ancestor_id", flat=True).distinct())


def descendant_ids(person_ids: Iterable[int], *, course_id: int | None = None) -> set[int]:
    """Everyone trained by any of ``person_ids``, directly or through the trainers they trained.

    With ``course_id``, only sessions of that course count; the index is for all courses, so that
    question walks the sessions (``walk_descendant_ids``).
    """
    ids = _ids(person_ids)
    if not ids:
        return set()
    if course_id:
        return walk_descendant_ids(ids, course_id=course_id)
    return set(LineageLink.objects.filter(ancestor_id__in=ids).values_list("descendant_id", flat=True).distinct())


def ancestors_by_depth(person_id: int) -> dict[int, int]:
    """Each ancestor of the person and how many steps above them it is (1 = trained them)."""
    return dict(LineageLink.objects.filter(descendant_id=person_id).values_list("ancestor_id", "depth"))


def descendant_counts(person_ids: Iterable[int]) -> dict[int, int]:
    """How many people are below each of ``person_ids`` (absent: nobody), from the stored counts."""
    ids = _ids(person_ids)
    if not ids:
        return {}
    rows = ReachCount.objects.filter(ancestor_id__in=ids).values("ancestor_id").annotate(n=Sum("people"))
    return {row["ancestor_id"]: row["n"] for row in rows.order_by()}


def descendants_by_depth(person_id: int) -> dict[int, int]:
    """Distinct people below the person at each depth (1 = trained by them), each counted once at their nearest.

    A read of the stored counts (``ReachCount``, a dozen rows), not a count of the index pairs.
    """
    rows = ReachCount.objects.filter(ancestor_id=person_id).order_by("depth").values_list("depth", "people")
    return dict(rows)


def descendants_by_depth_counted(person_id: int) -> dict[int, int]:
    """``descendants_by_depth`` counted from the index pairs themselves (for checks and benchmarks)."""
    rows = (
        LineageLink.objects.filter(ancestor_id=person_id)
        .values("depth")
        .annotate(people=Count("*"))
        .order_by("depth")
        .values_list("depth", "people")
    )
    return dict(rows)


def descendant_page(person_id: int, *, offset: int = 0, limit: int = 50) -> list[tuple[int, int]]:
    """(person id, depth) of the people below, nearest first, a page at a time."""
    return list(
        LineageLink.objects.filter(ancestor_id=person_id)
        .order_by("depth", "descendant_id")
        .values_list("descendant_id", "depth")[offset : offset + limit]
    )


def person_generation(person_id: int) -> int | None:
    """The person's generation: 0 for a master trainer, else the shortest depth below one; None if unconnected."""
    if Person.objects.filter(pk=person_id, is_master_trainer=True).exists():
        return 0
    return (
        LineageLink.objects.filter(descendant_id=person_id, ancestor__is_master_trainer=True)
        .aggregate(best=Min("depth"))
        .get("best")
    )


def person_generations() -> dict[int, int]:
    """Each person's generation: the shortest distance from a master trainer (generation 0).

    People not connected to any master trainer have no generation and are absent.
    """
    rows = (
        LineageLink.objects.filter(ancestor__is_master_trainer=True)
        .values("descendant_id")
        .annotate(best=Min("depth"))
        .order_by()
        .values_list("descendant_id", "best")
    )
    generations = dict(rows)
    generations.update(dict.fromkeys(Person.objects.filter(is_master_trainer=True).values_list("id", flat=True), 0))
    return generations


def session_generations() -> dict[int, int]:
    """Each session's generation: one below its best-placed trainer. Sessions with no connected trainer are absent."""
    return dict(SessionGeneration.objects.values_list("session_id", "generation").iterator(chunk_size=5000))


def participation_generations(participation_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Each participation's generation: the generation of its session (its trainers' generation + 1)."""
    by_session = session_generations()
    qs = Participation.objects.all()
    if participation_ids is not None:
        qs = qs.filter(id__in=list(participation_ids))
    return {
        pid: by_session[sid]
        for pid, sid in qs.values_list("id", "session_id").iterator(chunk_size=5000)
        if sid in by_session
    }


@dataclass(frozen=True)
class GenerationCount:
    generation: int
    participations: int
    people: int


def course_generation_counts(course_id: int) -> list[GenerationCount]:
    """Participations and distinct people of a course by generation, from the stored counts.

    A participation's generation is its session's: one below the best-placed of its trainers.
    """
    rows = (
        CourseGenerationCount.objects.filter(course_id=course_id)
        .order_by("generation")
        .values_list("generation", "participations", "people")
    )
    return [GenerationCount(*row) for row in rows]


# --- Keeping the index in step --------------------------------------------------------------


def _tables() -> dict[str, str]:
    q = connection.ops.quote_name
    return {
        "link": q(LineageLink._meta.db_table),
        "trainer": q(SessionTrainer._meta.db_table),
        "participation": q(Participation._meta.db_table),
        "session": q(TrainingSession._meta.db_table),
        "person": q(Person._meta.db_table),
        "reach": q(ReachCount._meta.db_table),
        "session_generation": q(SessionGeneration._meta.db_table),
        "cell_person": q(CourseGenerationPerson._meta.db_table),
        "cell": q(CourseGenerationCount._meta.db_table),
    }


_PAUSED = "_lineage_triggers_off"


def _paused() -> bool:
    return bool(getattr(connection, _PAUSED, 0))


def _sqlite_count_triggers(cursor) -> list[tuple[str, str]]:
    """(name, definition) of the triggers that keep the stored counts in step (migration ``0006``)."""
    cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'cascade\\_%' ESCAPE '\\'")
    return cursor.fetchall()


@contextmanager
def _triggers_off() -> Iterator[None]:
    """Switch off the count triggers for the block, in a transaction (an error restores them with the rest).

    PostgreSQL's obey a setting local to the transaction; SQLite's, which cannot read one, are dropped
    and created again from the definitions SQLite stored. Nested blocks do nothing more.
    """
    depth = getattr(connection, _PAUSED, 0)
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        triggers = []
        if not depth:
            with connection.cursor() as cursor:
                if postgres:
                    cursor.execute("SELECT set_config('cascade.lineage_counts', 'off', true)")
                else:
                    triggers = _sqlite_count_triggers(cursor)
                    for name, _definition in triggers:
                        cursor.execute(f"DROP TRIGGER {name}")
        setattr(connection, _PAUSED, depth + 1)
        try:
            yield
        finally:
            setattr(connection, _PAUSED, depth)
        if not depth:
            with connection.cursor() as cursor:
                if postgres:
                    cursor.execute("SELECT set_config('cascade.lineage_counts', 'on', true)")
                for _name, definition in triggers:
                    cursor.execute(definition)


@contextmanager
def bulk_writes() -> Iterator[None]:
    """For loads or deletions of many sessions' rows: in one transaction, with the per-row upkeep of the
    index and its counts switched off (triggers and receivers), and one ``links_rebuild`` at the end."""
    outermost = not _paused()
    with transaction.atomic(), _triggers_off():
        yield
        if outermost:
            links_rebuild()
            sessions_note((), everything=True)  # generations may have moved anywhere


def _nearest_master_sql(t: dict[str, str]) -> str:
    """SQL for the generation of the trainer ``st.person_id`` (``p`` is that person's row)."""
    nearest_master = (
        f"SELECT MIN(l.depth) FROM {t['link']} l JOIN {t['person']} m ON m.id = l.ancestor_id "  # noqa: S608
        "WHERE l.descendant_id = st.person_id AND m.is_master_trainer"
    )
    return f"CASE WHEN p.is_master_trainer THEN 0 ELSE ({nearest_master}) END"


def _fresh_generations_sql(t: dict[str, str], where: str) -> str:
    """(session_id, course_id, generation) of the sessions matching ``where`` (on ``s``), generation NULL when
    none of its trainers is connected to a master trainer."""
    return f"""
        SELECT s.id AS session_id, s.course_id, MIN({_nearest_master_sql(t)}) + 1 AS generation
        FROM {t["trainer"]} st JOIN {t["session"]} s ON s.id = st.session_id JOIN {t["person"]} p ON p.id = st.person_id
        WHERE {where} GROUP BY s.id, s.course_id
    """  # noqa: S608


def _generations_refresh(session_ids: Iterable[int]) -> None:
    """Store afresh the generation of ``session_ids``, a batch of ids at a time.

    The ids go as values (none, for a new trainee): a planner given a subquery instead may join it
    with the whole trainer table. Rows that do not change are not written, so the count triggers
    move only what moved; the sessions whose generation did move are noted as changed
    (``cascade.signals.sessions_note``), so the figures that place them by generation follow.
    """
    ids = sorted(set(session_ids))
    if _paused() or not ids:
        return
    t = _tables()
    moved: set[int] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(ids), RECOMPUTE_LIMIT):
            chunk = ids[start : start + RECOMPUTE_LIMIT]
            marks = ", ".join(["%s"] * len(chunk))
            fresh = _fresh_generations_sql(t, f"s.id IN ({marks})")
            cursor.execute(
                f"""
                WITH fresh AS ({fresh})
                INSERT INTO {t["session_generation"]} (session_id, course_id, generation)
                SELECT session_id, course_id, generation FROM fresh WHERE generation IS NOT NULL
                ON CONFLICT (session_id) DO UPDATE SET course_id = excluded.course_id, generation = excluded.generation
                WHERE {t["session_generation"]}.course_id <> excluded.course_id
                OR {t["session_generation"]}.generation <> excluded.generation
                RETURNING session_id
                """,  # noqa: S608
                chunk,
            )
            moved.update(row[0] for row in cursor.fetchall())
            cursor.execute(
                f"""
                DELETE FROM {t["session_generation"]} WHERE session_id IN ({marks})
                AND session_id NOT IN (SELECT session_id FROM ({fresh}) fresh WHERE generation IS NOT NULL)
                RETURNING session_id
                """,  # noqa: S608
                [*chunk, *chunk],
            )
            moved.update(row[0] for row in cursor.fetchall())
    sessions_note(moved)


def _sessions_trained_by(person_ids: Iterable[int], *, below: bool = True) -> set[int]:
    """The sessions trained by ``person_ids`` (and, with ``below``, by anyone below them), by index lookups."""
    people = set(person_ids)
    if below and people:
        people |= descendant_ids(people)
    everyone = sorted(people)
    found: set[int] = set()
    for start in range(0, len(everyone), RECOMPUTE_LIMIT):
        chunk = everyone[start : start + RECOMPUTE_LIMIT]
        found.update(SessionTrainer.objects.filter(person_id__in=chunk).values_list("session_id", flat=True))
    return found


def session_generations_refresh(session_ids: Iterable[int]) -> None:
    """Store afresh the generation of ``session_ids``, whose trainers were written in bulk (no edge yet
    when they have no participants, so ``links_add_session`` has nothing to add)."""
    _generations_refresh(session_ids)


def generations_refresh_below(person_id: int) -> None:
    """Store afresh the generation of every session the person or anyone below them trained (their own
    generation changed: they became, or stopped being, a master trainer)."""
    _generations_refresh(_sessions_trained_by([person_id]))


def links_add_session(session_id: int, *, trainer_id: int | None = None, participant_id: int | None = None) -> None:
    """Add to the index the edges of one session: all of them, or those of one new trainer or participant.

    New pairs are (each trainer and their ancestors) × (each participant and their descendants), at
    depth (trainer's depth above) + 1 + (depth below the participant); a pair already indexed keeps
    the shorter depth. One statement; idempotent. Then the stored generations of the sessions whose
    trainers may have come closer to a master trainer (those trained by the participants or below
    them), and of this one unless only a participant was added, are refreshed.
    """
    t = _tables()
    trainers = f"SELECT person_id FROM {t['trainer']} WHERE session_id = %s"  # noqa: S608
    participants = f"SELECT person_id FROM {t['participation']} WHERE session_id = %s"  # noqa: S608
    params_t: list[int] = [session_id]
    params_p: list[int] = [session_id]
    if trainer_id is not None:
        trainers += " AND person_id = %s"
        params_t.append(trainer_id)
    if participant_id is not None:
        participants += " AND person_id = %s"
        params_p.append(participant_id)
    sql = f"""
        WITH trainer_ids AS ({trainers}),
        participant_ids AS ({participants}),
        up_from AS (
            SELECT person_id AS trainer_id, person_id AS ancestor_id, 0 AS depth FROM trainer_ids
            UNION ALL
            SELECT l.descendant_id, l.ancestor_id, l.depth FROM {t["link"]} l
            WHERE l.descendant_id IN (SELECT person_id FROM trainer_ids)
        ),
        down_from AS (
            SELECT person_id AS participant_id, person_id AS descendant_id, 0 AS depth FROM participant_ids
            UNION ALL
            SELECT l.ancestor_id, l.descendant_id, l.depth FROM {t["link"]} l
            WHERE l.ancestor_id IN (SELECT person_id FROM participant_ids)
        )
        INSERT INTO {t["link"]} (ancestor_id, descendant_id, depth)
        SELECT u.ancestor_id, d.descendant_id, MIN(u.depth + 1 + d.depth)
        FROM up_from u JOIN down_from d ON u.trainer_id <> d.participant_id
        WHERE u.depth + 1 + d.depth <= {MAX_GENERATION}
        GROUP BY u.ancestor_id, d.descendant_id
        ON CONFLICT (ancestor_id, descendant_id) DO UPDATE SET depth = excluded.depth
        WHERE excluded.depth < {t["link"]}.depth
    """  # noqa: S608 — identifiers from model metadata, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params_t + params_p)
    if participant_id is None:
        people = Participation.objects.filter(session_id=session_id).values_list("person_id", flat=True)
        _generations_refresh({session_id} | _sessions_trained_by(people))
    else:
        _generations_refresh(_sessions_trained_by([participant_id]))


def _insert_levels(cursor, first_sql: str, next_sql: str, params: list) -> None:
    """Breadth first: insert depth 1, then depth k + 1 from the rows at depth k, until a level adds nothing.

    A pair found at level k is never replaced by a later (longer) level: shortest depths, and a
    cycle ends when it finds nothing new.
    """
    cursor.execute(first_sql, params)
    depth = 1
    while cursor.rowcount and depth < MAX_GENERATION:
        cursor.execute(next_sql, [depth, *params])
        depth += 1


def _counts_rebuild(cursor, t: dict[str, str]) -> None:
    """Count afresh, in one statement each, what the triggers keep in step (with the triggers off)."""
    derived = (t["reach"], t["session_generation"], t["cell_person"], t["cell"])
    if connection.vendor == "postgresql":
        cursor.execute(f"TRUNCATE {', '.join(derived)}")
    else:
        for table in derived:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
    cursor.execute(
        f"INSERT INTO {t['reach']} (ancestor_id, depth, people) "  # noqa: S608
        f"SELECT ancestor_id, depth, COUNT(*) FROM {t['link']} GROUP BY ancestor_id, depth"
    )
    cursor.execute(
        f"INSERT INTO {t['session_generation']} (session_id, course_id, generation) "  # noqa: S608
        f"SELECT session_id, course_id, generation FROM ({_fresh_generations_sql(t, '1 = 1')}) fresh "
        "WHERE generation IS NOT NULL ORDER BY session_id"
    )
    cursor.execute(
        f"""
        INSERT INTO {t["cell_person"]} (course_id, generation, person_id, participations)
        SELECT sg.course_id, sg.generation, pa.person_id, COUNT(*)
        FROM {t["participation"]} pa JOIN {t["session_generation"]} sg ON sg.session_id = pa.session_id
        GROUP BY sg.course_id, sg.generation, pa.person_id
        """  # noqa: S608
    )
    cursor.execute(
        f"INSERT INTO {t['cell']} (course_id, generation, participations, people) "  # noqa: S608
        f"SELECT course_id, generation, SUM(participations), COUNT(*) FROM {t['cell_person']} "
        "GROUP BY course_id, generation"
    )


def links_rebuild() -> None:
    """Recompute the whole index from the sessions, one statement per level of depth, then the stored counts
    and generations, one statement each (their triggers are off meanwhile).

    For the millions of pairs of a national data set, the table is emptied (readers wait for the
    rebuild), the secondary indexes are dropped and built again at the end, and rows go in
    primary-key order: about 2.5 minutes for 8 million pairs on PostgreSQL instead of tens of minutes.
    """
    t = _tables()
    postgres = connection.vendor == "postgresql"
    # Identifiers come from the model's metadata; no value is interpolated.
    edges = (
        f"SELECT DISTINCT st.person_id AS trainer_id, pa.person_id AS participant_id FROM {t['trainer']} st "  # noqa: S608
        f"JOIN {t['participation']} pa ON pa.session_id = st.session_id WHERE st.person_id <> pa.person_id"
    )
    first = (
        f"INSERT INTO {t['link']} (ancestor_id, descendant_id, depth) "  # noqa: S608
        f"SELECT trainer_id, participant_id, 1 FROM ({edges}) e ORDER BY 1, 2"
    )
    # The next level joins the pairs found at the last one with the edges (the pairs of depth 1).
    # PostgreSQL hashes them; SQLite, which only loops over an index, reads them from a temporary
    # table keyed by trainer (the index table's own key would scan all of a trainer's pairs).
    edges_of = f"{t['link']} e ON e.ancestor_id = l.descendant_id AND e.depth = 1"
    if not postgres:
        edges_of = "temp.lineage_edges e ON e.ancestor_id = l.descendant_id"
    following = f"""
        INSERT INTO {t["link"]} (ancestor_id, descendant_id, depth)
        SELECT DISTINCT l.ancestor_id, e.descendant_id, l.depth + 1
        FROM {t["link"]} l JOIN {edges_of}
        WHERE l.depth = %s
        ORDER BY 1, 2
        ON CONFLICT (ancestor_id, descendant_id) DO NOTHING
    """  # noqa: S608
    q = connection.ops.quote_name
    # The secondary indexes go while the rows go in, and are built again, sorted, at the end.
    secondary = [
        (
            f"DROP INDEX {q(index.name)}",
            f"CREATE INDEX {q(index.name)} ON {t['link']} "
            f"({', '.join(q(LineageLink._meta.get_field(name).column) for name in index.fields)})",
        )
        for index in LineageLink._meta.indexes
    ]
    with _triggers_off(), connection.cursor() as cursor:
        if postgres:
            for setting in ("work_mem = '256MB'", "maintenance_work_mem = '512MB'", "jit = off"):
                cursor.execute(f"SET LOCAL {setting}")
            # A rebuild usually follows a bulk load: give the planner the sources' real sizes.
            cursor.execute(f"ANALYZE {t['trainer']}")
            cursor.execute(f"ANALYZE {t['participation']}")
            cursor.execute(f"TRUNCATE {t['link']}")
        else:
            cursor.execute(f"DELETE FROM {t['link']}")  # noqa: S608
        for drop, _create in secondary:
            cursor.execute(drop)
        cursor.execute(first)
        added, depth = cursor.rowcount, 1
        if postgres:
            cursor.execute(f"ANALYZE {t['link']}")  # the next levels join the first with itself
        else:
            cursor.execute(
                "CREATE TEMP TABLE lineage_edges (ancestor_id integer, descendant_id integer, "
                "PRIMARY KEY (ancestor_id, descendant_id)) WITHOUT ROWID"
            )
            cursor.execute(
                f"INSERT INTO temp.lineage_edges SELECT ancestor_id, descendant_id FROM {t['link']} WHERE depth = 1"  # noqa: S608
            )
        # Breadth first: a pair found at level k is never replaced by a longer path found later, and
        # a cycle ends when a level adds nothing new.
        while added and depth < MAX_GENERATION:
            cursor.execute(following, [depth])
            added, depth = cursor.rowcount, depth + 1
        if not postgres:
            cursor.execute("DROP TABLE temp.lineage_edges")
        for _drop, create in secondary:
            cursor.execute(create)
        if postgres:
            cursor.execute(f"ANALYZE {t['link']}")
        _counts_rebuild(cursor, t)
        if postgres:
            cursor.execute(f"ANALYZE {t['reach']}, {t['session_generation']}, {t['cell_person']}, {t['cell']}")


def links_recompute(person_ids: Iterable[int]) -> None:
    """Recompute the index pairs of ``person_ids`` and everyone below them, after an edge into them went away;
    then the stored generation of the sessions they trained."""
    ids = _ids(person_ids)
    if not ids or _paused():
        return
    affected = set(ids) | descendant_ids(ids)
    if len(affected) > RECOMPUTE_LIMIT:
        links_rebuild()
        sessions_note((), everything=True)
        return
    t = _tables()
    marks = ", ".join(["%s"] * len(affected))
    params = sorted(affected)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {t['link']} WHERE descendant_id IN ({marks})", params)  # noqa: S608
        # Depth 1: the trainers of each affected person; then upwards, the trainers of each ancestor found.
        first = f"""
            INSERT INTO {t["link"]} (ancestor_id, descendant_id, depth)
            SELECT DISTINCT st.person_id, pa.person_id, 1
            FROM {t["participation"]} pa JOIN {t["trainer"]} st ON st.session_id = pa.session_id
            WHERE pa.person_id IN ({marks}) AND st.person_id <> pa.person_id
        """  # noqa: S608
        following = f"""
            INSERT INTO {t["link"]} (ancestor_id, descendant_id, depth)
            SELECT DISTINCT st.person_id, l.descendant_id, l.depth + 1
            FROM {t["link"]} l
            JOIN {t["participation"]} pa ON pa.person_id = l.ancestor_id
            JOIN {t["trainer"]} st ON st.session_id = pa.session_id AND st.person_id <> pa.person_id
            WHERE l.depth = %s AND l.descendant_id IN ({marks})
            ON CONFLICT (ancestor_id, descendant_id) DO NOTHING
        """  # noqa: S608
        _insert_levels(cursor, first, following, params)
    _generations_refresh(_sessions_trained_by(affected, below=False))


def _stored() -> dict[str, set]:
    return {
        "lineage links": set(LineageLink.objects.values_list("ancestor_id", "descendant_id", "depth")),
        "reach counts": set(ReachCount.objects.values_list("ancestor_id", "depth", "people")),
        "session generations": set(SessionGeneration.objects.values_list("session_id", "course_id", "generation")),
        "participants of course generations": set(
            CourseGenerationPerson.objects.values_list("course_id", "generation", "person_id", "participations")
        ),
        "course generation counts": set(
            CourseGenerationCount.objects.values_list("course_id", "generation", "participations", "people")
        ),
    }


def stale_tables() -> list[str]:
    """The derived lineage tables whose rows differ from what the sessions imply (a full recomputation,
    rolled back: for tests and checks). Empty when the index, its counts and the generations are current."""
    stored = _stored()
    fresh: dict[str, set] = {}
    try:
        with transaction.atomic():
            links_rebuild()
            fresh = _stored()
            raise _Undo
    except _Undo:
        pass
    return [name for name, rows in stored.items() if rows != fresh[name]]


def links_are_current() -> bool:
    """Whether the index, its stored counts and the stored generations are what the sessions imply."""
    return not stale_tables()


class _Undo(Exception):
    """Rolls back the rebuild ``stale_tables`` compares with."""


# --- Receivers: every trainer or participation row saved or deleted one by one ----------------

_PREVIOUS = "_lineage_previous"


def _remember_previous(sender, instance, raw=False, **kwargs) -> None:
    """Before an existing row is saved, note whom it linked, in case the save moves it."""
    if raw or instance._state.adding or instance.pk is None:
        return
    previous = sender.objects.filter(pk=instance.pk).values_list("session_id", "person_id").first()
    setattr(instance, _PREVIOUS, previous)


def _participation_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if raw or _paused():
        return
    previous = getattr(instance, _PREVIOUS, None)
    if not created and previous == (instance.session_id, instance.person_id):
        return  # scores, attendance or outcome changed: not the lineage
    if previous is not None:
        links_recompute([previous[1]])
    links_add_session(instance.session_id, participant_id=instance.person_id)


def _trainer_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if raw or _paused():
        return
    previous = getattr(instance, _PREVIOUS, None)
    if not created and previous == (instance.session_id, instance.person_id):
        return  # the role changed: not the lineage
    if previous is not None:
        links_recompute(Participation.objects.filter(session_id=previous[0]).values_list("person_id", flat=True))
        _generations_refresh([previous[0]])
    links_add_session(instance.session_id, trainer_id=instance.person_id)


def _participation_deleted(sender, instance, **kwargs) -> None:
    links_recompute([instance.person_id])


def _trainer_deleted(sender, instance, **kwargs) -> None:
    links_recompute(Participation.objects.filter(session_id=instance.session_id).values_list("person_id", flat=True))
    _generations_refresh([instance.session_id])


_MASTER_BEFORE = "_lineage_was_master"


def _remember_master(sender, instance, raw=False, **kwargs) -> None:
    if raw or instance._state.adding or instance.pk is None:
        return
    before = sender.objects.filter(pk=instance.pk).values_list("is_master_trainer", flat=True).first()
    setattr(instance, _MASTER_BEFORE, before)


def _person_saved(sender, instance, created, raw=False, **kwargs) -> None:
    """A person who becomes, or stops being, a master trainer moves the generation of everything below them."""
    if raw or created or _paused():
        return
    before = getattr(instance, _MASTER_BEFORE, None)
    if before is not None and before != instance.is_master_trainer:
        generations_refresh_below(instance.pk)


def connect_receivers() -> None:
    """Called once from ``CascadeConfig.ready``."""
    for model, saved, deleted in (
        (Participation, _participation_saved, _participation_deleted),
        (SessionTrainer, _trainer_saved, _trainer_deleted),
    ):
        uid = f"lineage-index-{model._meta.model_name}"
        pre_save.connect(_remember_previous, sender=model, dispatch_uid=f"{uid}-pre")
        post_save.connect(saved, sender=model, dispatch_uid=f"{uid}-saved")
        post_delete.connect(deleted, sender=model, dispatch_uid=f"{uid}-deleted")
    pre_save.connect(_remember_master, sender=Person, dispatch_uid="lineage-generation-person-pre")
    post_save.connect(_person_saved, sender=Person, dispatch_uid="lineage-generation-person-saved")


# --- For the lineage pages: the chain above a person, and the sessions below, a page at a time ---


@dataclass(frozen=True)
class ChainEdge:
    """``trainer_id`` trained ``participant_id`` in the session."""

    session_id: int
    session_ref: str
    course_code: str
    kind: str
    start_date: object
    trainer_id: int
    participant_id: int


def generations_of(person_ids: Iterable[int]) -> dict[int, int]:
    """The generation of each of ``person_ids`` that has one (0 for master trainers), in two small queries."""
    ids = _ids(person_ids)
    if not ids:
        return {}
    rows = (
        LineageLink.objects.filter(descendant_id__in=ids, ancestor__is_master_trainer=True)
        .values("descendant_id")
        .annotate(best=Min("depth"))
        .order_by()
        .values_list("descendant_id", "best")
    )
    generations = dict(rows)
    generations.update(
        dict.fromkeys(Person.objects.filter(pk__in=ids, is_master_trainer=True).values_list("pk", flat=True), 0)
    )
    return generations


def chain_edges(person_id: int) -> list[ChainEdge]:
    """Every trainer → participant edge among the person and their ancestors: all paths up to generation 0.

    Two small queries joined here: one ORM query spanning both multi-valued relations would join
    them separately for the filter and for the values, pairing trainers with the wrong participants.
    """
    above = set(LineageLink.objects.filter(descendant_id=person_id).values_list("ancestor_id", flat=True))
    if not above:
        return []
    attended: dict[int, list[int]] = {}
    for session_id, participant_id in Participation.objects.filter(person_id__in=above | {person_id}).values_list(
        "session_id", "person_id"
    ):
        attended.setdefault(session_id, []).append(participant_id)
    rows = (
        SessionTrainer.objects.filter(session_id__in=list(attended), person_id__in=above)
        .values_list(
            "session_id", "session__ref", "session__course__code", "session__kind", "session__start_date", "person_id"
        )
        .order_by("session__start_date", "session__ref", "person_id")
    )
    return [
        ChainEdge(session_id, ref, code, kind, day, trainer_id, participant_id)
        for session_id, ref, code, kind, day, trainer_id in rows
        for participant_id in attended[session_id]
        if participant_id != trainer_id
    ]
