"""A trainer's reach: the people they trained directly, and everyone below them, as distinct people.

Read from the lineage index (``cascade.lineage``): each figure is one query whatever the size of
the cascade, never one query per person or per level of the tree. Figures for a group of trainers
(``reach_of``) count each person once, at their nearest level below any of them.

- by level: level 1 are the trainer's own participants, level 2 the participants of those they
  trained, and so on; with the trainer's generation g, level d is generation g + d;
- by course: distinct people trained in that course in sessions delivered by the trainer or by
  someone below them;
- by governorate and gender: of the distinct people below;
- learning gains (the "cascade dilution" question): the average post-test minus pre-test score of
  the participations delivered at each level — the trainer's own trainees, the trainees of their
  trainees, … — counting participations with both scores.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, F, Min, Q, QuerySet

from cascade import lineage
from cascade.models import LineageLink, Participation, SessionTrainer
from courses.models import Course
from lms.models import Gender, Governorate

# Gains are shown for this many levels below the trainer (their trainees, and their trainees' trainees, …).
GAIN_LEVELS = 3


@dataclass(frozen=True)
class LevelCount:
    depth: int  # 1 = trained directly
    generation: int | None  # the trainer's generation + depth, when the trainer's is known
    people: int


@dataclass(frozen=True)
class LabelledCount:
    label: str
    people: int
    key: int | str | None = None


@dataclass(frozen=True)
class LevelGain:
    depth: int
    participations: int  # with both a pre-test and a post-test score
    average_gain: Decimal | None


@dataclass(frozen=True)
class Reach:
    trainer_ids: tuple[int, ...]
    generation: int | None  # of the trainer (the best-placed one, for a group)
    direct: int
    total: int
    by_level: tuple[LevelCount, ...] = ()
    by_course: tuple[LabelledCount, ...] = ()
    by_governorate: tuple[LabelledCount, ...] = ()
    by_gender: tuple[LabelledCount, ...] = ()
    gains: tuple[LevelGain, ...] = ()

    @property
    def below_direct(self) -> int:
        """People reached through the trainers they trained, not directly."""
        return self.total - self.direct


def _links(ids: list[int]) -> QuerySet[LineageLink]:
    if len(ids) == 1:
        return LineageLink.objects.filter(ancestor_id=ids[0])
    return LineageLink.objects.filter(ancestor_id__in=ids)


def _nearest_levels(ids: list[int]) -> dict[int, int]:
    """People below the trainer(s) at each level, each counted once at their nearest level."""
    if len(ids) == 1:
        return lineage.descendants_by_depth(ids[0])
    nearest = _links(ids).values("descendant_id").annotate(depth=Min("depth")).order_by()
    counts: dict[int, int] = {}
    for depth in nearest.values_list("depth", flat=True).iterator(chunk_size=20000):
        counts[depth] = counts.get(depth, 0) + 1
    return dict(sorted(counts.items()))


def _people(ids: list[int]) -> int | Count:
    return Count("descendant_id", distinct=len(ids) > 1)


def _by_governorate(ids: list[int]) -> tuple[LabelledCount, ...]:
    rows = (
        _links(ids)
        .values("descendant__governorate_id")
        .annotate(people=_people(ids))
        .order_by()
        .values_list("descendant__governorate_id", "people")
    )
    names = {g.pk: g for g in Governorate.objects.all()}
    counted = [LabelledCount(str(names[gid].name), people, gid) for gid, people in rows]
    return tuple(sorted(counted, key=lambda row: (-row.people, row.label)))


def _by_gender(ids: list[int]) -> tuple[LabelledCount, ...]:
    rows = dict(
        _links(ids)
        .values("descendant__gender")
        .annotate(people=_people(ids))
        .order_by()
        .values_list("descendant__gender", "people")
    )
    return tuple(LabelledCount(str(label), rows.get(value, 0), value) for value, label in Gender.choices)


def _delivered_by(trainers: Q) -> Q:
    """Participations of the sessions some trainer matching ``trainers`` delivered.

    An uncorrelated ``IN`` (the sessions are found once), not ``EXISTS`` per participation: SQLite
    would run the subquery for every participation row.
    """
    return Q(session_id__in=SessionTrainer.objects.filter(trainers).values("session_id"))


def _reach_trainers(ids: list[int]) -> Q:
    """The trainer(s) and everyone below them, as a condition on ``SessionTrainer``."""
    return Q(person_id__in=ids) | Q(person_id__in=_links(ids).values("descendant_id"))


def _by_course(ids: list[int]) -> tuple[LabelledCount, ...]:
    rows = (
        Participation.objects.filter(_delivered_by(_reach_trainers(ids)))
        .exclude(person_id__in=ids)
        .values("session__course_id")
        .annotate(people=Count("person_id", distinct=True))
        .order_by()
        .values_list("session__course_id", "people")
    )
    courses = {c.pk: c for c in Course.objects.all()}
    counted = [LabelledCount(f"{courses[cid].code} · {courses[cid].title}", people, cid) for cid, people in rows]
    return tuple(sorted(counted, key=lambda row: courses[row.key].code))


def _gains(ids: list[int], deepest: int) -> tuple[LevelGain, ...]:
    """Average gain of the participations delivered at each level (one query per level, at most ``GAIN_LEVELS``)."""
    scored = Participation.objects.filter(pre_score__isnull=False, post_score__isnull=False)
    gains = []
    for depth in range(1, min(deepest, GAIN_LEVELS) + 1):
        # Level 1: sessions the trainer(s) delivered; level d: sessions delivered by people d - 1 below.
        if depth == 1:
            trainers = Q(person_id__in=ids)
        else:
            trainers = Q(person_id__in=_links(ids).filter(depth=depth - 1).values("descendant_id"))
        figures = scored.filter(_delivered_by(trainers)).aggregate(
            n=Count("id"), gain=Avg(F("post_score") - F("pre_score"))
        )
        gain = figures["gain"]
        gains.append(LevelGain(depth, figures["n"], None if gain is None else Decimal(gain).quantize(Decimal("0.1"))))
    return tuple(gains)


def reach_of(trainer_ids: Iterable[int], *, detail: bool = True) -> Reach:
    """The reach of one trainer or of a group taken together (each person counted once)."""
    ids = sorted(set(trainer_ids))
    if not ids:
        return Reach((), None, 0, 0)
    levels = _nearest_levels(ids)
    generation = lineage.person_generation(ids[0]) if len(ids) == 1 else None
    figures = Reach(
        trainer_ids=tuple(ids),
        generation=generation,
        direct=levels.get(1, 0),
        total=sum(levels.values()),
        by_level=tuple(
            LevelCount(depth, None if generation is None else generation + depth, people)
            for depth, people in levels.items()
        ),
    )
    if not detail or not figures.total:
        return figures
    return Reach(
        trainer_ids=figures.trainer_ids,
        generation=figures.generation,
        direct=figures.direct,
        total=figures.total,
        by_level=figures.by_level,
        by_course=_by_course(ids),
        by_governorate=_by_governorate(ids),
        by_gender=_by_gender(ids),
        gains=_gains(ids, max(levels)),
    )


def trainer_reach(person_id: int, *, detail: bool = True) -> Reach:
    return reach_of([person_id], detail=detail)
