"""Reading below a trainer in the tree is granted by the reader's own role and sessions, never by
whom they put on a roster.

An outside probe: trainer B opened a session, added trainer A as a participant, and A's lineage,
reach (235 named people), sessions and record turned from 404 to 200 — the lineage index placed
A's whole tree below B. The property: adding any person to one's own roster changes only what the
roster page shows (that person's row); what else the trainer may read stays as it was.
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cascade import permissions, services
from cascade.models import LineageLink, Participation, SessionKind
from cascade.views_lineage import _named_ids, chain_visible, tree_access
from cascade.workspace.forms import SessionCreateForm
from lms.models import Person
from tests.cascade.personas import build_world, trainer_login
from tests.factories import PersonFactory, TrainingCentreFactory, governorate

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cascade):
    world = build_world(cascade)
    # Trainer A's tree goes two levels deeper: A trained D, who trained two people.
    world.d = cascade.qualified_trainer(trained_by=world.trainer_a, start=date(2021, 3, 1))
    d_session = cascade.session(kind=SessionKind.CASCADE, lead=world.d, start=date(2022, 2, 1))
    world.below_d = PersonFactory.create_batch(2)
    for person in world.below_d:
        services.participation_record(session=d_session, person=person)
    world.stranger = PersonFactory(governorate=governorate("BA"))
    world.reader = trainer_login(world.trainer_b, username="roster-reader")
    return world


def what_is_readable(user) -> dict:
    """Everything a trainer may read, as sets: sessions, people, and per person the chain above,
    the access to the tree below and whom in it they see named."""
    people = list(Person.objects.values_list("pk", flat=True))
    below = {pk: set() for pk in people}
    for ancestor, descendant in LineageLink.objects.values_list("ancestor_id", "descendant_id"):
        below[ancestor].add(descendant)
    per_person = {}
    for person in Person.objects.all():
        access = tree_access(user, person)
        named = _named_ids(user, access, sorted(below[person.pk])) if access else set()
        per_person[person.pk] = (chain_visible(user, person), access, frozenset(named))
    return {
        "sessions": set(permissions.sessions_visible_to(user).values_list("pk", flat=True)),
        "participations": set(
            permissions.participations_visible_to(user)
            .exclude(session__participations__isnull=True)
            .values_list("pk", flat=True)
        ),
        "people": set(permissions.people_visible_to(user).values_list("pk", flat=True)),
        "per_person": per_person,
    }


def without(readable: dict, person_id: int, participation_ids: set[int]) -> dict:
    """What a trainer reads, less what the roster page shows of ``person_id`` (their row)."""
    return {
        "sessions": readable["sessions"],
        "participations": readable["participations"] - participation_ids,
        "people": readable["people"] - {person_id},
        "per_person": {
            pk: (chain, access, named - {person_id})
            for pk, (chain, access, named) in readable["per_person"].items()
            if pk != person_id
        },
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_adding_anyone_to_ones_own_roster_changes_only_that_roster_row(world, data):
    candidates = list(Person.objects.exclude(pk=world.trainer_b.pk).order_by("pk"))
    person = data.draw(st.sampled_from(candidates))
    with transaction.atomic():
        before = what_is_readable(world.reader)
        try:
            with transaction.atomic():
                participation = services.participation_record(session=world.session_b, person=person)
        except ValidationError:
            transaction.set_rollback(True)
            return  # refused by the integrity rules (a cycle, self-training): nothing changed
        world.reader.__dict__.pop("_lms_role_names", None)
        after = what_is_readable(world.reader)
        assert person.pk in after["people"]  # the roster names them
        assert without(after, person.pk, {participation.pk}) == without(before, person.pk, {participation.pk})
        transaction.set_rollback(True)


def test_the_probe_adding_another_trainer_opens_nothing_below_them(client, world):
    services.participation_record(session=world.session_b, person=world.trainer_a)
    client.force_login(world.reader)
    for url in (
        reverse("cascade:person_lineage", args=[world.trainer_a.pk]),
        reverse("cascade:trainer_reach", args=[world.trainer_a.pk]),
        reverse("cascade:person_lineage_sessions", args=[world.trainer_a.pk]),
        reverse("cascade:person_lineage_participants", args=[world.trainer_a.pk, world.session_a.pk]),
        reverse("cascade:trainer_reach", args=[world.d.pk]),
        reverse("cascade:person_lineage", args=[world.below_d[0].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404 or response.context["tree_access"] is None, url
    # Their own reach counts what is below their own sessions, and names only their own rosters.
    own = client.get(reverse("cascade:trainer_reach", args=[world.trainer_b.pk]))
    assert own.status_code == 200
    named = {row["person"].pk for row in own.context["people"] if row["person"] is not None}
    assert named <= {world.trainer_a.pk, world.participant_b.pk}
    html = own.content.decode()
    for hidden in (world.participant_a, world.d, *world.below_d):
        assert hidden.service_number not in html
    assert not Participation.objects.filter(session__in=permissions.sessions_visible_to(world.reader)).filter(
        person__in=world.below_d
    )


def test_a_trainer_opens_sessions_only_at_centres_of_their_governorate_or_where_they_train(world):
    baghdad_centre = world.session_a.training_centre
    basra_other = TrainingCentreFactory(governorate=governorate("BA"))
    offered = set(SessionCreateForm(trainer=world.trainer_b).fields["training_centre"].queryset)
    assert baghdad_centre not in offered
    assert {world.session_b.training_centre, basra_other} <= offered
    form = SessionCreateForm(
        {
            "course": world.session_b.course_id,
            "kind": SessionKind.CASCADE,
            "training_centre": baghdad_centre.pk,
            "start_date": "2023-01-01",
            "end_date": "2023-01-02",
            "headcount_male": 0,
            "headcount_female": 0,
        },
        trainer=world.trainer_b,
    )
    assert not form.is_valid() and "training_centre" in form.errors
