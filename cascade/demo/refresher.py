"""A recent refresher ToT for the demo trainer accounts.

The demo cascade runs from 2020 to mid-2024, so the qualifications of its trainers have lapsed by
now (three years by default). Without a current one, ``trainer.a`` and ``trainer.b`` could not open
a cascade session dated today, which is the first thing a trainer does. A refresher ToT a few weeks
ago, led by the master trainer of their first ToT, renews their qualification through the same
services a real session goes through (rules, close, qualification, lineage).

It changes none of the programme's figures: its participants are generation-1 trainers already
counted among the people qualified through ToT sessions led by master trainers.
"""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from cascade import services
from cascade.models import Outcome, SessionKind, TrainerQualification, TrainerRole, TrainingSession
from lms.models import Person

REFRESHER_WEEKS_AGO = 6
REFRESHER_DAYS = 3


def _last_sunday_before(day: date) -> date:
    return day - timedelta(days=(day.weekday() + 1) % 7 or 7)


@transaction.atomic
def refresher_tot_create(*, person_ids: list[int], prefix: str, today: date | None = None) -> list[TrainingSession]:
    """One closed refresher ToT per course these trainers were first qualified for; returns the sessions.

    Trainers already qualified for that course today are left out, so running it again adds nothing.
    """
    today = today or timezone.localdate()
    start = _last_sunday_before(today - timedelta(weeks=REFRESHER_WEEKS_AGO))
    end = start + timedelta(days=REFRESHER_DAYS - 1)
    first_tot = {}  # course -> (the ToT that first qualified one of them, who took it)
    qualifications = (
        TrainerQualification.objects.filter(person_id__in=person_ids, source_session__kind=SessionKind.TOT)
        .select_related("source_session", "course")
        .order_by("valid_from", "pk")
    )
    for qualification in qualifications:
        first_tot.setdefault(qualification.course_id, (qualification.source_session, set()))[1].add(
            qualification.person_id
        )
    sessions = []
    for course_id, (source, trainer_ids) in sorted(first_tot.items()):
        current = set(
            TrainerQualification.objects.filter(
                person_id__in=trainer_ids, course_id=course_id, valid_from__lte=today, valid_until__gte=today
            ).values_list("person_id", flat=True)
        )
        due = sorted(trainer_ids - current)
        if not due:
            continue
        lead = source.trainers.filter(role=TrainerRole.LEAD).select_related("person").first()
        session = services.session_create(
            ref=f"{prefix}REFRESHER-{source.course.code}-{start:%Y%m%d}",
            course=source.course,
            kind=SessionKind.TOT,
            training_centre=source.training_centre,
            start_date=start,
            end_date=end,
            lead_trainer=lead.person,
            notes="Refresher ToT: renews the trainers' qualification for this course.",
        )
        days = [start + timedelta(days=n) for n in range(REFRESHER_DAYS)]
        for number, person in enumerate(Person.objects.filter(pk__in=due).order_by("pk")):
            services.participation_record(
                session=session,
                person=person,
                days_present=days,
                pre_score=70 + number % 10,
                post_score=88 + number % 8,
                outcome=Outcome.COMPLETED,
            )
        sessions.append(services.session_close(session=session))
    return sessions
