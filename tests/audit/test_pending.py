"""Figures never lag silently: between a workspace save and the end of its facts refresh (a Celery
task where tasks run on workers), every dashboard page and the one-page summary say when their
figures were counted and how many changes they do not yet count; the refresh clears what it
counted. Where tasks run eagerly (the embedded default) the refresh ends before the save returns,
and no page carries the notice."""

import csv
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from pypdf import PdfReader

from audit import pages, tasks
from audit.models import PendingSession
from audit.selectors import pending_changes
from audit.services import facts_rebuild, sessions_facts_refresh, sessions_pending_note
from cascade import services
from cascade.models import SessionKind
from lms import roles
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

PENDING = re.compile(r'data-pending="(\d+)"')


@pytest.fixture
def auditor(verified_login):
    user = get_user_model().objects.create_user("audit.pending", password="x")  # noqa: S106
    user.groups.add(Group.objects.get(name=roles.DIRECTORATE_AUDITOR))
    verified_login(user)
    return user


@pytest.fixture
def session(cascade):
    session = cascade.session(kind=SessionKind.TOT, lead=cascade.master)
    services.participation_record(session=session, person=PersonFactory(), days_attended=3, pre_score=40)
    facts_rebuild()  # the facts count the first participant
    assert pending_changes() == 0
    return session


@pytest.fixture
def queued(settings, monkeypatch):
    """Tasks run on workers: the refreshes the saves queue, captured instead of run."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    calls: list[list[int]] = []
    monkeypatch.setattr(tasks.sessions_facts_refresh, "delay", lambda session_ids: calls.append(session_ids))
    return calls


def _participations(client, **headers) -> int:
    """The dashboard's count of participations, from its exported totals."""
    response = client.get("/audit/export/totals.csv", **headers)
    assert response.status_code == 200
    rows = {row[0]: row[1] for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) if row}
    return int(rows["Participations"].replace(",", ""))


def _summary_text(client) -> str:
    response = client.get("/audit/summary.pdf", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def _marker(page: str) -> int | None:
    found = PENDING.findall(page)
    assert len(found) <= 1
    return int(found[0]) if found else None


def test_a_save_not_yet_counted_is_on_every_page_until_its_refresh_has_run(
    session, auditor, client, queued, django_capture_on_commit_callbacks
):
    before = _participations(client, HTTP_ACCEPT_LANGUAGE="en")
    with django_capture_on_commit_callbacks(execute=True):
        services.participation_record(session=session, person=PersonFactory(), days_attended=3, pre_score=50)
    assert queued == [[session.pk]]
    assert pending_changes() == 1

    page = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _marker(page) == 1
    assert re.search(r"Figures as of [^;<]+; 1 change not yet counted\.", page)
    assert _participations(client, HTTP_ACCEPT_LANGUAGE="en") == before  # the facts lag, and the page says so
    arabic = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert _marker(arabic) == 1 and "لم يُحتسب بعد" in arabic
    for url in ("/audit/section/coverage/", "/audit/table/never_reached/"):
        assert _marker(client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()) == 1, url
    assert "1 change not yet counted" in _summary_text(client)

    assert tasks.sessions_facts_refresh.run(queued[0]) == 2  # what the worker runs
    assert pending_changes() == 0
    page = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _marker(page) is None and "not yet counted" not in page
    assert _participations(client, HTTP_ACCEPT_LANGUAGE="en") == before + 1
    assert "not yet counted" not in _summary_text(client)


def test_a_stored_page_is_not_served_as_current_while_a_change_is_pending(
    session, auditor, client, queued, settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_STORED_PAGES = True
    assert _marker(client.get("/audit/").content.decode()) is None  # rendered and stored
    with django_capture_on_commit_callbacks(execute=True):
        services.participation_record(session=session, person=PersonFactory(), days_attended=3, pre_score=50)
    assert _marker(client.get("/audit/").content.decode()) == 1  # the stored page, marked
    tasks.sessions_facts_refresh.run(queued[0])
    assert _marker(client.get("/audit/").content.decode()) is None


def test_where_tasks_run_eagerly_no_page_says_changes_are_pending(
    session, auditor, client, settings, django_capture_on_commit_callbacks
):
    assert settings.CELERY_TASK_ALWAYS_EAGER
    before = _participations(client, HTTP_ACCEPT_LANGUAGE="en")
    with django_capture_on_commit_callbacks(execute=True):
        services.participation_record(session=session, person=PersonFactory(), days_attended=3, pre_score=50)
    assert not PendingSession.objects.exists()
    page = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _marker(page) is None and "not yet counted" not in page
    assert _participations(client, HTTP_ACCEPT_LANGUAGE="en") == before + 1


def test_a_refresh_keeps_the_notes_of_changes_saved_after_it_began(session):
    """A save noted while a refresh runs was perhaps not read by it: its note stays for the next one."""
    sessions_pending_note(session_ids=[session.pk])
    sessions_facts_refresh(session_ids=[session.pk])
    assert pending_changes() == 0
    sessions_pending_note(session_ids=[session.pk])
    PendingSession.objects.update(noted_at=PendingSession.objects.get().noted_at.replace(year=2999))
    sessions_facts_refresh(session_ids=[session.pk])
    assert pending_changes() == 1
    facts_rebuild()
    assert pending_changes() == 1  # a rebuild, too, drops only what it counted
    PendingSession.objects.all().delete()
    sessions_pending_note(session_ids=[], everything=True)
    assert pending_changes() == 1  # every session
    facts_rebuild()
    assert pending_changes() == 0


def test_with_workers_a_refresh_queues_one_render_of_the_national_page_at_a_time(
    session, auditor, client, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.AUDIT_STORED_PAGES = True
    cache.clear()  # no render claim left by an earlier test
    client.get("/audit/")  # rendered and stored for the reader
    settings.CELERY_TASK_ALWAYS_EAGER = False
    renders: list[dict] = []
    monkeypatch.setattr(tasks.dashboard_page_refresh, "delay", lambda **kwargs: renders.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):  # the render is queued once the refresh commits
        tasks.sessions_facts_refresh([session.pk])
        tasks.sessions_facts_refresh([session.pk])  # a second refresh while the render waits: no second render
    assert renders == [{**pages.NATIONAL_PAGE, "language": settings.LANGUAGE_CODE}]
    assert tasks.dashboard_page_refresh(**renders[0]) is True  # the worker renders it, and lets the next one queue
    page = client.get("/audit/")
    assert page.context["outdated"] is False and page.context["pending"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sessions_facts_refresh([session.pk])
    assert len(renders) == 2
    cache.clear()  # the claim of the render left queued: not for the next test to find


def test_where_tasks_run_in_the_request_a_refresh_leaves_the_page_to_its_next_reader(
    session, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.AUDIT_STORED_PAGES = True
    renders: list[dict] = []
    monkeypatch.setattr(tasks.dashboard_page_refresh, "delay", lambda **kwargs: renders.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sessions_facts_refresh([session.pk])
    assert renders == []
