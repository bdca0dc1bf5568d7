"""Drop the per-course generation counts (``CourseGenerationPerson``, ``CourseGenerationCount``) and the
triggers that kept them: no page read them. The reach counts and the session generations stay.

Reversing creates the tables, the triggers and their first filling again (migration ``0006``'s
definitions).
"""

from importlib import import_module

from django.db import migrations

_0006 = import_module("cascade.migrations.0006_lineage_count_triggers")

POSTGRES = ("cascade_participation_cell", "cascade_session_generation_cells", "cascade_cell_count")
SQLITE = (
    "cascade_participation_add",
    "cascade_participation_move",
    "cascade_participation_remove",
    "cascade_session_generation_add",
    "cascade_session_generation_move",
    "cascade_session_generation_remove",
    "cascade_cell_add",
    "cascade_cell_change",
    "cascade_cell_remove",
)


def drop_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in POSTGRES:
                table = _0006.POSTGRES_FUNCTIONS[name][0]
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            for name in SQLITE:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def create_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for statement in _0006.FILL[2:]:
            cursor.execute(statement)
        if connection.vendor == "postgresql":
            for name in POSTGRES:
                table, events, body = _0006.POSTGRES_FUNCTIONS[name]
                cursor.execute(
                    f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                    f"DECLARE n integer; c bigint; g integer;\nBEGIN{body}\n    RETURN NULL;\nEND $$"
                )
                cursor.execute(
                    f"CREATE TRIGGER {name} AFTER {events} ON {table} FOR EACH ROW "
                    f"WHEN ({_0006.POSTGRES_SWITCH}) EXECUTE FUNCTION {name}()"
                )
        else:
            for name in SQLITE:
                event, table, body, *condition = _0006.SQLITE_TRIGGERS[name]
                when = f" WHEN {condition[0]}" if condition else ""
                cursor.execute(f"CREATE TRIGGER {name} {event} ON {table} FOR EACH ROW{when} BEGIN{body}\nEND")


class Migration(migrations.Migration):
    dependencies = [("cascade", "0006_lineage_count_triggers")]

    operations = [
        migrations.RunPython(drop_triggers, create_triggers),
        migrations.DeleteModel(name="CourseGenerationCount"),
        migrations.DeleteModel(name="CourseGenerationPerson"),
    ]
