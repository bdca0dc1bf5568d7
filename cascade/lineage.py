"""Lineage reads: who trained whom, through sessions, from the master trainers (generation 0) down.

An edge runs from each trainer of a session to each of its participants (a person is never their
own ancestor through a session they both trained and attended: that row breaks the self-training
rule and the audit reports it). The graph is a DAG, not a tree.

Two ways to answer the same questions, and the tests check both against a brute-force walk:

- **Recursive CTEs** (django-cte) that walk the sessions themselves: ``walk_ancestor_ids``,
  ``walk_descendant_ids`` (also per course), ``walk_person_generations``. One SQL statement each,
  on SQLite and PostgreSQL. They use UNION (not UNION ALL) and stop at ``MAX_GENERATION`` so that
  a corrupt graph with a cycle — imported history may hold one until the audit finds it — still
  terminates. Cost grows with the size of the answer: about 150 ms for the 80,000 descendants of a
  master trainer at national scale.
- **The lineage index** (``LineageLink``: every ancestor → descendant pair with its shortest
  depth), which makes reach, descendant pages and ancestor chains index range scans. The
  unqualified names (``ancestor_ids``, ``descendant_ids``, ``person_generations``,
  ``descendants_by_depth``…) read it, with its stored counts (``ReachCount``) and each session's
  generation (``SessionGeneration``).

This module only reads. The index, its counts and the generations are kept by the cascade's writer
through ``cascade.lineage_upkeep``.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, Min, Sum, Value
from django.db.models.lookups import LessThan
from django_cte import CTE, with_cte

from cascade.models import LineageLink, Participation, ReachCount, SessionGeneration, SessionTrainer
from lms.models import Person

# Far deeper than any real cascade (the programme has three generations); bounds runaway recursion.
MAX_GENERATION = 32


def id_list(person_ids: Iterable[int]) -> list[int]:
    """The distinct ids, as integers, in order."""
    return sorted({int(pk) for pk in person_ids})


# --- Recursive CTEs over the sessions themselves --------------------------------------------


def walk_ancestor_ids(person_ids: Iterable[int]) -> set[int]:
    """Everyone who trained any of ``person_ids``, directly or through the trainers above them."""
    ids = id_list(person_ids)
    if not ids:
        return set()

    def make(cte: CTE):
        return (
            SessionTrainer.objects.filter(session__participations__person_id__in=ids)
            .exclude(person_id=F("session__participations__person_id"))
            .values("person_id")
            .union(
                cte.join(SessionTrainer, session__participations__person_id=cte.col.person_id)
                .exclude(person_id=F("session__participations__person_id"))
                .values("person_id"),
                all=False,
            )
        )

    cte = CTE.recursive(make, name="ancestors")
    return set(with_cte(cte, select=cte.queryset()).values_list("person_id", flat=True))


def walk_descendant_ids(person_ids: Iterable[int], *, course_id: int | None = None) -> set[int]:
    """Everyone trained by any of ``person_ids``, directly or through the trainers they trained.

    With ``course_id``, only edges of sessions of that course are followed.
    """
    ids = id_list(person_ids)
    if not ids:
        return set()
    course_filter = {"session__course_id": course_id} if course_id else {}

    def make(cte: CTE):
        return (
            Participation.objects.filter(session__trainers__person_id__in=ids, **course_filter)
            .exclude(person_id=F("session__trainers__person_id"))
            .values("person_id")
            .union(
                cte.join(Participation, session__trainers__person_id=cte.col.person_id)
                .filter(**course_filter)
                .exclude(person_id=F("session__trainers__person_id"))
                .values("person_id"),
                all=False,
            )
        )

    cte = CTE.recursive(make, name="descendants")
    return set(with_cte(cte, select=cte.queryset()).values_list("person_id", flat=True))


def walk_person_generations() -> dict[int, int]:
    """Each person's generation (shortest distance from a master trainer), by walking the sessions."""

    def make(cte: CTE):
        return (
            Person.objects.filter(is_master_trainer=True)
            .order_by()
            .values(pid=F("id"), generation=Value(0, output_field=IntegerField()))
            .union(
                cte.join(Participation, session__trainers__person_id=cte.col.pid)
                .exclude(person_id=F("session__trainers__person_id"))
                .filter(LessThan(cte.col.generation, MAX_GENERATION))
                .values(pid=F("person_id"), generation=cte.col.generation + Value(1)),
                all=False,
            )
            .order_by()
        )

    cte = CTE.recursive(make, name="generations")
    rows = (
        with_cte(cte, select=cte.queryset().order_by())
        .values("pid")
        .annotate(best=Min("generation"))
        .values_list("pid", "best")
    )
    return dict(rows)


# --- Reads from the lineage index -----------------------------------------------------------


def ancestor_ids(person_ids: Iterable[int]) -> set[int]:
    """Everyone who trained any of ``person_ids``, directly or through the trainers above them."""
    ids = id_list(person_ids)
    if not ids:
        return set()
    return set(LineageLink.objects.filter(descendant_id__in=ids).values_list("ancestor_id", flat=True).distinct())


def descendant_ids(person_ids: Iterable[int], *, course_id: int | None = None) -> set[int]:
    """Everyone trained by any of ``person_ids``, directly or through the trainers they trained.

    With ``course_id``, only sessions of that course count; the index is for all courses, so that
    question walks the sessions (``walk_descendant_ids``).
    """
    ids = id_list(person_ids)
    if not ids:
        return set()
    if course_id:
        return walk_descendant_ids(ids, course_id=course_id)
    return set(LineageLink.objects.filter(ancestor_id__in=ids).values_list("descendant_id", flat=True).distinct())


