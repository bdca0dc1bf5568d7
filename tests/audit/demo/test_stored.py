"""Stored dashboards on the demo data: the single-filter dashboards computed together equal each
dashboard computed on its own; a stored page is served as it was rendered, retired by a rebuild,
and never served to a user of another scope."""

import json
from datetime import timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone

from audit import pages
from audit.filters import FactFilter
from audit.models import DashboardPage, DashboardSnapshot, FactsState
from audit.selectors import _json_default, dashboard_figures, snapshot_key
from audit.services import facts_rebuild, facts_version_bump
from audit.warm import single_filter_slices, snapshots_warm
from lms.models import Governorate, TrainingCentre

pytestmark = pytest.mark.django_db


def as_stored(figures: dict) -> dict:
    return json.loads(json.dumps(figures, default=_json_default))


@pytest.fixture
def stored_pages(settings):
    settings.AUDIT_STORED_PAGES = True


def test_every_single_filter_dashboard_computed_together_equals_its_own_computation(demo, everything):
    assert snapshots_warm() == len(single_filter_slices())
    version = FactsState.objects.get().version
    kinds = set()
    national = DashboardSnapshot.objects.get(key=snapshot_key(everything, {}), version=version).payload
    for piece in single_filter_slices():
        filterset = FactFilter(piece.query or None, scope=everything)
        assert not filterset.is_bound or filterset.is_valid(), filterset.errors
        cleaned = filterset.cleaned if filterset.is_bound else {}
        stored = DashboardSnapshot.objects.get(key=snapshot_key(everything, cleaned), version=version)
        alone = as_stored(dashboard_figures(everything, filterset.qs, cleaned))
        assert stored.payload == alone, piece.query
        kinds.add(piece.column)
        if piece.column and stored.payload["totals"]["participations"]:
            assert stored.payload["totals"] != national["totals"], piece.query  # the filter did select
    assert kinds == {None, "governorate_id", "training_centre_id", "course_id", "kind", "generation", "gender"} | {
        "year",
        "quarter",
    }


def test_a_warmed_dashboard_is_served_without_computing_and_shows_when_it_was_computed(
    demo, demo_user, verified_login, client, stored_pages, monkeypatch
):
    snapshots_warm()
    verified_login(demo_user("auditor"))
    basra = Governorate.objects.get(code="BA")
    rendered = []
    monkeypatch.setattr("audit.pages.page_render", lambda **kwargs: rendered.append(kwargs))
    for query in (
        "",
        f"governorate={basra.pk}",
        "gender=F&course=",
        "period_after=2022-04-01&period_before=2022-06-30",
    ):
        response = client.get(f"/audit/?{query}")
        assert response.status_code == 200, query
        assert 'class="freshness"' in response.content.decode()
    assert rendered == []
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()  # the layout is still per request


def test_a_stored_page_is_retired_when_the_facts_change(demo, demo_user, verified_login, client, stored_pages):
    verified_login(demo_user("auditor"))
    assert client.get("/audit/").status_code == 200
    page = DashboardPage.objects.get()
    assert page.version == FactsState.objects.get().version
    DashboardPage.objects.filter(pk=page.pk).update(html=page.html + "<!-- stored -->")
    assert "<!-- stored -->" in client.get("/audit/").content.decode()

    facts_rebuild()
    fresh = client.get("/audit/").content.decode()
    assert "<!-- stored -->" not in fresh
    assert DashboardPage.objects.get().version == FactsState.objects.get().version

    DashboardPage.objects.update(html="<!-- stale -->")
    facts_version_bump()  # e.g. a plan target changed
    assert "<!-- stale -->" not in client.get("/audit/").content.decode()


def test_a_centre_manager_never_gets_the_national_stored_page(
    demo, demo_user, verified_login, client, english_client, stored_pages
):
    snapshots_warm(languages=["ar", "en"])
    national = set(DashboardPage.objects.values_list("html", flat=True))
    verified_login(demo_user("manager.baghdad"))
    academy = TrainingCentre.objects.get(code="TC-BG-01")
    page = client.get("/audit/").content.decode()
    assert not any(html in page for html in national)
    assert "Baghdad Police Academy" in page
    others = TrainingCentre.objects.exclude(pk=academy.pk).values_list("name_en", flat=True)
    assert not [name for name in others if name in page]
    # The same query again comes from the manager's own stored page, still only their centre.
    assert client.get("/audit/").content.decode().count("Baghdad Police Academy") == page.count(
        "Baghdad Police Academy"
    )
    assert client.get(f"/audit/?training_centre={academy.pk + 1000}").status_code == 400


def test_a_governorate_officer_cannot_reach_a_stored_page_of_another_governorate(
    demo, everything, demo_user, verified_login, client, stored_pages
):
    snapshots_warm()
    verified_login(demo_user("officer.ninewa"))
    baghdad = Governorate.objects.get(code="BG")
    assert client.get(f"/audit/?governorate={baghdad.pk}").status_code == 400
    ninewa = Governorate.objects.get(code="NI")
    assert client.get(f"/audit/?governorate={ninewa.pk}").status_code == 200
    stored_for_query = pages.page_key(everything, QueryDict(f"governorate={ninewa.pk}"), "ar")
    assert DashboardPage.objects.filter(key=stored_for_query).exists()
    assert DashboardPage.objects.filter(key=stored_for_query).count() == 1
    assert DashboardPage.objects.count() == len(single_filter_slices()) + 1  # the officer's page is their own


