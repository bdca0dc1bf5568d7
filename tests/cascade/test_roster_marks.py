"""Marks of people already on a roster (attendance, scores, outcome): the same rules and the same
record as any roster write, written row by row. Whether such saves wait for one another is a
PostgreSQL matter: ``tests/production/test_roster_locks.py``."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cascade import integrity, services
from cascade.models import AttendanceDay, Outcome, Participation, SessionKind
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

START = date(2022, 1, 10)  # the cascade fixture's sessions run 10–14 January 2022


@pytest.fixture
def roster(cascade):
    session = cascade.session(kind=SessionKind.TOT, lead=cascade.master)
    people = [PersonFactory() for _ in range(3)]
    services.roster_record(
        session=session,
        entries=[services.RosterEntry(person=p, days_present=[START], pre_score=40) for p in people],
    )
    return session, people


def _days(session, person) -> list[date]:
    return sorted(
        AttendanceDay.objects.filter(participation__session=session, participation__person=person).values_list(
            "day", flat=True
        )
    )


def test_marks_of_people_on_the_roster_are_stored_with_one_history_row_each(roster, django_user_model):
    session, (first, second, third) = roster
    before = Participation.history.count()
    services.roster_record(
        session=session,
        entries=[
            services.RosterEntry(person=first, days_present=[date(2022, 1, 11), date(2022, 1, 12)], post_score=75),
            services.RosterEntry(person=second, outcome=Outcome.COMPLETED),
            services.RosterEntry(person=third, pre_score=40),  # as stored: not written
        ],
    )
    stored = {p.person_id: p for p in Participation.objects.filter(session=session)}
    assert (stored[first.pk].days_attended, stored[first.pk].pre_score, stored[first.pk].post_score) == (
        2,
        Decimal("40"),
        Decimal("75"),
    )
    assert _days(session, first) == [date(2022, 1, 11), date(2022, 1, 12)]
    assert _days(session, second) == [START]  # days not given stay as they were
    assert stored[second.pk].outcome == Outcome.COMPLETED
    history = Participation.history.order_by("-history_id")[:2]
    assert Participation.history.count() == before + 2
    assert {h.person_id for h in history} == {first.pk, second.pk}
    assert {h.history_type for h in history} == {"~"}


@pytest.mark.parametrize(
    "entry,rule",
    [
        ({"pre_score": 140}, integrity.RULE_SCORE),
        ({"days_present": [date(2022, 1, 20)]}, integrity.RULE_DAY_OUTSIDE),
        ({"days_attended": 9}, integrity.RULE_DAYS_TOO_MANY),
    ],
)
def test_a_broken_rule_on_one_row_names_that_row_and_stores_nothing(roster, entry, rule):
    session, (first, second, _third) = roster
    before = Participation.history.count()
    with pytest.raises(integrity.RulesBroken) as excinfo:
        services.roster_record(
            session=session,
            entries=[services.RosterEntry(person=first, post_score=90), services.RosterEntry(person=second, **entry)],
        )
    assert [(b.code, b.person_id) for b in excinfo.value.breaches] == [(rule, second.pk)]
    assert Participation.objects.get(session=session, person=first).post_score is None  # the good row neither
    assert _days(session, second) == [START]
    assert Participation.history.count() == before


def test_marks_of_a_closed_session_are_refused(roster):
    session, (first, _second, _third) = roster
    services.session_close(session=session)
    with pytest.raises(ValidationError) as excinfo:
        services.roster_record(session=session, entries=[services.RosterEntry(person=first, post_score=90)])
    assert [b.code for b in excinfo.value.breaches] == [integrity.RULE_CLOSED]
    assert Participation.objects.get(session=session, person=first).post_score is None
