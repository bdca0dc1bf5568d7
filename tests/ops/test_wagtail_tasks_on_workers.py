"""Wagtail's background tasks go to the Celery workers after the commit (production profile)."""

import pytest
from wagtail.models import ReferenceIndex

from cascade import services
from cascade.models import SessionKind
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

WORKERS = {"default": {"BACKEND": "ops.task_backend.CeleryTaskBackend"}}


def test_the_reference_index_follows_a_save_once_it_commits_and_not_before(
    settings, cascade, django_capture_on_commit_callbacks
):
    settings.TASKS = WORKERS  # Celery runs eagerly in the tests: the hand-over runs the task at once
    session = cascade.session(kind=SessionKind.DIRECT, lead=cascade.master)
    person = PersonFactory()
    with django_capture_on_commit_callbacks(execute=False) as handed_over:
        services.participation_record(session=session, person=person)
    assert not ReferenceIndex.get_references_to(person).exists()  # the save did not index it itself
    for callback in handed_over:
        callback()
    assert ReferenceIndex.get_references_to(person).exists()  # the person's delete screen sees the session


def test_a_task_about_an_object_deleted_meanwhile_is_dropped(settings, cascade, django_capture_on_commit_callbacks):
    settings.TASKS = WORKERS
    session = cascade.session(kind=SessionKind.DIRECT, lead=cascade.master)
    person = PersonFactory()
    with django_capture_on_commit_callbacks(execute=False) as handed_over:
        services.participation_record(session=session, person=person)
    services.participation_remove(session=session, person=person)
    for callback in handed_over:
        callback()  # no error: the participation is gone
    assert not ReferenceIndex.get_references_to(person).exists()
