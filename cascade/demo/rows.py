"""Batch inserts for the demo builder: one ``executemany`` (``COPY`` on PostgreSQL) per batch of value tuples.

``bulk_create`` builds a model instance and prepares every value of every row: a scale-1 build
took 15 s that way on SQLite, 3 s this way (PostgreSQL, scale 56: 4 minutes). The builder holds its
rows as database-ready values, so ``Table`` sends them straight to the cursor. Columns the builder
does not supply get the field's default (the current time for ``auto_now`` fields), exactly as the
ORM would give them, so a field added to a model later with a default needs no change here.
"""

from collections.abc import Iterable, Sequence

from django.db import connection, models
from django.utils import timezone


class Table:
    """Insert rows of ``columns`` (attribute names, e.g. ``person_id``) into ``model``'s table."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        meta = model._meta
        fields = {field.attname: field for field in meta.concrete_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise ValueError(f"{meta.label} has no columns {sorted(unknown)}")
        now = timezone.now()
        supplied = [fields[name] for name in columns]
        defaulted = [f for f in meta.concrete_fields if f.attname not in columns and not f.primary_key]
        self._constants = tuple(
            f.get_db_prep_save(
                now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default(),
                connection,
            )
            for f in defaulted
        )
        # Aware datetimes need the backend's conversion (SQLite stores them as naive UTC text).
        self._datetime_positions = [i for i, f in enumerate(supplied) if isinstance(f, models.DateTimeField)]
        quote = connection.ops.quote_name
        names = ", ".join(quote(f.column) for f in (*supplied, *defaulted))
        marks = ", ".join(["%s"] * (len(supplied) + len(defaulted)))
        # Identifiers come from the model's metadata, values go as parameters.
        self._sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608
        self._copy_sql = f"COPY {quote(meta.db_table)} ({names}) FROM STDIN"

    def insert(self, rows: Iterable[tuple]) -> int:
        adapt = connection.ops.adapt_datetimefield_value
        batch = []
        for row in rows:
            if self._datetime_positions:
                row = list(row)
                for i in self._datetime_positions:
                    row[i] = adapt(row[i])
            batch.append((*row, *self._constants))
        if not batch:
            return 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY streams the rows in one command; executemany would cost a round trip per row.
                with cursor.cursor.copy(self._copy_sql) as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                cursor.executemany(self._sql, batch)
        return len(batch)


def delete_rows(queryset: models.QuerySet) -> int:
    """Delete a queryset's rows with one statement, without loading them or sending a signal per row.

    Wagtail listens to every deletion (to tidy its reference index), so the ORM would load and signal
    each of hundreds of thousands of demo rows: minutes instead of seconds. Rows of other tables that
    point at the deleted ones are dealt with first, as their foreign keys say: set to NULL, or deleted
    through the ORM (its checks and signals apply to them; a protected row stops the delete).
    """
    model = queryset.model
    for rel in model._meta.related_objects:
        if rel.many_to_many:
            continue
        dependents = rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": queryset.values("pk")})
        if rel.on_delete is models.SET_NULL:
            dependents.update(**{rel.field.name: None})
        else:
            dependents.delete()
    meta = model._meta
    quote = connection.ops.quote_name
    select, params = queryset.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        # Identifiers come from the model's metadata, values go as parameters.
        cursor.execute(f"DELETE FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} IN ({select})", params)  # noqa: S608
        return cursor.rowcount
