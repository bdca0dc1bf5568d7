"""Bulk writes of many records with their history rows, set-based (imports, the cascade's writer).

``simple_history``'s ``bulk_create_with_history`` builds one historical object per record in Python
and inserts them; for the tens of thousands of rows of an import that costs more than the write
itself. Here the records are written with ``bulk_create`` / ``bulk_update`` and their history rows
follow in one ``INSERT … SELECT`` per batch that copies the tracked columns of the rows just written,
with the time, the change type ("+" created, "~" changed), the acting account and the reason: the
same rows ``bulk_create_with_history`` would write, read back from the table.

Whenever that copy cannot be made exactly — the historical table has a column this module does not
fill, the database cannot return the new rows' ids — the write goes through ``simple_history``'s
own bulk helpers instead; a model without history (``ops`` registers which are tracked) is written
as it is.
"""

from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from simple_history import utils as history_utils
from simple_history.models import HistoricalRecords

HISTORY_COLUMNS = ("history_date", "history_type", "history_user", "history_change_reason")
# SQLite allows 999 parameters per statement in older builds; PostgreSQL takes one array.
SQLITE_IDS_PER_STATEMENT = 500


def acting_user(user=None):
    """``user`` if given, else the authenticated user of the request being served, else None."""
    if user is not None:
        return user
    request = getattr(HistoricalRecords.context, "request", None)
    request_user = getattr(request, "user", None)
    return request_user if getattr(request_user, "is_authenticated", False) else None


def _historical(model):
    """The historical model ``simple_history`` keeps for ``model``, or None when it keeps none."""
    return getattr(getattr(model, "history", None), "model", None)


def _model_of(objs: Sequence, model):
    if model is not None:
        return model
    if not objs:
        return None
    return type(objs[0])


def bulk_create_with_history(objs: Iterable[models.Model], model=None, *, user=None, reason: str = "", batch_size=None):
    """``Model.objects.bulk_create(objs)`` plus one "created" historical row per object, built by
    ``simple_history`` (a model without history is written as it is)."""
    objs = list(objs)
    model = _model_of(objs, model)
    if model is None:
        return []
    if _historical(model) is None:
        return model.objects.bulk_create(objs, batch_size=batch_size)
    with transaction.atomic():
        return history_utils.bulk_create_with_history(
            objs, model, batch_size=batch_size, default_user=acting_user(user), default_change_reason=reason
        )


def bulk_update_with_history(
    objs: Iterable[models.Model], fields: Sequence[str], model=None, *, user=None, reason: str = "", batch_size=None
) -> int:
    """``Model.objects.bulk_update(objs, fields)`` plus one "changed" historical row per object."""
    objs = list(objs)
    model = _model_of(objs, model)
    if model is None:
        return 0
    if _historical(model) is None:
        return model.objects.bulk_update(objs, fields, batch_size=batch_size)
    with transaction.atomic():
        return history_utils.bulk_update_with_history(
            objs,
            model,
            list(fields),
            batch_size=batch_size,
            default_user=acting_user(user),
            default_change_reason=reason,
        )


def _copy_plan(model) -> tuple[str, list[str], list[str]] | None:
    """(historical table, its columns, the source columns they copy), or None when a column would be left out."""
    historical = _historical(model)
    if historical is None:
        return None
    meta = historical._meta
    targets, sources = [], []
    for field in historical.tracked_fields:
        targets.append(meta.get_field(field.name).column)
        sources.append(field.column)
    filled = set(targets) | {meta.get_field(name).column for name in HISTORY_COLUMNS} | {meta.pk.column}
    if {f.column for f in meta.concrete_fields} - filled:
        return None
    return meta.db_table, targets, sources


def _history_insert(model, ids: list, *, history_type: str, user, reason: str) -> None:
    """Copy the rows ``ids`` of ``model`` into its historical table (``_set_based(model)`` holds)."""
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True) or not ids:
        return
    if any(pk is None for pk in ids):
        raise ValueError("history rows need the ids of the records written")
    table, targets, sources = _copy_plan(model)
    q = connection.ops.quote_name
    historical = model.history.model._meta
    columns = [*targets, *(historical.get_field(name).column for name in HISTORY_COLUMNS)]
    actor = acting_user(user)
    values = [
        connection.ops.adapt_datetimefield_value(timezone.now()),
        history_type,
        getattr(actor, "pk", None),
        reason[: historical.get_field("history_change_reason").max_length or 100],
    ]
    head = (
        f"INSERT INTO {q(table)} ({', '.join(q(c) for c in columns)}) "  # noqa: S608 — names from model metadata
        f"SELECT {', '.join(f's.{q(c)}' for c in sources)}, %s, %s, %s, %s "
        f"FROM {q(model._meta.db_table)} s WHERE s.{q(model._meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"{head} = ANY(%s)", [*values, list(ids)])
        else:
            for start in range(0, len(ids), SQLITE_IDS_PER_STATEMENT):
                chunk = ids[start : start + SQLITE_IDS_PER_STATEMENT]
                cursor.execute(f"{head} IN ({', '.join(['%s'] * len(chunk))})", [*values, *chunk])


def _set_based(model) -> bool:
    return _copy_plan(model) is not None and connection.features.can_return_rows_from_bulk_insert


def records_create(
    objs: Sequence[models.Model], model, *, user=None, reason: str = "", batch_size: int = 5000
) -> list[models.Model]:
    """``bulk_create`` plus one "created" history row per record (when ``model`` is tracked)."""
    objs = list(objs)
    if not objs:
        return objs
    if not _set_based(model):
        return bulk_create_with_history(objs, model, user=user, reason=reason, batch_size=batch_size)
    with transaction.atomic():
        created = model.objects.bulk_create(objs, batch_size=batch_size)
        _history_insert(model, [obj.pk for obj in created], history_type="+", user=user, reason=reason)
    return created


def records_update(
    objs: Sequence[models.Model], fields: Sequence[str], model, *, user=None, reason: str = "", batch_size: int = 2000
) -> int:
    """``bulk_update`` of ``fields`` plus one "changed" history row per record (when ``model`` is tracked)."""
    objs = list(objs)
    if not objs:
        return 0
    if not _set_based(model):
        return bulk_update_with_history(objs, fields, model, user=user, reason=reason, batch_size=batch_size)
    with transaction.atomic():
        count = model.objects.bulk_update(objs, list(fields), batch_size=batch_size)
        _history_insert(model, [obj.pk for obj in objs], history_type="~", user=user, reason=reason)
    return count
