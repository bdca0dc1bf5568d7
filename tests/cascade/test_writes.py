"""What a write leaves behind: nothing for a write that changes nothing; one ``sessions_changed`` naming
the sessions written and every session whose generation moved; audit facts equal to the records."""

from datetime import date
from decimal import Decimal

import pytest

from audit.models import ParticipationFact
from cascade import services
from cascade.models import Outcome, Participation, SessionGeneration, SessionKind, TrainingSession
from cascade.signals import sessions_changed
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent():
    """The ``sessions_changed`` signals sent during the test (as (session ids, everything))."""
    seen: list[tuple[frozenset, bool]] = []

    def listen(sender, session_ids, everything=False, **kwargs):
        seen.append((session_ids, everything))

    sessions_changed.connect(listen, dispatch_uid="test-writes-listen")
    yield seen
    sessions_changed.disconnect(dispatch_uid="test-writes-listen")


def _history_rows() -> int:
    return Participation.history.count() + TrainingSession.history.count()


def test_re_adding_a_person_already_on_the_roster_writes_nothing_and_queues_nothing(
    cascade, sent, django_capture_on_commit_callbacks
):
    session = cascade.session(kind=SessionKind.TOT, lead=cascade.master)
    trainee = PersonFactory()
    services.participation_record(session=session, person=trainee, days_attended=3, pre_score=40)
    before = _history_rows()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        participation = services.participation_record(session=session, person=trainee)
        services.participation_record(session=session, person=trainee, days_attended=3, pre_score=Decimal("40"))
    assert participation.person_id == trainee.pk
    assert _history_rows() == before
    assert callbacks == [] and sent == []


def test_saving_an_unchanged_roster_writes_nothing_and_a_changed_one_only_what_changed(
    cascade, sent, django_capture_on_commit_callbacks
):
    session = cascade.session(kind=SessionKind.TOT, lead=cascade.master)
    people = [PersonFactory() for _ in range(4)]
    entries = [services.RosterEntry(person=p, days_present=[date(2022, 1, 10)], pre_score=50) for p in people]
    services.roster_record(session=session, entries=entries)
    before = Participation.history.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.roster_record(session=session, entries=entries)
    assert Participation.history.count() == before
    assert callbacks == [] and sent == []

    changed = [*entries[:3], services.RosterEntry(person=people[3], days_present=[date(2022, 1, 10)], pre_score=60)]
    with django_capture_on_commit_callbacks(execute=True):
        services.roster_record(session=session, entries=changed)
    assert Participation.history.count() == before + 1  # the one participant whose score changed
    assert sent == [(frozenset({session.pk}), False)]


def test_an_unchanged_session_update_writes_nothing(cascade, sent, django_capture_on_commit_callbacks):
    session = cascade.session(kind=SessionKind.TOT, lead=cascade.master)
    before = TrainingSession.history.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.session_update(
            session=session,
            start_date=session.start_date,
            end_date=session.end_date,
            headcount_male=session.headcount_male,
            headcount_female=session.headcount_female,
            notes=session.notes,
        )
    assert TrainingSession.history.count() == before
    assert callbacks == [] and sent == []


def test_one_signal_names_the_session_written_and_every_session_whose_generation_moved(
    cascade, sent, django_capture_on_commit_callbacks
):
    # A trainer's own ToT recorded late: the cascade session they led had no generation until then.
    trainer, trainee = PersonFactory(), PersonFactory()
    tot = cascade.session(kind=SessionKind.TOT, lead=cascade.master, start=date(2021, 1, 10))
    unconnected = cascade.session(kind=SessionKind.TOT, lead=trainer, start=date(2022, 6, 5))
    with django_capture_on_commit_callbacks(execute=True):
        services.participation_record(session=unconnected, person=trainee)
    assert not SessionGeneration.objects.filter(session=unconnected).exists()
    assert ParticipationFact.objects.get(session_id=unconnected.pk).generation is None
    sent.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.participation_record(session=tot, person=trainer, outcome=Outcome.COMPLETED)
    assert sent == [(frozenset({tot.pk, unconnected.pk}), False)]
    assert SessionGeneration.objects.get(session=unconnected).generation == 2
    # The audit refreshed both: the facts place the later session in generation 2, as a rebuild would.
    assert ParticipationFact.objects.get(session_id=unconnected.pk).generation == 2
    assert ParticipationFact.objects.get(session_id=tot.pk).generation == 1


def test_nothing_is_sent_for_a_write_that_rolls_back(cascade, sent, django_capture_on_commit_callbacks):
    session = cascade.session(kind=SessionKind.TOT, lead=cascade.master)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValueError), services.transaction.atomic():
        services.participation_record(session=session, person=PersonFactory())
        raise ValueError
    assert sent == []
