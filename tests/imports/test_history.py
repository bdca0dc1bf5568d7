"""Every record an import writes keeps a history row naming the importing account, and the lineage
index knows every participant it adds."""

import pytest

from cascade import writer
from cascade.lineage_upkeep import links_are_current, stale_tables
from cascade.models import Participation, SessionKind
from imports.columns import PARTICIPATIONS, PEOPLE
from imports.resources import HISTORY_REASON
from imports.services import records_import
from lms.models import Person
from tests.imports.helpers import dataset

pytestmark = pytest.mark.django_db

PEOPLE_HEADERS = [c.name for c in PEOPLE]
PARTICIPATION_HEADERS = [c.name for c in PARTICIPATIONS]


def roster(n: int, *, rank: str = "lieutenant") -> list[list]:
    return [[f"61{i:05d}", f"منتسب {i}", f"Member {i}", "M", rank, "", "", "BG"] for i in range(n)]


def test_created_and_updated_people_have_history_rows_with_the_importing_account(django_user_model):
    user = django_user_model.objects.create_user(username="importer", password=None)
    records_import(kind="people", dataset=dataset(PEOPLE_HEADERS, roster(30)), dry_run=False, user=user)
    people = Person.objects.filter(service_number__startswith="61")
    assert people.count() == 30
    created = Person.history.filter(service_number__startswith="61", history_type="+")
    assert created.count() == 30
    assert set(created.values_list("history_user_id", "history_change_reason")) == {(user.pk, HISTORY_REASON)}
    stored = {p.pk: (p.service_number, p.name_ar, p.rank) for p in people}
    assert {h.id: (h.service_number, h.name_ar, h.rank) for h in created} == stored

    outcome = records_import(
        kind="people", dataset=dataset(PEOPLE_HEADERS, roster(30, rank="captain")), dry_run=False, user=user
    )
    assert outcome.counts["updated"] == 30
    changed = Person.history.filter(service_number__startswith="61", history_type="~")
    assert changed.count() == 30
    assert set(changed.values_list("rank", "history_user_id")) == {("captain", user.pk)}


def test_a_dry_run_leaves_no_history(django_user_model):
    records_import(kind="people", dataset=dataset(PEOPLE_HEADERS, roster(5)), dry_run=True)
    assert not Person.history.filter(service_number__startswith="61").exists()


@pytest.mark.parametrize("first_load", [False, True], ids=["extended per session", "rebuilt once"])
def test_imported_participations_have_history_rows_and_the_lineage_index_follows(
    cascade, django_user_model, monkeypatch, first_load
):
    if first_load:  # three sessions count as a large first load: bulk_writes() and one rebuild
        monkeypatch.setattr(writer, "LINKS_REBUILD_OVER", 0)
    user = django_user_model.objects.create_user(username="importer", password=None)
    trainer = cascade.qualified_trainer()
    sessions = [cascade.session(kind=SessionKind.CASCADE, lead=trainer) for _ in range(3)]
    records_import(kind="people", dataset=dataset(PEOPLE_HEADERS, roster(12)), dry_run=False, user=user)
    rows = [[sessions[i % 3].ref, f"61{i:05d}", 3, 40 + i, 70 + i, "completed"] for i in range(12)]
    outcome = records_import(
        kind="participations", dataset=dataset(PARTICIPATION_HEADERS, rows), dry_run=False, user=user
    )
    assert outcome.counts["new"] == 12, outcome.rows
    written = Participation.objects.filter(session__in=sessions)
    history = Participation.history.filter(session__in=sessions)
    assert history.count() == 12
    assert set(history.values_list("history_type", "history_user_id")) == {("+", user.pk)}
    assert {h.id: h.post_score for h in history} == {p.pk: p.post_score for p in written}
    assert links_are_current() and stale_tables() == []

    rows[0][4] = 99
    again = records_import(
        kind="participations", dataset=dataset(PARTICIPATION_HEADERS, rows), dry_run=False, user=user
    )
    assert again.counts == {"new": 0, "updated": 1, "unchanged": 11, "error": 0}
    assert Participation.history.filter(session__in=sessions, history_type="~").get().post_score == 99
