"""What a trainer takes offline: their open sessions of the coming weeks, with rosters and days, and the
people of their centres' governorates for the roster search (compact rows: id, service number, names,
gender)."""

from datetime import timedelta

from django.utils import timezone

from cascade.models import AttendanceDay, Outcome, Participation, SessionStatus, TrainingSession
from lms.models import Gender, Governorate, Person

WEEKS_AHEAD = 4
DAYS_BEHIND = 14  # a session that ended lately can still be completed before it is closed


def sessions_to_take(trainer_id: int):
    today = timezone.localdate()
    return (
        TrainingSession.objects.filter(
            trainers__person_id=trainer_id,
            status=SessionStatus.OPEN,
            start_date__lte=today + timedelta(weeks=WEEKS_AHEAD),
            end_date__gte=today - timedelta(days=DAYS_BEHIND),
        )
        .select_related("course", "training_centre")
        .order_by("start_date", "ref")
        .distinct()
    )


def people_offered_to(trainer_id: int):
    """The people the field kit hands a trainer for the roster search: those of the governorates of the
    centres of the sessions they take offline."""
    governorates = sessions_to_take(trainer_id).values("training_centre__governorate_id")
    return Person.objects.filter(governorate_id__in=governorates)


def offline_bundle(trainer_id: int) -> dict:
    """Everything the offline workspace needs, as plain JSON-ready data."""
    sessions = list(sessions_to_take(trainer_id))
    ids = [s.pk for s in sessions]
    days: dict[tuple[int, int], list[str]] = {}
    for session_id, person_id, day in AttendanceDay.objects.filter(participation__session_id__in=ids).values_list(
        "participation__session_id", "participation__person_id", "day"
    ):
        days.setdefault((session_id, person_id), []).append(day.isoformat())
    rosters: dict[int, list[dict]] = {pk: [] for pk in ids}
    roster_people: dict[int, list] = {}

    for p in Participation.objects.filter(session_id__in=ids).select_related("person"):
        person = p.person
        roster_people[person.pk] = [person.pk, person.service_number, person.name_ar, person.name_latin, person.gender]
        rosters[p.session_id].append(
            {
                "person": person.pk,
                "days": sorted(days.get((p.session_id, person.pk), [])),
                "days_attended": p.days_attended,
                "pre_score": None if p.pre_score is None else format(p.pre_score.normalize(), "f"),
                "post_score": None if p.post_score is None else format(p.post_score.normalize(), "f"),
                "outcome": p.outcome,
            }
        )
    governorate_ids = sorted({s.training_centre.governorate_id for s in sessions})
    people: dict[str, list] = {str(gid): [] for gid in governorate_ids}
    for governorate_id, *row in (
        people_offered_to(trainer_id)
        .order_by("name_ar_normalized")
        .values_list("governorate_id", "id", "service_number", "name_ar", "name_latin", "gender")
    ):
        people.setdefault(str(governorate_id), []).append(row)
    return {
        "taken_at": timezone.now().isoformat(),
        "today": timezone.localdate().isoformat(),
        "sessions": [
            {
                "id": s.pk,
                "ref": s.ref,
                "course": s.course.code,
                "course_title": str(s.course),
                "centre": s.training_centre.name,
                "governorate": s.training_centre.governorate_id,
                "start": s.start_date.isoformat(),
                "end": s.end_date.isoformat(),
                "days": [d.isoformat() for d in s.days],
                "roster": rosters[s.pk],
            }
            for s in sessions
        ],
        "roster_people": list(roster_people.values()),
        "people": people,
        "governorates": {str(g.pk): g.name for g in Governorate.objects.filter(pk__in=governorate_ids)},
        "outcomes": [(value, str(label)) for value, label in Outcome.choices],
        "genders": [(value, str(label)) for value, label in Gender.choices],
    }
