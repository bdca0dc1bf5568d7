"""A trainer's reach, counted by hand on a small cascade; and the lineage index kept in step by the services."""

from datetime import date
from decimal import Decimal

import pytest

from cascade import lineage, lineage_upkeep, reach, services
from cascade.models import Outcome, SessionKind
from lms.models import Gender
from tests.factories import PersonFactory, course, governorate

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(cascade):
    """gen1 trains A (Basra, woman) and B in MPS-01; A qualifies and trains C and D in MPS-05; B also attends."""
    gen1 = cascade.qualified_trainer()
    a = PersonFactory(governorate=governorate("BA"), gender=Gender.FEMALE)
    b = PersonFactory(gender=Gender.MALE)
    first = cascade.session(kind=SessionKind.CASCADE, lead=gen1, start=date(2021, 6, 6))
    services.participation_record(session=first, person=a, pre_score=40, post_score=70, outcome=Outcome.COMPLETED)
    services.participation_record(session=first, person=b, pre_score=50, post_score=60, outcome=Outcome.COMPLETED)
    tot = cascade.session(kind=SessionKind.TOT, lead=gen1, start=date(2021, 9, 5), course=course("MPS-05"))
    services.participation_record(session=tot, person=a, pre_score=45, post_score=65, outcome=Outcome.COMPLETED)
    services.session_close(session=tot)
    c, d = PersonFactory(gender=Gender.MALE), PersonFactory(gender=Gender.MALE)
    later = cascade.session(kind=SessionKind.CASCADE, lead=a, start=date(2022, 1, 9), course=course("MPS-05"))
    services.participation_record(session=later, person=c, pre_score=30, post_score=40)
    services.participation_record(session=later, person=d, pre_score=30, post_score=36)
    services.participation_record(session=later, person=b)  # no scores: not in the gains
    return {"gen1": gen1, "a": a, "b": b, "c": c, "d": d, "later": later, "master": cascade.master}


def test_reach_counts_distinct_people_at_their_nearest_level(tree):
    figures = reach.trainer_reach(tree["gen1"].pk)
    assert figures.generation == 1
    assert (figures.direct, figures.total, figures.below_direct) == (2, 4, 2)
    # B is trained directly and again by A: counted once, at level 1.
    assert [(lv.depth, lv.generation, lv.people) for lv in figures.by_level] == [(1, 2, 2), (2, 3, 2)]


def test_reach_by_course_governorate_and_gender(tree, english):
    figures = reach.trainer_reach(tree["gen1"].pk)
    by_course = {row.label.split(" · ")[0]: row.people for row in figures.by_course}
    assert by_course == {"MPS-01": 2, "MPS-05": 4}  # A (ToT), and B, C, D in A's session
    by_gender = {row.key: row.people for row in figures.by_gender}
    assert by_gender == {Gender.MALE: 3, Gender.FEMALE: 1}
    by_governorate = {row.key: row.people for row in figures.by_governorate}
    assert by_governorate[governorate("BA").pk] == 1
    assert sum(by_governorate.values()) == 4


def test_learning_gains_of_trainees_and_of_trainees_trainees(tree):
    gains = {g.depth: g for g in reach.trainer_reach(tree["gen1"].pk).gains}
    # Level 1: A (+30), B (+10) in the cascade session and A (+20) in the ToT.
    assert gains[1].participations == 3 and gains[1].average_gain == Decimal("20.0")
    # Level 2: C (+10) and D (+6) in A's session; B has no scores there.
    assert gains[2].participations == 2 and gains[2].average_gain == Decimal("8.0")


def test_the_reach_of_a_group_counts_each_person_once(tree):
    together = reach.reach_of([tree["gen1"].pk, tree["a"].pk])
    assert together.total == 4 and together.direct == 4
    assert reach.reach_of([]).total == 0


def test_someone_who_trained_nobody_reaches_nobody(tree):
    figures = reach.trainer_reach(tree["c"].pk)
    assert (figures.direct, figures.total, figures.by_level, figures.gains) == (0, 0, (), ())


def test_the_index_follows_every_write_of_the_services(tree, cascade):
    assert lineage_upkeep.links_are_current()
    services.participation_remove(session=tree["later"], person=tree["c"])
    assert tree["c"].pk not in lineage.descendant_ids([tree["gen1"].pk])
    assert lineage_upkeep.links_are_current()
    co = cascade.qualified_trainer(course=course("MPS-05"))
    services.session_trainer_add(session=tree["later"], person=co)
    assert lineage.descendant_ids([co.pk]) == {tree["d"].pk, tree["b"].pk}
    services.session_trainer_remove(session=tree["later"], person=co)
    assert lineage.descendant_ids([co.pk]) == set()
    assert lineage_upkeep.links_are_current()


def test_moving_a_row_to_another_person_moves_their_lineage(tree):
    """As the admin form's inline rows may: the upkeep is told who trained and attended before."""
    session = tree["later"]
    trainers = set(session.trainers.values_list("person_id", flat=True))
    participants = set(session.participations.values_list("person_id", flat=True))
    participation = session.participations.get(person=tree["d"])
    stranger = PersonFactory()
    participation.person = stranger
    participation.save()
    lineage_upkeep.links_session_changed(session.pk, trainers_before=trainers, participants_before=participants)
    assert tree["d"].pk not in lineage.descendant_ids([tree["a"].pk])
    assert stranger.pk in lineage.descendant_ids([tree["a"].pk])
    assert lineage.ancestor_ids([stranger.pk]) == {tree["a"].pk, tree["gen1"].pk, tree["master"].pk}
    assert lineage_upkeep.links_are_current()
