"""The integrity rules, one by one, with bad input: each is refused with its message and nothing is saved."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cascade import integrity, services
from cascade.models import Outcome, Participation, SessionKind, SessionTrainer, TrainerQualification, TrainingSession
from tests.factories import PersonFactory, course

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _messages(excinfo) -> list[str]:
    return [str(m) for m in excinfo.value.messages]


def test_it_rejects_an_end_date_before_the_start_date(cascade):
    before = TrainingSession.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        services.session_create(
            ref="BAD-DATES",
            course=cascade.course,
            kind=SessionKind.TOT,
            training_centre=cascade.centre,
            start_date=date(2022, 3, 10),
            end_date=date(2022, 3, 9),
            lead_trainer=cascade.master,
        )
    assert _messages(excinfo) == [
        integrity.DATES_OUT_OF_ORDER.format(session="BAD-DATES", start=date(2022, 3, 10), end=date(2022, 3, 9))
    ]
    assert TrainingSession.objects.count() == before


def test_the_database_also_refuses_dates_out_of_order(cascade):
    session = cascade.session(kind=SessionKind.TOT, lead=cascade.master)
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingSession.objects.filter(pk=session.pk).update(end_date=session.start_date - timedelta(days=1))


def test_it_rejects_self_training(cascade):
    session = cascade.session(kind=SessionKind.TOT, lead=cascade.master)
    with pytest.raises(ValidationError) as excinfo:
        services.participation_record(session=session, person=cascade.master)
    assert "nobody trains themselves" in _messages(excinfo)[0]
    assert session.ref in _messages(excinfo)[0]
    assert cascade.master.service_number in _messages(excinfo)[0]
    assert not Participation.objects.filter(session=session).exists()


def test_it_rejects_a_trainer_who_is_already_a_participant(cascade):
    trainer = cascade.qualified_trainer()
    session = cascade.session(kind=SessionKind.CASCADE, lead=trainer)
    trainee = PersonFactory()
    services.participation_record(session=session, person=trainee)
    with pytest.raises(ValidationError):
        services.session_trainer_add(session=session, person=trainee)
    assert not SessionTrainer.objects.filter(session=session, person=trainee).exists()


def test_it_rejects_a_cycle_in_the_lineage(cascade):
    # master → a (ToT); a → b (ToT led by a, who is qualified); b → master would close the loop.
    a = cascade.qualified_trainer()
    b = cascade.qualified_trainer(trained_by=a, start=date(2022, 5, 1))

    session_by_b = cascade.session(kind=SessionKind.TOT, lead=b, start=date(2023, 1, 1))
    with pytest.raises(ValidationError) as excinfo:
        services.participation_record(session=session_by_b, person=cascade.master)
    (message,) = _messages(excinfo)
    assert "cycle" in message and cascade.master.service_number in message and b.service_number in message
    assert not Participation.objects.filter(session=session_by_b).exists()


def test_a_trainer_may_train_people_who_share_an_ancestor_without_a_cycle(cascade):
    # Two trainers of the same generation training each other's trainees is a DAG, not a cycle.
    a = cascade.qualified_trainer()
    b = cascade.qualified_trainer()
    trainee = PersonFactory()
    services.participation_record(session=cascade.session(kind=SessionKind.CASCADE, lead=a), person=trainee)
    services.participation_record(
        session=cascade.session(kind=SessionKind.CASCADE, lead=b, start=date(2022, 6, 1)), person=trainee
    )
    assert Participation.objects.filter(person=trainee).count() == 2


def test_it_rejects_a_cascade_trainer_without_a_qualification(cascade):
    unqualified = PersonFactory()
    with pytest.raises(ValidationError) as excinfo:
        cascade.session(kind=SessionKind.CASCADE, lead=unqualified)
    (message,) = _messages(excinfo)
    assert "qualification" in message and "MPS-01" in message and unqualified.service_number in message
    assert not TrainingSession.objects.filter(kind=SessionKind.CASCADE).exists()


def test_it_rejects_a_qualification_for_another_course(cascade):
    trainer = cascade.qualified_trainer(course=course("MPS-05"))
    with pytest.raises(ValidationError):
        cascade.session(kind=SessionKind.CASCADE, lead=trainer, course=course("MPS-01"))
    cascade.session(kind=SessionKind.CASCADE, lead=trainer, course=course("MPS-05"))


def test_it_rejects_a_qualification_not_valid_on_the_start_date(cascade):
    trainer = cascade.qualified_trainer(start=date(2021, 1, 10))
    qualification = TrainerQualification.objects.get(person=trainer)
    assert qualification.valid_until == date(2024, 1, 14)  # three years after the ToT ended
    with pytest.raises(ValidationError):
        cascade.session(kind=SessionKind.CASCADE, lead=trainer, start=date(2024, 2, 1))
    with pytest.raises(ValidationError):
        cascade.session(kind=SessionKind.CASCADE, lead=trainer, start=date(2021, 1, 11))  # before the ToT ended
    cascade.session(kind=SessionKind.CASCADE, lead=trainer, start=date(2023, 12, 1))


def test_every_trainer_of_a_cascade_session_must_be_qualified(cascade):
    lead = cascade.qualified_trainer()
    co = PersonFactory()
    with pytest.raises(ValidationError) as excinfo:
        cascade.session(kind=SessionKind.CASCADE, lead=lead, co=[co])
    assert co.service_number in _messages(excinfo)[0]


@pytest.mark.parametrize("field,value", [("pre_score", 140), ("post_score", -1), ("post_score", Decimal("100.01"))])
def test_it_rejects_scores_outside_0_to_100(cascade, field, value):
    session = cascade.session(kind=SessionKind.TOT, lead=cascade.master)
    person = PersonFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.participation_record(session=session, person=person, **{field: value})
    assert str(value) in _messages(excinfo)[0]
    assert not Participation.objects.filter(session=session).exists()


def test_the_database_also_refuses_scores_outside_0_to_100(cascade):
    session = cascade.session(kind=SessionKind.TOT, lead=cascade.master)
    with pytest.raises(IntegrityError), transaction.atomic():
        Participation.objects.bulk_create([Participation(session=session, person=PersonFactory(), pre_score=140)])


def test_a_person_appears_once_per_session(cascade):
    session = cascade.session(kind=SessionKind.TOT, lead=cascade.master)
    person = PersonFactory()
    services.participation_record(session=session, person=person, pre_score=30)
    services.participation_record(session=session, person=person, post_score=70)  # updates, not a second row
    assert Participation.objects.filter(session=session, person=person).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Participation.objects.create(session=session, person=person)


def test_a_draft_with_a_duplicated_participant_is_refused():
    draft = integrity.SessionDraft(
        ref="DUP",
        kind=SessionKind.DIRECT,
        course_id=course().pk,
        start_date=date(2022, 1, 1),
        end_date=date(2022, 1, 2),
        trainer_ids=(1,),
        participants=(integrity.ParticipantDraft(person_id=2), integrity.ParticipantDraft(person_id=2)),
    )
    errors = integrity.check_session(draft)
    assert any("more than once" in str(e) for e in errors)


def test_every_broken_rule_is_reported_at_once(cascade):
    unqualified = PersonFactory()
    draft = integrity.SessionDraft(
        ref="MANY",
        kind=SessionKind.CASCADE,
        course_id=cascade.course.pk,
        start_date=date(2022, 1, 5),
        end_date=date(2022, 1, 1),
        trainer_ids=(unqualified.pk,),
        participants=(integrity.ParticipantDraft(person_id=unqualified.pk, pre_score=101),),
    )
    errors = [str(e) for e in integrity.check_session(draft)]
    assert len(errors) == 4  # dates, score, self-training, qualification


def test_a_closed_session_is_locked(cascade):
    session = cascade.session(kind=SessionKind.TOT, lead=cascade.master)
    services.session_close(session=session)
    with pytest.raises(ValidationError) as excinfo:
        services.participation_record(session=session, person=PersonFactory())
    assert "closed" in _messages(excinfo)[0]
    assert not Participation.objects.filter(session=session).exists()


def test_closing_a_tot_session_qualifies_only_those_who_completed_it(cascade):
    session = cascade.session(kind=SessionKind.TOT, lead=cascade.master)
    done, dropped = PersonFactory(), PersonFactory()
    services.participation_record(session=session, person=done, outcome=Outcome.COMPLETED)
    services.participation_record(session=session, person=dropped, outcome=Outcome.WITHDRAWN)
    services.session_close(session=session)
    qualified = TrainerQualification.objects.filter(source_session=session)
    assert list(qualified.values_list("person_id", flat=True)) == [done.pk]
    assert qualified.get().valid_from == session.end_date


def test_closing_a_cascade_session_qualifies_nobody(cascade):
    trainer = cascade.qualified_trainer()
    session = cascade.session(kind=SessionKind.CASCADE, lead=trainer)
    services.participation_record(session=session, person=PersonFactory(), outcome=Outcome.COMPLETED)
    services.session_close(session=session)
    assert not TrainerQualification.objects.filter(source_session=session).exists()


# --- Many drafts at once ----------------------------------------------------------------------


def _world(cascade):
    """Stored records for every cross-row rule: a qualified trainer A who trained B, who (qualified by
    another ToT) trained C; an unqualified person U; D qualified for a later period only."""
    a = cascade.qualified_trainer(gender="M")
    b = cascade.qualified_trainer(trained_by=a, gender="F")
    first = cascade.session(kind=SessionKind.CASCADE, lead=a, start=date(2022, 2, 1))
    services.participation_record(session=first, person=b, outcome=Outcome.COMPLETED)
    c = PersonFactory(gender="M")
    second = cascade.session(kind=SessionKind.CASCADE, lead=b, start=date(2022, 3, 1))
    services.participation_record(session=second, person=c, outcome=Outcome.COMPLETED)
    d = cascade.qualified_trainer(start=date(2023, 6, 1))
    u = PersonFactory(gender="F")
    return {"A": a.pk, "B": b.pk, "C": c.pk, "D": d.pk, "U": u.pk, "M": cascade.master.pk}


def _draft(people, ref, *, trainers, participants=(), kind=SessionKind.CASCADE, course_id, **fields):
    return integrity.SessionDraft(
        ref=ref,
        kind=kind,
        course_id=course_id,
        start_date=fields.pop("start_date", date(2022, 5, 1)),
        end_date=fields.pop("end_date", date(2022, 5, 5)),
        trainer_ids=tuple(people[t] for t in trainers),
        participants=tuple(
            integrity.ParticipantDraft(person_id=people[p], **extra)
            for p, extra in (item if isinstance(item, tuple) else (item, {}) for item in participants)
        ),
        **fields,
    )


def test_checking_many_drafts_at_once_states_what_checking_each_alone_does(cascade):
    people = _world(cascade)
    other_course = course("MPS-02").pk
    cid = cascade.course.pk
    drafts = [
        _draft(people, "OK", trainers="A", participants=["U"], course_id=cid),
        _draft(people, "CYCLE", trainers="C", participants=["A", "U"], course_id=cid),  # C is unqualified too
        _draft(people, "CYCLE-2", trainers="BD", participants=["A"], course_id=cid, start_date=date(2024, 1, 1)),
        _draft(people, "SELF", trainers="A", participants=["A"], course_id=cid),
        _draft(people, "UNQUALIFIED", trainers="AU", participants=["C"], course_id=cid),
        _draft(people, "OTHER-COURSE", trainers="A", participants=["U"], course_id=other_course),
        _draft(people, "TOO-EARLY", trainers="D", participants=["U"], course_id=cid),  # D from 2023 on
        _draft(people, "TOT-NO-QUAL", trainers="U", participants=["C"], kind=SessionKind.TOT, course_id=cid),
        _draft(people, "DATES", trainers="A", course_id=cid, start_date=date(2022, 5, 5), end_date=date(2022, 5, 1)),
        _draft(people, "NOBODY", trainers="", participants=["U"], course_id=cid),
        _draft(
            people,
            "SCORES",
            trainers="A",
            participants=[("U", {"pre_score": 101, "days_attended": 9}), ("C", {"post_score": Decimal(-1)})],
            course_id=cid,
        ),
        _draft(people, "TWICE", trainers="AA", participants=["U", "U"], course_id=cid),
        _draft(people, "HEADCOUNT", trainers="A", participants=["U", "C"], course_id=cid, headcount_female=0),
        _draft(people, "CLOSED", trainers="A", participants=["U"], course_id=cid, was_closed=True),
        _draft(people, "NO-PARTICIPANTS", trainers="U", course_id=cid),
    ]
    one_by_one = [integrity.session_breaches(draft) for draft in drafts]

    assert integrity.sessions_breaches(drafts) == one_by_one
    assert integrity.check_sessions(drafts) == [integrity.check_session(draft) for draft in drafts]
    # The table covers passing and failing drafts (a ToT session needs no qualification), every rule.
    assert [d.ref for d, b in zip(drafts, one_by_one, strict=True) if not b] == ["OK", "TOT-NO-QUAL"]
    stated = " ".join(str(b.message) for breaches in one_by_one for b in breaches)
    for words in ("a cycle", "nobody trains themselves", "no qualification", "is closed", "more than once"):
        assert words in stated


def test_many_drafts_at_once_take_a_few_queries_whatever_their_number(cascade, django_assert_max_num_queries):
    people = _world(cascade)
    drafts = [
        _draft(
            people,
            f"S-{n}",
            trainers="AU"[: 1 + n % 2],
            participants=["C", "U"][: 1 + n % 2],
            course_id=cascade.course.pk,
        )
        for n in range(60)
    ]
    with django_assert_max_num_queries(5):
        integrity.sessions_breaches(drafts)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.text("ABCDUM", max_size=3),  # trainers
            st.lists(st.sampled_from("ABCDUM"), max_size=4),  # participants
            st.sampled_from([SessionKind.CASCADE, SessionKind.TOT]),
            st.dates(date(2020, 1, 1), date(2025, 1, 1)),
            st.integers(0, 120),  # a score
        ),
        max_size=8,
    )
)
def test_any_batch_of_drafts_is_judged_as_each_draft_alone(cascade_world, cases):
    cascade, people = cascade_world
    drafts = [
        _draft(
            people,
            f"H-{n}",
            trainers=trainers,
            participants=[(p, {"pre_score": score}) for p in participants],
            kind=kind,
            course_id=cascade.course.pk,
            start_date=day,
            end_date=day + timedelta(days=2),
            headcount_male=1,
        )
        for n, (trainers, participants, kind, day, score) in enumerate(cases)
    ]
    assert integrity.sessions_breaches(drafts) == [integrity.session_breaches(draft) for draft in drafts]


@pytest.fixture
def cascade_world(cascade):
    return cascade, _world(cascade)