@pytest.fixture
def with_workers(settings):
    """Tasks go to workers (as in production): the test records what is queued instead. The demo's
    pages render in milliseconds; here every page counts as one too slow to render in the request."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.AUDIT_STALE_PAGE_SECONDS = 900
    settings.AUDIT_INLINE_RENDER_MS = 0


def test_with_workers_a_retired_page_is_served_marked_while_one_refresh_is_queued(
    demo, demo_user, verified_login, client, stored_pages, with_workers, monkeypatch
):
    from audit import tasks

    verified_login(demo_user("officer.ninewa"))
    ninewa = Governorate.objects.get(code="NI")
    query = f"governorate={ninewa.pk}"
    first = client.get(f"/audit/?{query}")
    assert first.status_code == 200 and 'class="notice outdated"' not in first.content.decode()
    DashboardPage.objects.update(html="<!-- rendered before the save -->")
    facts_version_bump()  # a session saved somewhere

    queued = []
    monkeypatch.setattr(tasks.dashboard_page_refresh, "delay_on_commit", lambda **kwargs: queued.append(kwargs))
    for _request in range(3):
        page = client.get(f"/audit/?{query}").content.decode()
        assert "<!-- rendered before the save -->" in page
        assert 'class="notice outdated"' in page
    assert len(queued) == 1  # one refresh for the page, however many open it meanwhile
    assert queued[0]["query"] == {"governorate": [str(ninewa.pk)]}
    assert queued[0]["scope"] == {"everything": False, "governorate_ids": [ninewa.pk], "centre_ids": []}

    # What the worker runs; afterwards the page is current again and no longer marked.
    assert tasks.dashboard_page_refresh.run(**queued[0]) is True
    page = client.get(f"/audit/?{query}").content.decode()
    assert "<!-- rendered before the save -->" not in page and 'class="notice outdated"' not in page
    assert 'class="freshness"' in page
    assert DashboardPage.objects.get().version == FactsState.objects.get().version


def test_with_workers_a_retired_page_quick_to_compute_is_computed_in_the_request(
    demo, demo_user, verified_login, client, stored_pages, with_workers, settings, monkeypatch
):
    from audit import tasks

    settings.AUDIT_INLINE_RENDER_MS = 1000
    verified_login(demo_user("auditor"))
    assert client.get("/audit/").status_code == 200
    DashboardPage.objects.update(html="<!-- rendered before the save -->", render_ms=999)
    facts_version_bump()
    monkeypatch.setattr(tasks.dashboard_page_refresh, "delay_on_commit", pytest.fail)
    page = client.get("/audit/").content.decode()
    assert "<!-- rendered before the save -->" not in page and 'class="notice outdated"' not in page
    assert DashboardPage.objects.get().version == FactsState.objects.get().version
    # One that took longer is served retired while a worker renders it again.
    queued = []
    monkeypatch.setattr(tasks.dashboard_page_refresh, "delay_on_commit", lambda **kwargs: queued.append(kwargs))
    DashboardPage.objects.update(html="<!-- slow to render -->", render_ms=1000)
    facts_version_bump()
    page = client.get("/audit/").content.decode()
    assert "<!-- slow to render -->" in page and 'class="notice outdated"' in page and len(queued) == 1


def test_a_retired_page_older_than_the_limit_is_rendered_in_the_request(
    demo, demo_user, verified_login, client, stored_pages, with_workers, monkeypatch
):
    from audit import tasks

    verified_login(demo_user("auditor"))
    assert client.get("/audit/").status_code == 200
    DashboardPage.objects.update(html="<!-- long ago -->", rendered_at=timezone.now() - timedelta(seconds=901))
    facts_version_bump()
    monkeypatch.setattr(tasks.dashboard_page_refresh, "delay_on_commit", pytest.fail)
    page = client.get("/audit/").content.decode()
    assert "<!-- long ago -->" not in page and 'class="notice outdated"' not in page


def test_a_refresh_never_crosses_scopes_and_drops_a_query_no_longer_valid(demo, stored_pages, everything):
    from audit.pages import page_key, page_refresh, scope_as_data, scope_from_data

    ninewa = Governorate.objects.get(code="NI")
    officer_scope = scope_from_data({"everything": False, "governorate_ids": [ninewa.pk], "centre_ids": []})
    assert scope_as_data(officer_scope)["governorate_ids"] == [ninewa.pk]
    baghdad = Governorate.objects.get(code="BG")
    assert page_refresh(scope=officer_scope, query={"governorate": [str(baghdad.pk)]}, language="ar") is False
    assert not DashboardPage.objects.exists()
    assert page_refresh(scope=officer_scope, query={}, language="en") is True
    stored = DashboardPage.objects.get()
    assert stored.key == page_key(officer_scope, {}, "en") != page_key(everything, {}, "en")
    assert "Ninewa" in stored.html
    assert page_refresh(scope=everything, query={}, language="en") is True
    national = DashboardPage.objects.get(key=page_key(everything, {}, "en"))
    assert national.html != stored.html  # each scope's page from its own facts
