"""Generations, ancestors and descendants, checked by hand on small cascades and against a brute-force walk."""

from collections import defaultdict, deque
from datetime import date

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cascade import lineage, lineage_upkeep, services
from cascade.models import Outcome, Participation, SessionKind, SessionTrainer, TrainerRole, TrainingSession
from lms.models import Person
from tests.factories import PersonFactory, TrainingCentreFactory, course

pytestmark = pytest.mark.django_db


def test_each_participation_is_one_generation_below_its_trainers(cascade):
    gen1 = cascade.qualified_trainer()  # ToT led by the master trainer: generation 1
    cascade_session = cascade.session(kind=SessionKind.CASCADE, lead=gen1, start=date(2022, 3, 1))
    gen2 = PersonFactory()
    services.participation_record(session=cascade_session, person=gen2, outcome=Outcome.COMPLETED)
    # gen2 later completes a ToT led by gen1, qualifies, and trains gen3.
    tot = cascade.session(kind=SessionKind.TOT, lead=gen1, start=date(2022, 6, 1))
    services.participation_record(session=tot, person=gen2, outcome=Outcome.COMPLETED)
    services.session_close(session=tot)
    gen3 = PersonFactory()
    third = cascade.session(kind=SessionKind.CASCADE, lead=gen2, start=date(2023, 1, 1))
    services.participation_record(session=third, person=gen3)

    people = lineage.person_generations()
    assert people[cascade.master.pk] == 0
    assert people[gen1.pk] == 1
    assert people[gen2.pk] == 2
    assert people[gen3.pk] == 3

    by_participation = lineage.participation_generations()
    assert by_participation[Participation.objects.get(session=cascade_session, person=gen2).pk] == 2
    assert by_participation[Participation.objects.get(session=tot, person=gen2).pk] == 2
    assert by_participation[Participation.objects.get(session=third, person=gen3).pk] == 3


def test_the_stored_counts_follow_writes_and_a_rebuild(cascade):
    gen1 = cascade.qualified_trainer()  # one participation at generation 1 (the ToT)
    first = cascade.session(kind=SessionKind.CASCADE, lead=gen1, start=date(2022, 3, 1))
    second = cascade.session(kind=SessionKind.CASCADE, lead=gen1, start=date(2022, 4, 1))
    twice, once = PersonFactory(), PersonFactory()
    for session, person in ((first, twice), (second, twice), (second, once)):
        services.participation_record(session=session, person=person)
    assert lineage.descendants_by_depth(cascade.master.pk) == {1: 1, 2: 2}
    assert lineage.session_generations()[second.pk] == 2
    services.participation_remove(session=second, person=twice)
    assert lineage.descendants_by_depth(cascade.master.pk) == {1: 1, 2: 2}
    assert lineage_upkeep.stale_tables() == []
    with lineage_upkeep.bulk_writes():  # rows written without the per-row upkeep: counted once at the end
        Participation.objects.bulk_create([Participation(session=first, person=PersonFactory())])
    assert lineage.descendants_by_depth(cascade.master.pk) == {1: 1, 2: 3}
    assert lineage_upkeep.stale_tables() == []


def test_a_generation_is_the_shortest_distance_from_a_master_trainer(cascade):
    gen1 = cascade.qualified_trainer()
    late_trainee = PersonFactory()
    # Trained in a cascade session (generation 2) and later directly by the master (generation 1).
    services.participation_record(session=cascade.session(kind=SessionKind.CASCADE, lead=gen1), person=late_trainee)
    direct = cascade.session(kind=SessionKind.DIRECT, lead=cascade.master, start=date(2023, 1, 1))
    services.participation_record(session=direct, person=late_trainee)
    assert lineage.person_generations()[late_trainee.pk] == 1


def test_a_session_with_several_trainers_takes_the_best_placed_one(cascade):
    gen1 = cascade.qualified_trainer()
    gen2_trainer = cascade.qualified_trainer(trained_by=gen1, start=date(2022, 2, 1))
    mixed = cascade.session(kind=SessionKind.CASCADE, lead=gen2_trainer, co=[gen1], start=date(2022, 9, 1))
    trainee = PersonFactory()
    participation = services.participation_record(session=mixed, person=trainee)
    assert lineage.participation_generations([participation.pk]) == {participation.pk: 2}


