"""The facts follow the cascade's write paths, and a trainer whose participants learn far less than
the trainer's own ToT cohort is flagged for mentoring."""

import json
from datetime import date

import pytest

from audit.models import FactsState, ParticipationFact
from audit.selectors import AuditScope, dashboard_figures, facts_visible_to
from audit.services import facts_rebuild
from cascade import services
from cascade.models import Outcome, SessionKind
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_a_recorded_participation_reaches_the_facts_when_the_transaction_commits(
    cascade, django_capture_on_commit_callbacks
):
    trainer = cascade.qualified_trainer()
    facts_rebuild()
    version = FactsState.objects.get().version
    session = cascade.session(kind=SessionKind.CASCADE, lead=trainer, start=date(2022, 5, 8))
    trainee = PersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.participation_record(
            session=session, person=trainee, outcome=Outcome.COMPLETED, pre_score=40, post_score=65
        )
    fact = ParticipationFact.objects.get(session=session, person=trainee)
    assert (fact.generation, fact.kind, fact.completed, fact.gain, fact.quarter) == (
        2,
        SessionKind.CASCADE,
        True,
        25,
        date(2022, 4, 1),
    )
    assert FactsState.objects.get().version > version


def test_a_rebuild_gives_each_participation_its_lineage_generation(cascade):
    trainer = cascade.qualified_trainer()
    session = cascade.session(kind=SessionKind.CASCADE, lead=trainer)
    services.participation_record(session=session, person=PersonFactory(), outcome=Outcome.COMPLETED)
    facts_rebuild()
    generations = dict(ParticipationFact.objects.values_list("kind", "generation"))
    assert generations == {SessionKind.TOT: 1, SessionKind.CASCADE: 2}
    tot_fact = ParticipationFact.objects.get(kind=SessionKind.TOT)
    assert tot_fact.master_led_tot and tot_fact.qualified


def _trainer_whose_participants_gain(cascade, gain: int, settings) -> dict:
    settings.AUDIT_MENTORING_MIN_SCORED = 3
    trainer = cascade.qualified_trainer()  # ToT cohort gain: 40 → 80, i.e. 40 points
    session = cascade.session(kind=SessionKind.CASCADE, lead=trainer)
    for _n in range(3):
        services.participation_record(
            session=session, person=PersonFactory(), outcome=Outcome.COMPLETED, pre_score=40, post_score=40 + gain
        )
    services.session_close(session=session)
    facts_rebuild()
    scope = AuditScope(everything=True)
    rows = dashboard_figures(scope, facts_visible_to(scope), {})["trainers"]["rows"]
    assert [row["trainer"] for row in rows] == [trainer.pk]
    return rows[0]


def test_a_trainer_whose_participants_gain_well_below_their_tot_cohort_is_flagged(cascade, settings):
    row = _trainer_whose_participants_gain(cascade, 20, settings)  # half the cohort's 40 points
    assert (row["mean_gain"], row["cohort_gain"], row["ratio"], row["flagged"]) == (20.0, 40.0, 0.5, True)


def test_a_trainer_whose_participants_gain_like_their_cohort_is_not_flagged(cascade, settings):
    row = _trainer_whose_participants_gain(cascade, 30, settings)
    assert (row["ratio"], row["flagged"]) == (0.75, False)


def test_imported_plan_targets_retire_the_stored_dashboards(django_capture_on_commit_callbacks):
    from imports.columns import TARGETS
    from imports.services import records_import
    from tests.factories import course
    from tests.imports.helpers import dataset

    facts_rebuild()
    version = FactsState.objects.get().version
    headers = [c.name for c in TARGETS]
    values = {"year": 2024, "governorate": "BA", "course_code": course().code, "target_participants": 50}
    with django_capture_on_commit_callbacks(execute=True):
        outcome = records_import(
            kind="targets", dataset=dataset(headers, [[values.get(h, "") for h in headers]]), dry_run=False
        )
    assert outcome.counts["new"] == 1, outcome.counts
    assert FactsState.objects.get().version == version + 1


def test_the_year_filter_keys_stored_dashboards_as_a_whole_number(db):
    from audit.filters import FactFilter
    from audit.selectors import filters_key

    filterset = FactFilter({"year": "2023"}, scope=AuditScope(everything=True))
    assert filterset.is_valid()
    # Stored-dashboard keys and the export log are JSON: a Decimal would not serialise.
    assert json.dumps(filters_key(filterset.cleaned)) == '{"year": 2023}'


def test_a_plan_target_saved_or_deleted_in_the_admin_retires_the_stored_dashboards(
    client, django_user_model, django_capture_on_commit_callbacks
):
    from plans.models import Target
    from tests.conftest import log_in_verified
    from tests.factories import course, governorate

    log_in_verified(client, django_user_model.objects.create_superuser(username="admin", password=None))
    facts_rebuild()
    version = FactsState.objects.get().version
    data = {
        "year": 2024,
        "course": course().pk,
        "governorate": governorate("BA").pk,
        "training_centre": "",
        "target_participants": 50,
        "target_women": 5,
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/admin/targets/new/", data).status_code == 302
    assert FactsState.objects.get().version == version + 1
    target = Target.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/admin/targets/delete/{target.pk}/").status_code == 302
    assert FactsState.objects.get().version == version + 2
