"""A deterministic national training plan for the demo data (called by the demo builder).

One target per year, governorate and course for the fifteen federal governorates (the plan
excludes the Kurdistan Region), from 2022 (the year the MOI directive put the eight courses into
the national annual training plan) to 2024, plus centre lines for the two academies whose
managers have demo logins. Targets follow where police personnel serve; a few governorates are
given ambitious targets so that the directorate's dashboard shows some behind plan. The women
target is a fixed share of the participant target. Creating the plan twice changes nothing.
"""

from django.db.models import Q

from courses.models import Course
from lms.models import Governorate, TrainingCentre
from plans.models import Target

PLAN_YEARS = (2022, 2023, 2024)
# Participants the plan expects per course and year across the country, at demo scale 1
# (2024 is planned for its first half only: the demo's records end in July).
NATIONAL_PER_COURSE = {2022: 1000, 2023: 1750, 2024: 900}
# Where police personnel serve (the demo cascade trains them in the same proportions).
# fmt: off
GOVERNORATE_WEIGHTS = {
    "BG": 22, "BA": 9, "NI": 10, "AN": 8, "SD": 5, "DI": 5, "KI": 5, "BB": 5,
    "KA": 4, "NA": 4, "WA": 4, "MA": 4, "DQ": 6, "MU": 3, "QA": 4,
}
# fmt: on
# Planned at well above what their centres can deliver: the demo's governorates behind target.
AMBITIOUS = {"KI": 1.4, "MA": 1.5, "DQ": 1.3, "MU": 1.4}
ON_PLAN = 0.9
WOMEN_SHARE = 0.06
# Centre lines: a share of their governorate's line.
CENTRE_SHARES = {"TC-BG-01": 0.45, "TC-BA-01": 0.6}


def demo_plan_create(*, scale: int = 1) -> int:
    """Create the demo plan's targets that are missing; return how many were created."""
    governorates = {g.code: g for g in Governorate.objects.filter(code__in=GOVERNORATE_WEIGHTS)}
    centres = {c.code: c for c in TrainingCentre.objects.filter(code__in=CENTRE_SHARES)}
    courses = list(Course.objects.order_by("sort_order", "code"))
    total_weight = sum(GOVERNORATE_WEIGHTS.values())
    existing = set(
        Target.objects.filter(year__in=PLAN_YEARS).values_list(
            "year", "governorate_id", "training_centre_id", "course_id"
        )
    )
    rows = []
    for year in PLAN_YEARS:
        for code, weight in GOVERNORATE_WEIGHTS.items():
            governorate = governorates.get(code)
            if governorate is None:
                continue
            factor = AMBITIOUS.get(code, ON_PLAN)
            for course in courses:
                participants = round(scale * NATIONAL_PER_COURSE[year] * weight / total_weight * factor)
                rows.append(_target(year, governorate, None, course, participants))
                for centre in centres.values():
                    if centre.governorate_id == governorate.pk:
                        rows.append(
                            _target(year, governorate, centre, course, round(participants * CENTRE_SHARES[centre.code]))
                        )
    missing = [t for t in rows if (t.year, t.governorate_id, t.training_centre_id, t.course_id) not in existing]
    Target.objects.bulk_create(missing)
    return len(missing)


def demo_plan_delete() -> int:
    """Delete the targets of the demo plan's years for the demo governorates."""
    deleted, _by_model = Target.objects.filter(
        Q(year__in=PLAN_YEARS) & Q(governorate__code__in=GOVERNORATE_WEIGHTS)
    ).delete()
    return deleted


def _target(year: int, governorate: Governorate, centre: TrainingCentre | None, course: Course, n: int) -> Target:
    return Target(
        year=year,
        governorate=governorate,
        training_centre=centre,
        course=course,
        target_participants=n,
        target_women=round(n * WOMEN_SHARE),
    )
