"""Shared fixtures. Reference data (8 courses, 18 governorates, role groups) comes from migrations."""

from datetime import date

import pytest
from django.utils import translation

from cascade import services
from cascade.models import Outcome, SessionKind
from tests.factories import MasterTrainerFactory, PersonFactory, TrainingCentreFactory, course


def pytest_collection_modifyitems(items):
    """Transactional tests (live server, real commits) empty every table when they end, taking the
    reference data that migrations load (courses, governorates, locales, role groups, the page
    tree) with them; ``reference_data`` puts it back before each of them.

    pytest-django runs the transactional tests after the others (and so does each pytest-xdist
    worker with its share); nothing here changes that order."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = {"transactional_db", "live_server"} & set(item.fixturenames) or (
            marker is not None and marker.kwargs.get("transaction")
        )
        if transactional and "reference_data" not in item.fixturenames:
            item.fixturenames.insert(0, "reference_data")


@pytest.fixture(scope="session")
def _reference_data_snapshot(django_db_setup, django_db_blocker) -> str:
    # Django's own serialized rollback keeps its copy on the thread's connection object, which a
    # running Playwright loop can swap; this copy is taken once, right after migrations.
    from django.db import connection

    with django_db_blocker.unblock():
        return connection.creation.serialize_db_to_string()


@pytest.fixture
def reference_data(transactional_db, _reference_data_snapshot) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection

    # Always from a clean slate: a flush re-runs post_migrate, which recreates content types,
    # permissions and role groups under new ids; the snapshot brings back the original ids, so the
    # in-process content-type cache (and anything cached by id) must be forgotten too.
    call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
    connection.creation.deserialize_db_from_string(_reference_data_snapshot)
    ContentType.objects.clear_cache()
    cache.clear()


class Cascade:
    """A small cascade built through the services, so every row passed the integrity rules."""

    def __init__(self) -> None:
        self.course = course("MPS-01")
        self.centre = TrainingCentreFactory()
        self.master = MasterTrainerFactory(name_latin="Master Trainer")
        self._n = 0

    def session(self, *, kind: str, lead, co=(), start=date(2022, 1, 10), days: int = 5, course=None):
        self._n += 1
        return services.session_create(
            ref=f"T-{self._n:03d}",
            course=course or self.course,
            kind=kind,
            training_centre=self.centre,
            start_date=start,
            end_date=date.fromordinal(start.toordinal() + days - 1),
            lead_trainer=lead,
            co_trainers=list(co),
        )

    def qualified_trainer(self, *, start=date(2021, 1, 10), course=None, trained_by=None, **person):
        """A person who completed a closed ToT session led by ``trained_by`` (the master trainer by default)."""
        trainer = PersonFactory(**person)
        tot = self.session(kind=SessionKind.TOT, lead=trained_by or self.master, start=start, course=course)
        services.participation_record(
            session=tot, person=trainer, outcome=Outcome.COMPLETED, pre_score=40, post_score=80
        )
        services.session_close(session=tot)
        return trainer


@pytest.fixture
def cascade(db) -> Cascade:
    return Cascade()


@pytest.fixture
def english():
    """Messages in English, for tests that read their words (the default language is Arabic)."""
    with translation.override("en"):
        yield


def log_in_verified(client, user):
    """Log ``user`` in as past the second factor (staff pages require it; see ops.middleware).

    The account gets a recovery-code device and the session records it as verified, exactly as
    the verify page does after a correct code, without hashing a password or computing a TOTP.
    """
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    client.force_login(user)
    device, _created = StaticDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def verified_login(client):
    """``verified_login(user)`` logs the test client in with the second factor passed."""
    return lambda user: log_in_verified(client, user)
