"""Read-only admin screens for the history kept by ``ops.models``.

- "Record history" (admin menu): the latest changes across every tracked model, filterable by
  model and account, each linking to the full history of its record.
- A record's history: every version, who made it and when, and the fields that changed.

Only accounts holding the view permission of a historical model (directorate auditors and
administrators, see ``lms.roles``) may open them; no screen writes history.
"""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from ops.models import TRACKED_MODELS

CHANGE_LABELS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


def _history_model(model):
    return model.history.model


def model_key(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def readable_models(user) -> list:
    """The tracked models whose history ``user`` may read."""
    return [model for model in TRACKED_MODELS if user.has_perm(f"ops.view_{_history_model(model)._meta.model_name}")]


def _model_for(user, key: str):
    for model in TRACKED_MODELS:
        if model_key(model) == key:
            if model not in readable_models(user):
                raise PermissionDenied
            return model
    raise Http404


def _changes(record) -> list[dict]:
    previous = record.prev_record
    if previous is None:
        return []
    delta = record.diff_against(previous)
    return [{"field": change.field, "old": change.old, "new": change.new} for change in delta.changes]


@require_safe
def recent_changes(request):
    models = readable_models(request.user)
    if not models:
        raise PermissionDenied
    selected = request.GET.get("model") or model_key(models[0])
    model = _model_for(request.user, selected)
    rows = _history_model(model).objects.select_related("history_user").order_by("-history_date", "-history_id")
    if username := request.GET.get("user", "").strip():
        rows = rows.filter(history_user__username=username)
    page = Paginator(rows, 50).get_page(request.GET.get("p"))
    context = {
        "page_title": _("Record history"),
        "models": [(model_key(m), m._meta.verbose_name_plural) for m in models],
        "selected": selected,
        "username": username,
        "page_obj": page,
        "rows": [{"record": row, "change": CHANGE_LABELS.get(row.history_type, row.history_type)} for row in page],
        "model_key": selected,
    }
    return render(request, "ops/history/recent.html", context)


@require_safe
def record_history(request, model: str, pk: int):
    tracked = _model_for(request.user, model)
    versions = list(_history_model(tracked).objects.filter(id=pk).select_related("history_user"))
    if not versions:
        raise Http404
    context = {
        "page_title": _("History of %(record)s") % {"record": versions[0].history_object},
        "versions": [
            {
                "record": version,
                "change": CHANGE_LABELS.get(version.history_type, version.history_type),
                "changes": _changes(version),
            }
            for version in versions
        ],
        "model_label": tracked._meta.verbose_name,
    }
    return render(request, "ops/history/record.html", context)
