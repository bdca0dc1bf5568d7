"""Property: on random cascades of thousands of sessions over five generations, with several trainers
per session, the lineage queries — the recursive CTEs and the lineage index, whether rebuilt in bulk
or kept in step row by row by the writer's upkeep calls — give what a brute-force walk in Python
gives, and so do the stored counts (reach per depth, each session's course and generation), also
after rows are deleted one by one, a session changes course and a master trainer stops being one;
and writes that would make a cycle or have someone train themselves are refused
with nothing saved.
"""

import random
from collections import defaultdict, deque
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cascade import lineage, lineage_upkeep, reach, services
from cascade.models import (
    LineageLink,
    Participation,
    SessionGeneration,
    SessionKind,
    SessionTrainer,
    TrainerRole,
    TrainingSession,
)
from lms.models import Gender, Person
from lms.signals import master_trainer_changed
from tests.factories import TrainingCentreFactory, course, governorate

pytestmark = pytest.mark.django_db

GENERATIONS = 5


class Graph:
    """The cascade as plain Python: sessions as (trainers, participants, course), walked breadth first."""

    def __init__(self) -> None:
        self.sessions: list[tuple[list[int], list[int], int]] = []
        self._edges()

    def add(self, trainers: list[int], participants: list[int], course_id: int) -> None:
        self.sessions.append((trainers, participants, course_id))
        self._edges()

    def remove(self, n: int, *, trainer: int | None = None, participant: int | None = None) -> None:
        trainers, participants, course_id = self.sessions[n]
        self.sessions[n] = (
            [t for t in trainers if t != trainer],
            [p for p in participants if p != participant],
            course_id,
        )
        self._edges()

    def move(self, n: int, course_id: int) -> None:
        trainers, participants, _old = self.sessions[n]
        self.sessions[n] = (trainers, participants, course_id)

    def _edges(self) -> None:
        self.down: dict[int, set[int]] = defaultdict(set)
        self.up: dict[int, set[int]] = defaultdict(set)
        for trainers, participants, _course in self.sessions:
            for t in trainers:
                for p in participants:
                    if t != p:
                        self.down[t].add(p)
                        self.up[p].add(t)

    def session_generations(self, masters: list[int]) -> dict[int, int]:
        """Session number → generation: one below its best-placed trainer (absent: no trainer has one)."""
        people = self.generations(masters)
        result = {}
        for n, (trainers, _participants, _course) in enumerate(self.sessions):
            placed = [people[t] for t in trainers if t in people]
            if placed:
                result[n] = min(placed) + 1
        return result

    @staticmethod
    def distances(edges: dict[int, set[int]], start: int) -> dict[int, int]:
        seen: dict[int, int] = {}
        queue = deque([(start, 0)])
        while queue:
            node, depth = queue.popleft()
            for nxt in edges[node]:
                if nxt not in seen:
                    seen[nxt] = depth + 1
                    queue.append((nxt, depth + 1))
        return seen

    def generations(self, masters: list[int]) -> dict[int, int]:
        best = dict.fromkeys(masters, 0)
        queue = deque(masters)
        while queue:
            node = queue.popleft()
            for nxt in self.down[node]:
                if nxt not in best:
                    best[nxt] = best[node] + 1
                    queue.append(nxt)
        return best


