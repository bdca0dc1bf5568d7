"""Keep history on the bulk paths, which model signals (and so django-simple-history) miss.

``bulk_create`` and ``bulk_update`` write rows without calling ``save()``, and ``QuerySet.update``
and ``QuerySet.delete`` likewise skip the per-object signals history relies on. Code that writes
tracked records in bulk (imports, batch closures) calls these functions instead: each writes the
records and their historical rows in the same transaction, with the acting account (the current
request's user unless one is given, e.g. by a Celery task acting for the user who started it).
Models that are not tracked are written as usual.
"""

from django.db import models, transaction

# The acting account and the bulk writes with history are the same everywhere: ``lms.bulk`` holds them.
from lms.bulk import acting_user, bulk_create_with_history, bulk_update_with_history  # noqa: F401
from ops.models import TRACKED_MODELS


def is_tracked(model) -> bool:
    return model in TRACKED_MODELS or model._meta.concrete_model in TRACKED_MODELS


def update_with_history(queryset: models.QuerySet, *, user=None, reason: str = "", **changes) -> int:
    """``queryset.update(**changes)`` for plain values, recorded as a change of every row."""
    with transaction.atomic():
        objs = list(queryset.select_for_update())
        for obj in objs:
            for name, value in changes.items():
                setattr(obj, name, value)
        return bulk_update_with_history(objs, list(changes), queryset.model, user=user, reason=reason)


def delete_with_history(queryset: models.QuerySet, *, user=None, reason: str = "") -> int:
    """``queryset.delete()`` recording the actor and reason on each "deleted" historical row.

    Deleting through the queryset already sends per-object signals for tracked models (so history
    sees it), but without an actor or a reason; deleting object by object carries both.
    """
    actor = acting_user(user)
    deleted = 0
    with transaction.atomic():
        for obj in queryset.select_for_update():
            obj._history_user = actor
            obj._change_reason = reason
            count, _per_model = obj.delete()
            deleted += count
    return deleted
