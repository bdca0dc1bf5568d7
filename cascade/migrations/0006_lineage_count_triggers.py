"""Database triggers that keep the stored lineage counts in step, and their first filling.

- ``cascade_reachcount`` follows ``cascade_lineagelink``: a pair inserted adds one person at its
  (ancestor, depth), a pair deleted removes one, a pair moved to a shorter depth moves one.
- ``cascade_coursegenerationperson`` follows the participations and ``cascade_sessiongeneration``:
  a participation counts for (its session's course, its session's generation, its person).
- ``cascade_coursegenerationcount`` follows ``cascade_coursegenerationperson``: participations
  summed, and one person per row.
- ``cascade_sessiongeneration.course_id`` follows a session's change of course.

Rows reaching zero are deleted, so every stored count is positive. ``cascade.lineage`` switches the
triggers off for bulk loads and rebuilds, then counts afresh: on PostgreSQL with a setting local to
its transaction (``cascade.lineage_counts`` = ``off``; other transactions keep them), on SQLite by
dropping them and creating them again from their stored definitions (all named ``cascade_…``).
"""

from django.db import migrations

LINK = "cascade_lineagelink"
REACH = "cascade_reachcount"
SESSION_GENERATION = "cascade_sessiongeneration"
PARTICIPATION = "cascade_participation"
SESSION = "cascade_trainingsession"
TRAINER = "cascade_sessiontrainer"
PERSON = "lms_person"
CGP = "cascade_coursegenerationperson"
CGC = "cascade_coursegenerationcount"

# --- SQLite: one trigger per event; statements use OLD/NEW directly --------------------------------

_REACH_ADD = f"""
    INSERT INTO {REACH} (ancestor_id, depth, people) VALUES (NEW.ancestor_id, NEW.depth, 1)
    ON CONFLICT (ancestor_id, depth) DO UPDATE SET people = people + 1;"""
_REACH_REMOVE = f"""
    UPDATE {REACH} SET people = people - 1 WHERE ancestor_id = OLD.ancestor_id AND depth = OLD.depth;
    DELETE FROM {REACH} WHERE ancestor_id = OLD.ancestor_id AND depth = OLD.depth AND people = 0;"""


def _sqlite_cell(row: str) -> str:
    """(course, generation) of ``row``'s session, as two scalar subqueries."""
    return (
        f"course_id = (SELECT course_id FROM {SESSION_GENERATION} WHERE session_id = {row}.session_id) "
        f"AND generation = (SELECT generation FROM {SESSION_GENERATION} WHERE session_id = {row}.session_id)"
    )


_PARTICIPATION_ADD = f"""
    INSERT INTO {CGP} (course_id, generation, person_id, participations)
    SELECT course_id, generation, NEW.person_id, 1 FROM {SESSION_GENERATION} WHERE session_id = NEW.session_id
    ON CONFLICT (course_id, generation, person_id) DO UPDATE SET participations = participations + 1;"""
_PARTICIPATION_REMOVE = f"""
    UPDATE {CGP} SET participations = participations - 1 WHERE person_id = OLD.person_id AND {_sqlite_cell("OLD")};
    DELETE FROM {CGP} WHERE person_id = OLD.person_id AND participations = 0 AND {_sqlite_cell("OLD")};"""

_SESSION_ADD = f"""
    INSERT INTO {CGP} (course_id, generation, person_id, participations)
    SELECT NEW.course_id, NEW.generation, person_id, COUNT(*) FROM {PARTICIPATION} WHERE session_id = NEW.session_id
    GROUP BY person_id
    ON CONFLICT (course_id, generation, person_id) DO UPDATE SET participations = participations + excluded.participations;"""
