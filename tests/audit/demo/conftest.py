"""The demo data (scale 1) with its participation facts, once for this package.

Built outside the per-test transaction (like ``tests/cascade/test_demo_data.py``) and removed
after the package, so other tests never see it. Nothing but the builder runs: its commit sends
``sessions_changed`` (everything), and the audit rebuilds the facts and stores the national pages,
as ``make run`` does; ``AFTER_BUILD`` keeps what the build left, and the stored pages and figures
are then dropped so each test starts without them.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from audit.models import (
    DashboardPage,
    DashboardSnapshot,
    ExportLog,
    FactsState,
    FigureCell,
    ParticipationFact,
    PlacePeople,
    TrainerCell,
    TrainerCohort,
)
from audit.selectors import AuditScope
from cascade.demo import demo_data_build, demo_data_reset
from plans.demo import demo_plan_delete


def _clear_audit_tables() -> None:
    for model in (ParticipationFact, FigureCell, TrainerCell, TrainerCohort, PlacePeople):
        model.objects.all().delete()
    for model in (DashboardSnapshot, DashboardPage, FactsState, ExportLog):
        model.objects.all().delete()


AFTER_BUILD: dict[str, int] = {}


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker):
    name = str(connection.settings_dict["NAME"])
    assert "test" in name or "memory" in name, f"not a test database: {name}"
    with django_db_blocker.unblock():
        demo_data_reset()
        demo_plan_delete()
        _clear_audit_tables()
        summary = demo_data_build(seed=1, scale=1)
        AFTER_BUILD.update(
            facts=ParticipationFact.objects.count(),
            pages=DashboardPage.objects.count(),
            state=FactsState.objects.filter(rebuilt_at__isnull=False).count(),
        )
        DashboardPage.objects.all().delete()
        DashboardSnapshot.objects.all().delete()
    yield summary
    with django_db_blocker.unblock():
        _clear_audit_tables()
        demo_plan_delete()
        demo_data_reset()


@pytest.fixture
def everything() -> AuditScope:
    return AuditScope(everything=True)


@pytest.fixture
def demo_user(demo):
    return lambda username: get_user_model().objects.get(username=username)


@pytest.fixture
def english_client(client):
    """The test client asking for English pages (the site's default is Arabic)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
