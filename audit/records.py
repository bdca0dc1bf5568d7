"""The records behind a number: the list a drill-down shows and exports, one per measure unit.

Its length is the number on the dashboard (``selectors.Measure.count`` counts the same list).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from audit.models import ParticipationFact
from audit.selectors import PEOPLE, ROWS, TRAINERS, Measure, trainers_of
from lms.models import Person

TITLES = {
    "participations": _("Participations"),
    "completions": _("Completions"),
    "people": _("People trained"),
    "women": _("Women trained"),
    "direct_people": _("Participants trained directly"),
    "direct_women": _("Women trained directly"),
    "tot_trainers": _("Trainers qualified through ToT sessions led by master trainers"),
    "cascade_people": _("Participants reached in cascade sessions"),
    "reached": _("People reached in the cascade"),
    "trainers": _("Trainers of these sessions"),
    "scored": _("Scored completions"),
    "achieved": _("People trained toward the governorate targets (person, course, year)"),
    "achieved_women": _("Women trained toward the governorate targets (person, course, year)"),
    "centre_achieved": _("People trained toward the centre targets (person, course, year)"),
    "centre_achieved_women": _("Women trained toward the centre targets (person, course, year)"),
}


def measure_title(measure: Measure):
    return TITLES.get(measure.name, measure.name)


@dataclass
class Listing:
    rows: QuerySet
    headers: list
    cells: Callable
    person_of: Callable = lambda item: None  # the person a row names (their name links to their lineage)
    name_column: int = 1


def _name(row_name_ar: str, row_name_latin: str) -> str:
    english = (get_language() or "ar").startswith("en")
    return (row_name_latin or row_name_ar) if english else row_name_ar


def _person_listing(people: QuerySet[Person]) -> Listing:
    rows = people.select_related("governorate", "station", "unit").order_by("service_number")
    return Listing(
        rows,
        [_("Service number"), _("Name"), _("Gender"), _("Rank"), _("Governorate"), _("Unit"), _("Station")],
        lambda p: [
            p.service_number,
            _name(p.name_ar, p.name_latin),
            p.get_gender_display(),
            p.get_rank_display(),
            p.governorate.name,
            p.unit.name if p.unit else "",
            p.station.name if p.station else "",
        ],
        person_of=lambda p: p.pk,
    )


def record_list(measure: Measure, facts: QuerySet[ParticipationFact]) -> Listing:
    chosen = measure.facts(facts)
    if measure.unit == PEOPLE:
        return _person_listing(Person.objects.filter(id__in=chosen.values("person_id")))
    if measure.unit == TRAINERS:
        return _person_listing(trainers_of(chosen))
    if measure.unit == ROWS:
        rows = chosen.select_related("person", "session", "course", "governorate", "training_centre").order_by(
            "start_date", "session_id", "person_id"
        )
        return Listing(
            rows,
            [
                _("Service number"),
                _("Name"),
                _("Gender"),
                _("Session"),
                _("Course"),
                _("Kind"),
                _("Governorate"),
                _("Training centre"),
                _("Start date"),
                _("Generation"),
                _("Outcome"),
                _("Pre-test"),
                _("Post-test"),
            ],
            lambda f: [
                f.person.service_number,
                _name(f.person.name_ar, f.person.name_latin),
                f.get_gender_display(),
                f.session.ref,
                f.course.code,
                f.get_kind_display(),
                f.governorate.name,
                f.training_centre.name,
                f.start_date,
                f.generation,
                f.get_outcome_display(),
                float(f.pre_score) if f.pre_score is not None else None,
                float(f.post_score) if f.post_score is not None else None,
            ],
            person_of=lambda f: f.person_id,
        )
    rows = (
        chosen.values(
            "year",
            "course__code",
            "person_id",
            "person__service_number",
            "person__name_ar",
            "person__name_latin",
            "gender",
        )
        .distinct()
        .order_by("year", "course__code", "person__service_number")
    )
    return Listing(
        rows,
        [_("Year"), _("Course"), _("Service number"), _("Name"), _("Gender")],
        lambda r: [
            str(r["year"]),  # a year, not a count: never grouped as 2,024
            r["course__code"],
            r["person__service_number"],
            _name(r["person__name_ar"], r["person__name_latin"]),
            str(dict(ParticipationFact._meta.get_field("gender").choices).get(r["gender"], r["gender"])),
        ],
        person_of=lambda r: r["person_id"],
        name_column=3,
    )
