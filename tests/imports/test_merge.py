"""Merging two records of one person keeps every participation and the lineage's figures."""

from collections import Counter

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from cascade import services
from cascade.lineage import descendant_ids, person_generations, session_generations
from cascade.models import Outcome, Participation, SessionKind, SessionTrainer, TrainerQualification
from imports.duplicates import possible_duplicates
from imports.merge import DERIVED, person_merge, person_relations
from lms.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def lineage_figures():
    """Edges trainer → participant, participants per session, and each session's generation."""
    trainers = {}
    for session_id, person_id in SessionTrainer.objects.values_list("session_id", "person_id"):
        trainers.setdefault(session_id, []).append(person_id)
    edges = sum(len(trainers.get(s, ())) for s in Participation.objects.values_list("session_id", flat=True))
    per_session = Counter(Participation.objects.values_list("session_id", flat=True))
    return edges, per_session, session_generations()


def test_a_merge_moves_every_participation_and_trainer_role_and_keeps_the_lineage_figures(cascade):
    trainer_a = cascade.qualified_trainer()
    # The same man recorded twice: once as a trainee, once (as a trainer) under another number.
    survivor = PersonFactory(name_ar="عليّ أحمد", service_number="100")
    duplicate = cascade.qualified_trainer(name_ar="على احمد", service_number="200", rank=survivor.rank)
    session_a = cascade.session(kind=SessionKind.CASCADE, lead=trainer_a)
    services.participation_record(session=session_a, person=survivor, outcome=Outcome.COMPLETED)
    session_d = cascade.session(kind=SessionKind.CASCADE, lead=duplicate)
    trainees = [PersonFactory() for _ in range(3)]
    for trainee in trainees:
        services.participation_record(session=session_d, person=trainee, pre_score=30, post_score=70)

    assert [g.people for g in possible_duplicates()] == [(survivor, duplicate)]
    participations = Participation.objects.count()
    edges, per_session, generations = lineage_figures()
    reached_by_a = descendant_ids([trainer_a.pk])
    reached_by_duplicate = descendant_ids([duplicate.pk])
    trainee_generations = {t.pk: person_generations()[t.pk] for t in trainees}

    person_merge(survivor=survivor, duplicate=duplicate)

    assert not Person.objects.filter(pk=duplicate.pk).exists()
    assert Participation.objects.count() == participations
    assert lineage_figures() == (edges, per_session, generations)
    # Trainer A trained the survivor, who is now also the one who trained the duplicate's trainees.
    assert descendant_ids([trainer_a.pk]) == reached_by_a | reached_by_duplicate
    assert descendant_ids([survivor.pk]) == reached_by_duplicate
    assert {t.pk: person_generations()[t.pk] for t in trainees} == trainee_generations
    assert SessionTrainer.objects.get(session=session_d).person == survivor
    assert TrainerQualification.objects.filter(person=survivor).count() == 1
    assert set(Participation.objects.filter(person=survivor).values_list("session_id", flat=True)) == {
        session_a.pk,
        *Participation.objects.filter(person=survivor, session__kind=SessionKind.TOT).values_list(
            "session_id", flat=True
        ),
    }


def test_two_records_in_one_session_become_one_participation_with_both_records_values(cascade):
    trainer = cascade.qualified_trainer()
    session = cascade.session(kind=SessionKind.CASCADE, lead=trainer)
    survivor, duplicate = PersonFactory(), PersonFactory()
    services.participation_record(session=session, person=survivor, pre_score=40)
    services.participation_record(session=session, person=duplicate, post_score=90, outcome=Outcome.COMPLETED)

    person_merge(survivor=survivor, duplicate=duplicate)

    kept = Participation.objects.get(session=session)
    assert (kept.person_id, kept.pre_score, kept.post_score, kept.outcome) == (survivor.pk, 40, 90, "completed")


def test_a_merge_that_would_make_someone_train_themselves_is_refused_and_changes_nothing(cascade):
    trainer = cascade.qualified_trainer()
    session = cascade.session(kind=SessionKind.CASCADE, lead=trainer)
    trainee = PersonFactory()
    services.participation_record(session=session, person=trainee)

    with pytest.raises(ValidationError):
        person_merge(survivor=trainer, duplicate=trainee)

    assert Person.objects.filter(pk=trainee.pk).exists()
    assert Participation.objects.get(session=session).person_id == trainee.pk


def test_every_model_pointing_at_a_person_is_covered():
    covered = {relation.related_model for relation in person_relations()}
    pointing = {
        model
        for model in apps.get_models(include_auto_created=True)
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is Person and field.remote_field.on_delete.__name__ != "DO_NOTHING"
    }
    assert pointing and pointing - DERIVED <= covered
    assert {Participation, SessionTrainer, TrainerQualification} <= covered


def test_a_merge_writes_a_history_row_for_every_row_it_moves_combines_or_removes_with_the_merging_account(
    cascade, django_user_model
):
    admin = django_user_model.objects.create_user(username="merger", password="x")
    account = django_user_model.objects.create_user(username="duplicate-login", password="x")
    trainer = cascade.qualified_trainer()
    survivor = PersonFactory()
    duplicate = cascade.qualified_trainer(user=account)  # a qualification and a ToT participation
    shared = cascade.session(kind=SessionKind.CASCADE, lead=trainer)
    services.participation_record(session=shared, person=survivor, pre_score=40)
    services.participation_record(session=shared, person=duplicate, post_score=90)
    led = cascade.session(kind=SessionKind.CASCADE, lead=duplicate)
    services.participation_record(session=led, person=PersonFactory())
    moved_participation = Participation.objects.get(person=duplicate, session__kind=SessionKind.TOT)
    role = SessionTrainer.objects.get(session=led)
    qualification = TrainerQualification.objects.get(person=duplicate)
    dropped = Participation.objects.get(person=duplicate, session=shared)

    person_merge(survivor=survivor, duplicate=duplicate, user=admin)

    def last(model, pk):
        return model.history.filter(id=pk).order_by("history_id").last()

    for model, record in (
        (Participation, moved_participation),
        (SessionTrainer, role),
        (TrainerQualification, qualification),
    ):
        row = last(model, record.pk)
        assert (row.history_type, row.person_id, row.history_user, row.history_change_reason) == (
            "~",
            survivor.pk,
            admin,
            "person merge",
        ), model
    gone = last(Participation, dropped.pk)
    assert (gone.history_type, gone.history_user) == ("-", admin)
    kept = last(Participation, Participation.objects.get(session=shared).pk)
    assert (kept.history_type, kept.post_score, kept.history_user) == ("~", 90, admin)
    unlinked, removed = list(Person.history.filter(id=duplicate.pk).order_by("history_id"))[-2:]
    assert (unlinked.history_type, unlinked.user_id, unlinked.history_user) == ("~", None, admin)
    assert (removed.history_type, removed.history_user) == ("-", admin)
    taken = last(Person, survivor.pk)
    assert (taken.history_type, taken.user_id, taken.history_user) == ("~", account.pk, admin)
