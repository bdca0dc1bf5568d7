"""Possible duplicates among stored people: the same normalised Arabic name, governorate and rank
under different service numbers (``Person.name_ar_normalized`` is ``lms.text.normalize_arabic``).
The import's dry run flags the same match row by row (``imports.resources.people.PersonResource``)."""

from dataclasses import dataclass

from django.db.models import Count

from lms.models import Person


@dataclass(frozen=True)
class DuplicateGroup:
    name_normalized: str
    governorate_id: int
    rank: str
    people: tuple[Person, ...]


def possible_duplicates(*, limit: int = 200) -> list[DuplicateGroup]:
    """Groups of two or more people who look like one person, largest groups first."""
    keys = list(
        Person.objects.values("name_ar_normalized", "governorate_id", "rank")
        .annotate(count=Count("id"))
        .filter(count__gt=1)
        .order_by("-count", "name_ar_normalized")[:limit]
    )
    groups = []
    for key in keys:
        people = (
            Person.objects.filter(
                name_ar_normalized=key["name_ar_normalized"], governorate_id=key["governorate_id"], rank=key["rank"]
            )
            .select_related("governorate")
            .order_by("created_at", "pk")
        )
        groups.append(DuplicateGroup(key["name_ar_normalized"], key["governorate_id"], key["rank"], tuple(people)))
    return groups