def build(
    rng: random.Random,
    *,
    per_generation: list[int],
    trainer_pool: int,
    sessions: int,
    max_trainers: int,
    incremental: int,
):
    """Random people in generations 0–5 and ``sessions`` sessions; each session's trainers come from
    generations below its participants' (so the graph is a DAG), sometimes skipping one. As in the
    programme, only some people of a generation go on to train: trainers are drawn from the first
    ``trainer_pool`` people of their generation, participants from all of theirs.

    All but the last ``incremental`` sessions are written in bulk and indexed by ``links_rebuild``;
    the rest are written row by row, so the index is kept in step by the receivers.
    """
    centre = TrainingCentreFactory()
    courses = [course(f"MPS-0{n}") for n in range(1, 9)]
    governorates = [governorate(code) for code in ("BG", "BA", "NI", "AN")]
    people_rows = []
    for generation, count in enumerate(per_generation):
        for n in range(count):
            people_rows.append(
                Person(
                    service_number=f"H-{generation}-{n}-{rng.random():.12f}",
                    name_ar=f"شخص {generation} {n}",
                    gender=Gender.FEMALE if rng.random() < 0.1 else Gender.MALE,
                    governorate=rng.choice(governorates),
                    is_master_trainer=generation == 0,
                )
            )
    Person.objects.bulk_create(people_rows)
    ids = list(Person.objects.filter(service_number__startswith="H-").order_by("id").values_list("id", flat=True))
    by_generation: list[list[int]] = []
    start = 0
    for count in per_generation:
        by_generation.append(ids[start : start + count])
        start += count

    graph = Graph()
    plans = []
    for _ in range(sessions):
        level = rng.randint(1, GENERATIONS)
        trainer_level = max(0, level - rng.choice([1, 1, 1, 1, 2]))
        pool = by_generation[trainer_level][:trainer_pool]
        trainers = rng.sample(pool, min(len(pool), rng.randint(1, max_trainers)))
        participants = rng.sample(by_generation[level], min(len(by_generation[level]), rng.randint(2, 8)))
        course_obj = rng.choice(courses)
        plans.append((trainers, participants, course_obj))
        graph.add(trainers, participants, course_obj.pk)

    bulk, one_by_one = plans[: len(plans) - incremental], plans[len(plans) - incremental :]
    session_rows = [
        TrainingSession(
            ref=f"H-{n}",
            course=course_obj,
            kind=SessionKind.DIRECT,
            training_centre=centre,
            governorate=centre.governorate,
            start_date=date(2022, 1, 1),
            end_date=date(2022, 1, 2),
            headcount_male=10,
            headcount_female=10,
        )
        for n, (_t, _p, course_obj) in enumerate(plans)
    ]
    TrainingSession.objects.bulk_create(session_rows)
    sessions_by_ref = dict(TrainingSession.objects.filter(ref__startswith="H-").values_list("ref", "id"))
    trainer_rows, participation_rows = [], []
    for n, (trainers, participants, _c) in enumerate(bulk):
        sid = sessions_by_ref[f"H-{n}"]
        for i, t in enumerate(trainers):
            trainer_rows.append(SessionTrainer(session_id=sid, person_id=t, role=TrainerRole.LEAD if i == 0 else "co"))
        participation_rows.extend(
            Participation(session_id=sid, person_id=p, pre_score=rng.randint(20, 60), post_score=rng.randint(40, 99))
            for p in participants
        )
    SessionTrainer.objects.bulk_create(trainer_rows)
    Participation.objects.bulk_create(participation_rows)
    lineage_upkeep.links_rebuild()
    for n, (trainers, participants, _c) in enumerate(one_by_one, start=len(bulk)):
        sid = sessions_by_ref[f"H-{n}"]
        for i, t in enumerate(trainers):
            SessionTrainer.objects.create(session_id=sid, person_id=t, role=TrainerRole.LEAD if i == 0 else "co")
            lineage_upkeep.links_add_session(sid, trainer_id=t)
        for p in participants:
            Participation.objects.create(session_id=sid, person_id=p)
            lineage_upkeep.links_add_session(sid, participant_id=p)
    return graph, by_generation, sessions_by_ref, courses


def check_queries(rng: random.Random, graph: Graph, by_generation: list[list[int]]) -> None:
    everyone = [pk for level in by_generation for pk in level]
    sample = rng.sample(everyone, min(12, len(everyone))) + by_generation[0][:2] + by_generation[-1][:2]
    for n, person in enumerate(sample):
        below = Graph.distances(graph.down, person)
        above = Graph.distances(graph.up, person)
        assert lineage.descendant_ids([person]) == set(below), person
        assert lineage.walk_descendant_ids([person]) == set(below), person
        assert lineage.ancestor_ids([person]) == set(above), person
        assert lineage.walk_ancestor_ids([person]) == set(above), person
        assert lineage.ancestors_by_depth(person) == above
        per_depth: dict[int, int] = defaultdict(int)
        for depth in below.values():
            per_depth[depth] += 1
        assert lineage.descendants_by_depth(person) == dict(per_depth)
        figures = reach.trainer_reach(person, detail=n < 3)
        direct = graph.down[person]
        assert (figures.direct, figures.total) == (len(direct), len(below))
    group = rng.sample(by_generation[1], min(5, len(by_generation[1])))
    together = set().union(*(Graph.distances(graph.down, p) for p in group)) if group else set()
    assert lineage.descendant_ids(group) == together
    assert reach.reach_of(group).total == len(together)

    masters = [pk for pk in by_generation[0] if Person.objects.get(pk=pk).is_master_trainer]
    expected = graph.generations(masters)
    assert lineage.person_generations() == expected
    assert lineage.walk_person_generations() == expected
    check_stored_generations(graph, masters)
    assert lineage_upkeep.stale_tables() == []


