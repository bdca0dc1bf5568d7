"""Administrator screens: export everything about a person (JSON), and anonymise a person.

Both are logged in Wagtail's audit log (who, when, which person), as every export must be.
"""

import json

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from wagtail.admin import messages
from wagtail.log_actions import log

from cascade.permissions import is_administrator
from lms.models import Person
from ops.privacy import is_anonymised, person_anonymise, person_export

EXPORT_ACTION = "ops.person_export"
ANONYMISE_ACTION = "ops.person_anonymise"


def _administrator(request) -> None:
    if not is_administrator(request.user):
        raise PermissionDenied


@require_safe
def export_person(request, pk: int):
    _administrator(request)
    person = get_object_or_404(Person, pk=pk)
    data = person_export(person)
    log(person, EXPORT_ACTION, user=request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="person-{person.pk}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def anonymise_person(request, pk: int):
    _administrator(request)
    person = get_object_or_404(Person, pk=pk)
    if request.method == "POST" and not is_anonymised(person):
        log(person, ANONYMISE_ACTION, user=request.user)
        person_anonymise(person, by=request.user)
        messages.success(request, _("The person was anonymised; their records and certificates remain counted."))
        return redirect("wagtailsnippets_lms_person:list")
    return render(
        request,
        "ops/privacy/anonymise.html",
        {"person": person, "already": is_anonymised(person), "page_title": _("Anonymise a person")},
    )