_SESSION_REMOVE = f"""
    UPDATE {CGP} SET participations = participations - (
        SELECT COUNT(*) FROM {PARTICIPATION} pa WHERE pa.session_id = OLD.session_id AND pa.person_id = {CGP}.person_id
    )
    WHERE course_id = OLD.course_id AND generation = OLD.generation
    AND person_id IN (SELECT person_id FROM {PARTICIPATION} WHERE session_id = OLD.session_id);
    DELETE FROM {CGP} WHERE course_id = OLD.course_id AND generation = OLD.generation AND participations = 0
    AND person_id IN (SELECT person_id FROM {PARTICIPATION} WHERE session_id = OLD.session_id);"""

_CELL_ADD = f"""
    INSERT INTO {CGC} (course_id, generation, participations, people)
    VALUES (NEW.course_id, NEW.generation, NEW.participations, 1)
    ON CONFLICT (course_id, generation) DO UPDATE SET
        participations = participations + excluded.participations, people = people + 1;"""
_CELL_REMOVE = f"""
    UPDATE {CGC} SET participations = participations - OLD.participations, people = people - 1
    WHERE course_id = OLD.course_id AND generation = OLD.generation;
    DELETE FROM {CGC} WHERE course_id = OLD.course_id AND generation = OLD.generation AND people = 0;"""
_CELL_CHANGE = f"""
    UPDATE {CGC} SET participations = participations - OLD.participations + NEW.participations
    WHERE course_id = NEW.course_id AND generation = NEW.generation;"""

_COURSE_FOLLOWS = f"""
    UPDATE {SESSION_GENERATION} SET course_id = NEW.course_id WHERE session_id = NEW.id;"""

SQLITE_TRIGGERS = {
    # name: (event, table, body[, condition])
    "cascade_reach_add": ("AFTER INSERT", LINK, _REACH_ADD),
    "cascade_reach_move": (
        "AFTER UPDATE OF ancestor_id, depth",
        LINK,
        _REACH_REMOVE + _REACH_ADD,
        "OLD.ancestor_id <> NEW.ancestor_id OR OLD.depth <> NEW.depth",
    ),
    "cascade_reach_remove": ("AFTER DELETE", LINK, _REACH_REMOVE),
    "cascade_participation_add": ("AFTER INSERT", PARTICIPATION, _PARTICIPATION_ADD),
    "cascade_participation_move": (
        "AFTER UPDATE OF session_id, person_id",
        PARTICIPATION,
        _PARTICIPATION_REMOVE + _PARTICIPATION_ADD,
        "OLD.session_id <> NEW.session_id OR OLD.person_id <> NEW.person_id",
    ),
    "cascade_participation_remove": ("AFTER DELETE", PARTICIPATION, _PARTICIPATION_REMOVE),
    "cascade_session_generation_add": ("AFTER INSERT", SESSION_GENERATION, _SESSION_ADD),
    "cascade_session_generation_move": (
        "AFTER UPDATE OF course_id, generation",
        SESSION_GENERATION,
        _SESSION_REMOVE + _SESSION_ADD,
        "OLD.course_id <> NEW.course_id OR OLD.generation <> NEW.generation",
    ),
    "cascade_session_generation_remove": ("AFTER DELETE", SESSION_GENERATION, _SESSION_REMOVE),
    "cascade_cell_add": ("AFTER INSERT", CGP, _CELL_ADD),
    "cascade_cell_change": (
        "AFTER UPDATE OF participations",
        CGP,
        _CELL_CHANGE,
        "OLD.participations <> NEW.participations",
    ),
    "cascade_cell_remove": ("AFTER DELETE", CGP, _CELL_REMOVE),
    "cascade_session_course": ("AFTER UPDATE OF course_id", SESSION, _COURSE_FOLLOWS, "OLD.course_id <> NEW.course_id"),
}

# --- PostgreSQL: one function per table, branching on the operation ---------------------------------

POSTGRES_SWITCH = "current_setting('cascade.lineage_counts', true) IS DISTINCT FROM 'off'"