def ancestors_by_depth(person_id: int) -> dict[int, int]:
    """Each ancestor of the person and how many steps above them it is (1 = trained them)."""
    return dict(LineageLink.objects.filter(descendant_id=person_id).values_list("ancestor_id", "depth"))


def descendant_counts(person_ids: Iterable[int]) -> dict[int, int]:
    """How many people are below each of ``person_ids`` (absent: nobody), from the stored counts."""
    ids = id_list(person_ids)
    if not ids:
        return {}
    rows = ReachCount.objects.filter(ancestor_id__in=ids).values("ancestor_id").annotate(n=Sum("people"))
    return {row["ancestor_id"]: row["n"] for row in rows.order_by()}


def descendants_by_depth(person_id: int) -> dict[int, int]:
    """Distinct people below the person at each depth (1 = trained by them), each counted once at their nearest.

    A read of the stored counts (``ReachCount``, a dozen rows), not a count of the index pairs.
    """
    rows = ReachCount.objects.filter(ancestor_id=person_id).order_by("depth").values_list("depth", "people")
    return dict(rows)


def descendants_by_depth_counted(person_id: int) -> dict[int, int]:
    """``descendants_by_depth`` counted from the index pairs themselves (for checks and benchmarks)."""
    rows = (
        LineageLink.objects.filter(ancestor_id=person_id)
        .values("depth")
        .annotate(people=Count("*"))
        .order_by("depth")
        .values_list("depth", "people")
    )
    return dict(rows)


def descendant_page(person_id: int, *, offset: int = 0, limit: int = 50) -> list[tuple[int, int]]:
    """(person id, depth) of the people below, nearest first, a page at a time."""
    return list(
        LineageLink.objects.filter(ancestor_id=person_id)
        .order_by("depth", "descendant_id")
        .values_list("descendant_id", "depth")[offset : offset + limit]
    )


def person_generation(person_id: int) -> int | None:
    """The person's generation: 0 for a master trainer, else the shortest depth below one; None if unconnected."""
    if Person.objects.filter(pk=person_id, is_master_trainer=True).exists():
        return 0
    return (
        LineageLink.objects.filter(descendant_id=person_id, ancestor__is_master_trainer=True)
        .aggregate(best=Min("depth"))
        .get("best")
    )


def person_generations() -> dict[int, int]:
    """Each person's generation: the shortest distance from a master trainer (generation 0).

    People not connected to any master trainer have no generation and are absent.
    """
    rows = (
        LineageLink.objects.filter(ancestor__is_master_trainer=True)
        .values("descendant_id")
        .annotate(best=Min("depth"))
        .order_by()
        .values_list("descendant_id", "best")
    )
    generations = dict(rows)
    generations.update(dict.fromkeys(Person.objects.filter(is_master_trainer=True).values_list("id", flat=True), 0))
    return generations


def session_generations() -> dict[int, int]:
    """Each session's generation: one below its best-placed trainer. Sessions with no connected trainer are absent."""
    return dict(SessionGeneration.objects.values_list("session_id", "generation").iterator(chunk_size=5000))


def participation_generations(participation_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Each participation's generation: the generation of its session (its trainers' generation + 1)."""
    by_session = session_generations()
    qs = Participation.objects.all()
    if participation_ids is not None:
        qs = qs.filter(id__in=list(participation_ids))
    return {
        pid: by_session[sid]
        for pid, sid in qs.values_list("id", "session_id").iterator(chunk_size=5000)
        if sid in by_session
    }


# --- For the lineage pages: the chain above a person ---------------------------------------------


@dataclass(frozen=True)
class ChainEdge:
    """``trainer_id`` trained ``participant_id`` in the session."""

    session_id: int
    session_ref: str
    course_code: str
    kind: str
    start_date: object
    trainer_id: int
    participant_id: int


def generations_of(person_ids: Iterable[int]) -> dict[int, int]:
    """The generation of each of ``person_ids`` that has one (0 for master trainers), in two small queries."""
    ids = id_list(person_ids)
    if not ids:
        return {}
    rows = (
        LineageLink.objects.filter(descendant_id__in=ids, ancestor__is_master_trainer=True)
        .values("descendant_id")
        .annotate(best=Min("depth"))
        .order_by()
        .values_list("descendant_id", "best")
    )
    generations = dict(rows)
    generations.update(
        dict.fromkeys(Person.objects.filter(pk__in=ids, is_master_trainer=True).values_list("pk", flat=True), 0)
    )
    return generations


def chain_edges(person_id: int) -> list[ChainEdge]:
    """Every trainer → participant edge among the person and their ancestors: all paths up to generation 0.

    Two small queries joined here: one ORM query spanning both multi-valued relations would join
    them separately for the filter and for the values, pairing trainers with the wrong participants.
    """
    above = set(LineageLink.objects.filter(descendant_id=person_id).values_list("ancestor_id", flat=True))
    if not above:
        return []
    attended: dict[int, list[int]] = {}
    for session_id, participant_id in Participation.objects.filter(person_id__in=above | {person_id}).values_list(
        "session_id", "person_id"
    ):
        attended.setdefault(session_id, []).append(participant_id)
    rows = (
        SessionTrainer.objects.filter(session_id__in=list(attended), person_id__in=above)
        .values_list(
            "session_id", "session__ref", "session__course__code", "session__kind", "session__start_date", "person_id"
        )
        .order_by("session__start_date", "session__ref", "person_id")
    )
    return [
        ChainEdge(session_id, ref, code, kind, day, trainer_id, participant_id)
        for session_id, ref, code, kind, day, trainer_id in rows
        for participant_id in attended[session_id]
        if participant_id != trainer_id
    ]
