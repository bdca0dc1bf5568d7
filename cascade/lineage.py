"""Lineage queries over the trainer → participant graph, as recursive CTEs (django-cte).

An edge runs from each trainer of a session to each participant of that session. Every query here
is one SQL statement whatever the size of the graph (never one query per node), and runs on both
SQLite and PostgreSQL. The recursive parts use UNION (not UNION ALL) so that a corrupt graph with a
cycle — imported history may hold one until the audit finds it — still terminates; queries that
carry a depth also stop at ``MAX_GENERATION``.
"""

from collections.abc import Iterable

from django.db.models import F, IntegerField, Min, Value
from django.db.models.lookups import LessThan
from django_cte import CTE, with_cte

from cascade.models import Participation, SessionTrainer
from lms.models import Person

# Far deeper than any real cascade (the programme has three generations); bounds runaway recursion.
MAX_GENERATION = 32


def ancestor_ids(person_ids: Iterable[int]) -> set[int]:
    """Everyone who trained any of ``person_ids``, directly or through the trainers above them."""
    ids = list(person_ids)
    if not ids:
        return set()

    def make(cte: CTE):
        return (
            SessionTrainer.objects.filter(session__participations__person_id__in=ids)
            .values("person_id")
            .union(
                cte.join(SessionTrainer, session__participations__person_id=cte.col.person_id).values("person_id"),
                all=False,
            )
        )

    cte = CTE.recursive(make, name="ancestors")
    return set(with_cte(cte, select=cte.queryset()).values_list("person_id", flat=True))


def descendant_ids(person_ids: Iterable[int], *, course_id: int | None = None) -> set[int]:
    """Everyone trained by any of ``person_ids``, directly or through the trainers they trained.

    With ``course_id``, only edges of sessions of that course are followed.
    """
    ids = list(person_ids)
    if not ids:
        return set()
    course_filter = {"session__course_id": course_id} if course_id else {}

    def make(cte: CTE):
        return (
            Participation.objects.filter(session__trainers__person_id__in=ids, **course_filter)
            .values("person_id")
            .union(
                cte.join(Participation, session__trainers__person_id=cte.col.person_id)
                .filter(**course_filter)
                .values("person_id"),
                all=False,
            )
        )

    cte = CTE.recursive(make, name="descendants")
    return set(with_cte(cte, select=cte.queryset()).values_list("person_id", flat=True))


def person_generations() -> dict[int, int]:
    """Each person's generation: the shortest distance from a master trainer (generation 0).

    People not connected to any master trainer have no generation and are absent.
    """

    def make(cte: CTE):
        return (
            Person.objects.filter(is_master_trainer=True)
            .order_by()
            .values(pid=F("id"), generation=Value(0, output_field=IntegerField()))
            .union(
                cte.join(Participation, session__trainers__person_id=cte.col.pid)
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


def session_generations(generations: dict[int, int] | None = None) -> dict[int, int]:
    """Each session's generation: one below its best-placed trainer. Sessions with no connected trainer are absent."""
    generations = person_generations() if generations is None else generations
    result: dict[int, int] = {}
    for session_id, trainer_id in SessionTrainer.objects.values_list("session_id", "person_id").iterator(
        chunk_size=5000
    ):
        trainer_generation = generations.get(trainer_id)
        if trainer_generation is None:
            continue
        candidate = trainer_generation + 1
        if candidate < result.get(session_id, MAX_GENERATION + 1):
            result[session_id] = candidate
    return result


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