POSTGRES_FUNCTIONS = {
    # name: (table, events, body)
    "cascade_reach_count": (
        LINK,
        "INSERT OR DELETE OR UPDATE OF ancestor_id, depth",
        f"""
        IF TG_OP = 'UPDATE' AND OLD.ancestor_id = NEW.ancestor_id AND OLD.depth = NEW.depth THEN
            RETURN NULL;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            UPDATE {REACH} SET people = people - 1 WHERE ancestor_id = OLD.ancestor_id AND depth = OLD.depth
            RETURNING people INTO n;
            IF n = 0 THEN
                DELETE FROM {REACH} WHERE ancestor_id = OLD.ancestor_id AND depth = OLD.depth;
            END IF;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO {REACH} AS r (ancestor_id, depth, people) VALUES (NEW.ancestor_id, NEW.depth, 1)
            ON CONFLICT (ancestor_id, depth) DO UPDATE SET people = r.people + 1;
        END IF;""",
    ),
    "cascade_participation_cell": (
        PARTICIPATION,
        "INSERT OR DELETE OR UPDATE OF session_id, person_id",
        f"""
        IF TG_OP = 'UPDATE' AND OLD.session_id = NEW.session_id AND OLD.person_id = NEW.person_id THEN
            RETURN NULL;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            SELECT course_id, generation INTO c, g FROM {SESSION_GENERATION} WHERE session_id = OLD.session_id;
            IF FOUND THEN
                UPDATE {CGP} SET participations = participations - 1
                WHERE course_id = c AND generation = g AND person_id = OLD.person_id
                RETURNING participations INTO n;
                IF n = 0 THEN
                    DELETE FROM {CGP} WHERE course_id = c AND generation = g AND person_id = OLD.person_id;
                END IF;
            END IF;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            SELECT course_id, generation INTO c, g FROM {SESSION_GENERATION} WHERE session_id = NEW.session_id;
            IF FOUND THEN
                INSERT INTO {CGP} AS x (course_id, generation, person_id, participations)
                VALUES (c, g, NEW.person_id, 1)
                ON CONFLICT (course_id, generation, person_id) DO UPDATE SET participations = x.participations + 1;
            END IF;
        END IF;""",
    ),
    "cascade_session_generation_cells": (
        SESSION_GENERATION,
        "INSERT OR DELETE OR UPDATE OF course_id, generation",
        f"""
        IF TG_OP = 'UPDATE' AND OLD.course_id = NEW.course_id AND OLD.generation = NEW.generation THEN
            RETURN NULL;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            UPDATE {CGP} x SET participations = x.participations - 1
            FROM {PARTICIPATION} pa
            WHERE pa.session_id = OLD.session_id AND x.person_id = pa.person_id
            AND x.course_id = OLD.course_id AND x.generation = OLD.generation;
            DELETE FROM {CGP} x USING {PARTICIPATION} pa
            WHERE pa.session_id = OLD.session_id AND x.person_id = pa.person_id
            AND x.course_id = OLD.course_id AND x.generation = OLD.generation AND x.participations = 0;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO {CGP} AS x (course_id, generation, person_id, participations)
            SELECT NEW.course_id, NEW.generation, person_id, COUNT(*) FROM {PARTICIPATION}
            WHERE session_id = NEW.session_id GROUP BY person_id
            ON CONFLICT (course_id, generation, person_id)
            DO UPDATE SET participations = x.participations + excluded.participations;
        END IF;""",
    ),
    "cascade_cell_count": (
        CGP,
        "INSERT OR DELETE OR UPDATE OF participations",
        f"""
        IF TG_OP = 'INSERT' THEN
            INSERT INTO {CGC} AS x (course_id, generation, participations, people)
            VALUES (NEW.course_id, NEW.generation, NEW.participations, 1)
            ON CONFLICT (course_id, generation) DO UPDATE SET
                participations = x.participations + excluded.participations, people = x.people + 1;
        ELSIF TG_OP = 'UPDATE' THEN
            IF OLD.participations = NEW.participations THEN
                RETURN NULL;
            END IF;
            UPDATE {CGC} SET participations = participations - OLD.participations + NEW.participations
            WHERE course_id = NEW.course_id AND generation = NEW.generation;
        ELSE
            UPDATE {CGC} SET participations = participations - OLD.participations, people = people - 1
            WHERE course_id = OLD.course_id AND generation = OLD.generation
            RETURNING people INTO n;
            IF n = 0 THEN
                DELETE FROM {CGC} WHERE course_id = OLD.course_id AND generation = OLD.generation;
            END IF;
        END IF;""",
    ),
    "cascade_session_course": (
        SESSION,
        "UPDATE OF course_id",
        f"""
        IF OLD.course_id IS DISTINCT FROM NEW.course_id THEN
            UPDATE {SESSION_GENERATION} SET course_id = NEW.course_id WHERE session_id = NEW.id;
        END IF;""",
    ),
}