def test_people_outside_the_cascade_have_no_generation(db):
    stray = PersonFactory()
    assert stray.pk not in lineage.person_generations()


def test_ancestors_and_descendants_follow_every_path(cascade):
    a = cascade.qualified_trainer()
    b = cascade.qualified_trainer()
    shared = PersonFactory()
    services.participation_record(session=cascade.session(kind=SessionKind.CASCADE, lead=a, co=[b]), person=shared)
    assert lineage.ancestor_ids([shared.pk]) == {a.pk, b.pk, cascade.master.pk}
    assert lineage.descendant_ids([cascade.master.pk]) == {a.pk, b.pk, shared.pk}
    assert lineage.descendant_ids([a.pk]) == {shared.pk}
    assert lineage.descendant_ids([a.pk], course_id=course("MPS-08").pk) == set()
    assert lineage.ancestor_ids([]) == set() and lineage.descendant_ids([]) == set()


# --- Property: the CTEs agree with a brute-force walk over random cascades -------------------


@st.composite
def random_cascades(draw):
    """People 0..n-1; each session's trainers have lower indexes than its participants, so the graph is a DAG."""
    people = draw(st.integers(min_value=4, max_value=30))
    masters = draw(st.integers(min_value=1, max_value=3))
    sessions = []
    for _ in range(draw(st.integers(min_value=1, max_value=25))):
        split = draw(st.integers(min_value=1, max_value=people - 1))
        trainers = draw(st.sets(st.integers(0, split - 1), min_size=1, max_size=3))
        participants = draw(st.sets(st.integers(split, people - 1), min_size=1, max_size=6))
        sessions.append((sorted(trainers), sorted(participants)))
    return people, masters, sessions


def _walk(edges: dict[int, set[int]], starts: set[int]) -> set[int]:
    seen: set[int] = set()
    queue = deque(starts)
    while queue:
        for nxt in edges[queue.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(random_cascades())
def test_lineage_queries_match_a_brute_force_walk(db, shape):
    people_count, masters, sessions = shape
    with transaction.atomic():
        centre = TrainingCentreFactory()
        people = [PersonFactory(is_master_trainer=i < masters) for i in range(people_count)]
        down: dict[int, set[int]] = defaultdict(set)
        up: dict[int, set[int]] = defaultdict(set)
        for n, (trainers, participants) in enumerate(sessions):
            session = TrainingSession.objects.create(
                ref=f"P-{n}",
                course=course(),
                kind=SessionKind.DIRECT,
                training_centre=centre,
                governorate=centre.governorate,
                start_date=date(2022, 1, 1),
                end_date=date(2022, 1, 2),
            )
            SessionTrainer.objects.bulk_create(
                [
                    SessionTrainer(
                        session=session, person=people[t], role=TrainerRole.LEAD if i == 0 else TrainerRole.CO_TRAINER
                    )
                    for i, t in enumerate(trainers)
                ]
            )
            Participation.objects.bulk_create([Participation(session=session, person=people[p]) for p in participants])
            for t in trainers:
                for p in participants:
                    down[people[t].pk].add(people[p].pk)
                    up[people[p].pk].add(people[t].pk)

        lineage_upkeep.links_rebuild()  # rows written in bulk send no signals: index them once
        for person in people[:: max(1, people_count // 6)]:
            assert lineage.descendant_ids([person.pk]) == _walk(down, {person.pk})
            assert lineage.ancestor_ids([person.pk]) == _walk(up, {person.pk})

        expected: dict[int, int] = {}
        frontier = [p.pk for p in people[:masters]]
        for pk in frontier:
            expected[pk] = 0
        queue = deque(frontier)
        while queue:
            current = queue.popleft()
            for nxt in down[current]:
                if nxt not in expected:
                    expected[nxt] = expected[current] + 1
                    queue.append(nxt)
        got = lineage.person_generations()
        assert {pk: g for pk, g in got.items() if pk in {p.pk for p in people}} == expected
        assert Person.objects.count() >= people_count
        transaction.set_rollback(True)
