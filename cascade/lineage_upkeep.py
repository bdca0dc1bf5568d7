"""Keeping the lineage index, its stored counts and the session generations equal to the sessions.

The derived tables (``cascade.models``): ``LineageLink`` (every ancestor → descendant pair with its
shortest depth), ``ReachCount`` (the pairs counted per ancestor and depth) and ``SessionGeneration``
(each session's generation, one below its best-placed trainer). They are read by
``cascade.lineage``; this module is the only code that writes them.

Who calls it. The cascade's writer (``cascade.services``: the workspace, the admin session form,
imports, merge) calls the upkeep for the rows it wrote, in the same transaction — no model signal
keeps these tables, so a path that writes in bulk cannot skip them:

- ``links_add_session`` after trainers or participants were added to a session (one statement:
  (ancestors of the session's trainers) × (the participants and their descendants));
- ``links_session_changed`` after a session's rows were changed wholesale (the admin form's inline
  rows), given who trained and attended before;
- ``links_recompute`` after edges went away (a participant or trainer removed, a session deleted,
  a merge): the pairs of the people below are recomputed;
- ``generations_refresh_below`` after a person became, or stopped being, a master trainer;
- ``bulk_writes()`` around loads of many sessions (demo builder, imports): the per-row upkeep is
  switched off and ``links_rebuild`` counts everything once at the end.

A restored backup brings the tables as they were, consistent with the records of the same snapshot.

Database triggers (migration ``0006``) keep ``ReachCount`` in step with every row of the index and
``SessionGeneration.course`` with its session's course, however written; ``links_rebuild``
switches them off and counts everything afresh. ``stale_tables`` checks the lot against a full
recomputation. Every session whose stored generation moves is noted as changed
(``cascade.signals.sessions_note``), so the figures that place it by generation follow.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from cascade.lineage import MAX_GENERATION, descendant_ids, id_list
from cascade.models import LineageLink, Participation, ReachCount, SessionGeneration, SessionTrainer, TrainingSession
from cascade.signals import sessions_note
from lms.models import Person

# Past this many people below a removed edge, one full rebuild is cheaper than recomputing them.
RECOMPUTE_LIMIT = 5000


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
    index and its counts switched off (the count triggers, and every call here), and one ``links_rebuild``
    at the end."""
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
    if _paused():
        return  # inside bulk_writes: the rebuild at its end counts these edges
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
    derived = (t["reach"], t["session_generation"])
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
            cursor.execute(f"ANALYZE {t['reach']}, {t['session_generation']}")


def links_recompute(person_ids: Iterable[int]) -> None:
    """Recompute the index pairs of ``person_ids`` and everyone below them, after an edge into them went away;
    then the stored generation of the sessions they trained."""
    ids = id_list(person_ids)
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


def links_trainer_removed(session_id: int) -> None:
    """A trainer left ``session_id``: the pairs of its participants (and everyone below them) are
    recomputed, and the session's own generation."""
    links_recompute(Participation.objects.filter(session_id=session_id).values_list("person_id", flat=True))
    _generations_refresh([session_id])


def links_session_changed(
    session_id: int, *, trainers_before: Iterable[int], participants_before: Iterable[int]
) -> None:
    """Bring the index in step with a session whose trainer and participant rows were rewritten together
    (the admin form's inline rows), given who trained and who attended before the write.

    Edges that went away are recomputed (a trainer gone: every participant's, before and after; a
    participant gone: theirs), then the session's edges are added again; nothing is done when
    nobody came or went (scores, attendance or roles changed).
    """
    trainers_before, participants_before = set(trainers_before), set(participants_before)
    trainers = set(SessionTrainer.objects.filter(session_id=session_id).values_list("person_id", flat=True))
    participants = set(Participation.objects.filter(session_id=session_id).values_list("person_id", flat=True))
    if trainers_before - trainers:
        links_recompute(participants_before | participants)
        _generations_refresh([session_id])
    elif participants_before - participants:
        links_recompute(participants_before - participants)
    if trainers - trainers_before or participants - participants_before:
        links_add_session(session_id)


def _stored() -> dict[str, set]:
    return {
        "lineage links": set(LineageLink.objects.values_list("ancestor_id", "descendant_id", "depth")),
        "reach counts": set(ReachCount.objects.values_list("ancestor_id", "depth", "people")),
        "session generations": set(SessionGeneration.objects.values_list("session_id", "course_id", "generation")),
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