# The first filling: the same as ``cascade.lineage``'s rebuild of the counts, as it stood when written.
_NEAREST_MASTER = (
    f"SELECT MIN(l.depth) FROM {LINK} l JOIN {PERSON} m ON m.id = l.ancestor_id "
    "WHERE l.descendant_id = st.person_id AND m.is_master_trainer"
)
FILL = [
    f"INSERT INTO {REACH} (ancestor_id, depth, people) SELECT ancestor_id, depth, COUNT(*) FROM {LINK} "
    "GROUP BY ancestor_id, depth",
    f"""INSERT INTO {SESSION_GENERATION} (session_id, course_id, generation)
    SELECT session_id, course_id, generation FROM (
        SELECT s.id AS session_id, s.course_id,
            MIN(CASE WHEN p.is_master_trainer THEN 0 ELSE ({_NEAREST_MASTER}) END) + 1 AS generation
        FROM {TRAINER} st JOIN {SESSION} s ON s.id = st.session_id JOIN {PERSON} p ON p.id = st.person_id
        GROUP BY s.id, s.course_id
    ) fresh WHERE generation IS NOT NULL""",
    f"""INSERT INTO {CGP} (course_id, generation, person_id, participations)
    SELECT sg.course_id, sg.generation, pa.person_id, COUNT(*)
    FROM {PARTICIPATION} pa JOIN {SESSION_GENERATION} sg ON sg.session_id = pa.session_id
    GROUP BY sg.course_id, sg.generation, pa.person_id""",
    f"""INSERT INTO {CGC} (course_id, generation, participations, people)
    SELECT course_id, generation, SUM(participations), COUNT(*) FROM {CGP} GROUP BY course_id, generation""",
]


def create_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for statement in FILL:
            cursor.execute(statement)
        if connection.vendor == "postgresql":
            for name, (table, events, body) in POSTGRES_FUNCTIONS.items():
                cursor.execute(
                    f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                    f"DECLARE n integer; c bigint; g integer;\nBEGIN{body}\n    RETURN NULL;\nEND $$"
                )
                cursor.execute(
                    f"CREATE TRIGGER {name} AFTER {events} ON {table} FOR EACH ROW "
                    f"WHEN ({POSTGRES_SWITCH}) EXECUTE FUNCTION {name}()"
                )
        elif connection.vendor == "sqlite":
            for name, (event, table, body, *condition) in SQLITE_TRIGGERS.items():
                when = f" WHEN {condition[0]}" if condition else ""
                cursor.execute(f"CREATE TRIGGER {name} {event} ON {table} FOR EACH ROW{when} BEGIN{body}\nEND")
        else:
            raise NotImplementedError(f"No lineage count triggers for {connection.vendor}")


def drop_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name, (table, _events, _body) in POSTGRES_FUNCTIONS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        for table in (CGC, CGP, SESSION_GENERATION, REACH):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [("cascade", "0005_lineage_stored_counts")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