def check_stored_generations(graph: Graph, masters: list[int]) -> None:
    """The stored session generations, with each session's course, equal the brute force's."""
    by_ref = dict(TrainingSession.objects.filter(ref__startswith="H-").values_list("id", "ref"))
    stored = {int(by_ref[sid][2:]): generation for sid, generation in lineage.session_generations().items()}
    assert stored == graph.session_generations(masters)
    courses = dict(SessionGeneration.objects.values_list("session_id", "course_id"))
    assert {int(by_ref[sid][2:]): course_id for sid, course_id in courses.items()} == {
        n: graph.sessions[n][2] for n in stored
    }


def change_row_by_row(rng: random.Random, graph: Graph, by_generation: list[list[int]], sessions_by_ref, courses):
    """Deletions, a change of course and a master trainer who stops being one, one row at a time, each
    followed by the upkeep call the writer makes: the index, its counts and the generations follow."""
    for n in rng.sample(range(len(graph.sessions)), 12):
        trainers, participants, _course = graph.sessions[n]
        sid = sessions_by_ref[f"H-{n}"]
        if participants and rng.random() < 0.6:
            person = rng.choice(participants)
            Participation.objects.get(session_id=sid, person_id=person).delete()
            lineage_upkeep.links_recompute([person])
            graph.remove(n, participant=person)
        elif trainers:
            person = rng.choice(trainers)
            SessionTrainer.objects.get(session_id=sid, person_id=person).delete()
            lineage_upkeep.links_trainer_removed(sid)
            graph.remove(n, trainer=person)
    for n in rng.sample(range(len(graph.sessions)), 3):
        other = rng.choice(courses)
        TrainingSession.objects.filter(pk=sessions_by_ref[f"H-{n}"]).update(course=other)  # no signal: a trigger
        graph.move(n, other.pk)
    if len(by_generation[0]) > 1:
        demoted = Person.objects.get(pk=by_generation[0][0])
        demoted.is_master_trainer = False
        demoted.save()
        master_trainer_changed.send(sender=Person, person_id=demoted.pk)  # as the admin's person form does


def try_cycles_and_self_training(rng: random.Random, graph: Graph, sessions_by_ref: dict[str, int]) -> None:
    """A participant who is already above one of the session's trainers, or a trainer of the session
    itself, is refused by the services; a trainer who is below a participant too. Nothing changes."""
    attempts = 0
    for n in rng.sample(range(len(graph.sessions)), len(graph.sessions)):
        trainers, participants, _course = graph.sessions[n]
        above = set().union(*(Graph.distances(graph.up, t) for t in trainers))
        below = set().union(*(Graph.distances(graph.down, p) for p in participants))
        if not above or not below:
            continue
        session = TrainingSession.objects.get(pk=sessions_by_ref[f"H-{n}"])
        ancestor = Person.objects.get(pk=rng.choice(sorted(above)))
        descendant = Person.objects.get(pk=rng.choice(sorted(below)))
        trainer = Person.objects.get(pk=trainers[0])
        before = (Participation.objects.count(), SessionTrainer.objects.count(), LineageLink.objects.count())
        for write, person in (
            (services.participation_record, ancestor),  # would close a cycle
            (services.participation_record, trainer),  # would train themselves
            (services.session_trainer_add, descendant),  # would close a cycle
        ):
            with pytest.raises(ValidationError):
                write(session=session, person=person)
            assert (Participation.objects.count(), SessionTrainer.objects.count(), LineageLink.objects.count()) == (
                before
            )
        attempts += 1
        if attempts == 3:
            break
    assert attempts, "the random cascade had no session with people both above and below it"


@st.composite
def cascade_shapes(draw):
    per_generation = [draw(st.integers(2, 6))] + [draw(st.integers(150, 600)) for _ in range(GENERATIONS)]
    return {
        "per_generation": per_generation,
        "trainer_pool": draw(st.integers(8, 25)),
        "sessions": draw(st.integers(1000, 1600)),
        "max_trainers": draw(st.integers(2, 4)),
        "incremental": draw(st.integers(3, 10)),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cascade_shapes())
def test_lineage_of_large_random_cascades_matches_a_brute_force_walk(db, shape):
    rng = random.Random(shape.pop("seed"))
    with transaction.atomic():
        graph, by_generation, sessions_by_ref, courses = build(rng, **shape)
        check_queries(rng, graph, by_generation)
        change_row_by_row(rng, graph, by_generation, sessions_by_ref, courses)
        check_queries(rng, graph, by_generation)
        try_cycles_and_self_training(rng, graph, sessions_by_ref)
        transaction.set_rollback(True)
