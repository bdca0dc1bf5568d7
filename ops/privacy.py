"""Privacy: everything held about one person, and anonymising a person.

``person_export`` walks the person's row and every row of every model that points at it
(generically, through ``_meta.related_objects``, so records added by any app are included), plus
the person's change history, as JSON-ready data.

``person_anonymise`` removes the identity (names, service number, rank, posting below the
governorate, login) while keeping what the programme's figures count: gender, governorate and
every session, participation, qualification and certificate row. Certificates keep their code and
status but print no name: the public verification page shows them as valid with the name withheld.
The person's historical rows are rewritten too, otherwise the history would still name them.
"""

from django.core.serializers.python import Serializer
from django.db import models, transaction
from django.utils import timezone

from cascade.models import Participation
from cascade.signals import sessions_note
from certificates.models import Certificate
from lms.models import Person
from lms.text import normalize_arabic
from ops.signals import person_anonymised

ANONYMISED_NAME = "—"


def anonymised_service_number(person: Person) -> str:
    return f"ANON-{person.pk}"


def is_anonymised(person: Person) -> bool:
    return person.service_number == anonymised_service_number(person)


def _serialise(objects) -> list[dict]:
    return Serializer().serialize(objects, use_natural_foreign_keys=False)


def person_export(person: Person) -> dict:
    """Every record about ``person``: their row, each row pointing at them, and their history."""
    related: dict[str, list[dict]] = {}
    for relation in Person._meta.related_objects:
        model = relation.related_model
        if model._meta.app_label == "ops":
            continue  # history, exported below
        field = relation.field
        if relation.many_to_many:
            rows = model.objects.filter(**{field.name: person})
        elif isinstance(field, models.ForeignKey):
            rows = model._base_manager.filter(**{field.name: person})
        else:
            continue
        data = _serialise(rows.order_by("pk"))
        if data:
            related[model._meta.label] = data
    history = person.history.order_by("history_date").values(
        "history_date", "history_type", "history_user__username", "history_change_reason", "service_number", "name_ar"
    )
    return {
        "exported_at": timezone.now().isoformat(),
        "person": _serialise([person])[0],
        "login": {"username": person.user.username, "email": person.user.email} if person.user_id else None,
        "related": related,
        "history": [{**row, "history_date": row["history_date"].isoformat()} for row in history],
    }


@transaction.atomic
def person_anonymise(person: Person, *, by) -> Person:
    """Remove ``person``'s identity; counts by gender, governorate, course and session do not change."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    user = person.user
    identity = {
        "service_number": anonymised_service_number(person),
        "name_ar": ANONYMISED_NAME,
        "name_latin": "",
        "name_ar_normalized": normalize_arabic(ANONYMISED_NAME),
        "rank": "",
        "unit": None,
        "station": None,
        "user": None,
    }
    for name, value in identity.items():
        setattr(person, name, value)
    person._history_user = by
    person._change_reason = "anonymised"
    person.save()
    # Earlier versions in the history would still name the person.
    person.history.exclude(history_change_reason="anonymised").update(
        **{key: value for key, value in identity.items() if key not in {"user", "unit", "station"}},
        unit_id=None,
        station_id=None,
        user_id=None,
    )
    for certificate in Certificate.objects.filter(person=person):
        if certificate.pdf:
            certificate.pdf.delete(save=False)  # the stored PDF prints the name
        certificate.name_ar = ""
        certificate.name_latin = ""
        certificate.pdf_sha256 = ""
        certificate._history_user = by
        certificate._change_reason = "anonymised"
        certificate.save()
    Certificate.history.filter(person_id=person.pk).exclude(history_change_reason="anonymised").update(
        name_ar="", name_latin=""
    )
    if user is not None:
        user.is_active = False
        user.username = f"anonymised-{person.pk}"
        user.first_name = user.last_name = user.email = ""
        user.set_unusable_password()
        user.save()
    # The figures place a participation by its person's unit and station, which are gone now.
    sessions_note(Participation.objects.filter(person=person).values_list("session_id", flat=True))
    transaction.on_commit(lambda: person_anonymised.send(sender=Person, person_id=person.pk))
    return person
