"""The dashboard as an overview with sections on their own pages, sorted bar charts, a quarterly
line with gaps where no session was held, the governorate filter split into "trained in" and
"serves in", an export log in words, and a one-page summary PDF."""

import io
import re
import time
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import translation
from pypdf import PdfReader

from audit.charts import Bar, bar_chart, line_chart
from audit.filters import describe
from audit.services import facts_rebuild
from cascade import services
from cascade.models import Outcome, SessionKind
from lms import roles
from lms.models import Gender, Governorate, StaffScope
from tests.audit.test_exports import auditor
from tests.factories import PersonFactory, TrainingCentreFactory, governorate

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_quarters(cascade):
    """Direct sessions in 2023 Q1 (three people serving in Basra, trained in the centre's
    governorate) and in 2024 Q1 (one person serving in the centre's governorate): three quarters
    between them without any session."""
    basra = Governorate.objects.get(code="BA")
    centre = TrainingCentreFactory(governorate=Governorate.objects.get(code="NI"))
    for start, people, serving in ((date(2023, 2, 5), 3, basra), (date(2024, 1, 14), 1, centre.governorate)):
        session = services.session_create(
            ref=f"Q-{start:%Y%m}",
            course=cascade.course,
            kind=SessionKind.DIRECT,
            training_centre=centre,
            start_date=start,
            end_date=start.replace(day=start.day + 3),
            lead_trainer=cascade.master,
        )
        for _n in range(people):
            person = PersonFactory(governorate=serving, unit=None, station=None, gender=Gender.MALE)
            services.participation_record(session=session, person=person, outcome=Outcome.COMPLETED)
    facts_rebuild()
    return centre, basra


def test_bars_are_sorted_largest_first():
    html = bar_chart([Bar("b", 2), Bar("a", 9), Bar("c", 5)], title="t")
    assert re.findall(r'class="label">(\w)<', html) == ["a", "c", "b"]


def test_the_quarterly_line_leaves_a_gap_where_no_session_was_held():
    points = {
        date(2024, 7, 1): Bar("2024 Q3", 10),
        date(2024, 10, 1): Bar("2024 Q4", 12),
        date(2026, 10, 1): Bar("2026 Q4", 4),
    }
    svg = line_chart(points, title="t")
    lines = re.findall(r'<polyline points="([^"]+)"', svg)
    # One line joins Q3 and Q4 of 2024; 2026 Q4 stands alone, seven empty quarters later.
    assert len(lines) == 1 and len(lines[0].split()) == 2
    assert svg.count('class="gap"') == 7
    assert svg.count("<circle") == 3
    # Positions follow time: the lone point is eight quarter-steps right of 2024 Q4.
    xs = [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', svg)]
    assert xs[2] - xs[1] == pytest.approx(8 * (xs[1] - xs[0]), abs=0.5)


def test_every_chart_link_has_an_accessible_name(two_quarters, verified_login, client):
    verified_login(auditor())
    body = client.get("/audit/").content.decode()
    charts = body.split('class="charts"')[1]
    for link in re.findall(r"<a [^>]*>.*?</a>", charts, flags=re.S):
        text = re.sub(r"<[^>]+>", "", link).strip()
        assert "aria-label=" in link or text, link


def test_the_overview_links_its_sections_and_each_section_has_its_tables(two_quarters, verified_login, client):
    verified_login(auditor())
    overview = client.get("/audit/").content.decode()
    assert 'aria-current="page"' in overview
    for slug, tables in {
        "plan": ["targets"],
        "coverage": ["governorates", "centres", "courses", "quarters"],
        "cascade": ["generations", "trainers"],
        "places": ["stations"],
    }.items():
        assert f"/audit/section/{slug}/" in overview
        page = client.get(f"/audit/section/{slug}/?kind=direct")
        assert page.status_code == 200
        html = page.content.decode()
        for table in tables:
            assert f'id="{table}"' in html, (slug, table)
        assert f'href="/audit/section/{slug}/?kind=direct" aria-current="page"' in html
    # The overview keeps only the programme's figures and the charts.
    assert 'id="summary"' in overview and 'id="stations"' not in overview
    assert client.get("/audit/section/nothing/").status_code == 404


def test_trained_in_and_serves_in_are_separate_filters(two_quarters, verified_login, client):
    centre, basra = two_quarters
    verified_login(auditor())

    def people(query: str) -> int:
        return client.get(f"/audit/section/coverage/?{query}").context["section_tables"][0].rows[0][1].value

    # Everyone was trained in the centre's governorate; three of them serve in Basra.
    assert people(f"governorate={centre.governorate_id}") == 4
    assert people(f"serves_in={basra.pk}") == 3
    assert people(f"serves_in={centre.governorate_id}") == 1
    assert client.get(f"/audit/section/coverage/?governorate={basra.pk}").context["section_tables"][0].rows == []


def test_bad_filters_are_named_by_their_labels_and_a_reversed_period_is_refused(two_quarters, verified_login, client):
    verified_login(auditor())
    with translation.override("en"):
        page = client.get(
            "/audit/?governorate=99999&period_after=2025-01-01&period_before=2020-01-01", HTTP_ACCEPT_LANGUAGE="en"
        )
    assert page.status_code == 400
    text = re.sub(r"<[^>]+>", "", page.content.decode())
    assert "Trained in (governorate):" in text and "governorate:" not in text
    assert "Period:" in text and "swap the two dates" in text
    assert client.get("/audit/?period_after=2020-01-01&period_before=2025-01-01").status_code == 200


def test_the_place_lists_follow_the_readers_alphabet(verified_login, client):
    verified_login(auditor())
    for language, name in (("ar", "name_ar"), ("en", "name_en")):
        with translation.override(language):
            form = client.get("/audit/", HTTP_ACCEPT_LANGUAGE=language).context["filter"].form
            listed = [choice.instance for choice, _label in list(form.fields["serves_in"].choices)[1:]]
        assert [getattr(g, name) for g in listed] == sorted(getattr(g, name) for g in listed), language


def test_the_export_log_prints_filters_in_words(two_quarters, verified_login, client):
    centre, basra = two_quarters
    verified_login(auditor())
    client.get(f"/audit/export/courses.csv?gender=F&serves_in={basra.pk}&period_after=2023-01-01")
    with translation.override("en"):
        page = client.get("/audit/exports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        text = re.sub(r"<[^>]+>", "", page)
        assert "Gender: Female" in text
        assert f"Serves in (governorate): {basra.name_en}" in text
        assert "Period: 1 January 2023 – …" in text
        assert "{'gender'" not in page and "&#x27;gender&#x27;" not in page
        assert "Coverage by course" in text  # what was exported, by its title
    with translation.override("en"):
        assert describe({"generation": "2", "quarter": "2024-07-01"}) == [
            ("Generation", "Generation 2"),
            ("Quarter", "2024 Q3"),
        ]


def test_the_one_page_summary_is_one_page_and_quick(two_quarters, verified_login, client):
    verified_login(auditor())
    for language in ("ar", "en"):
        started = time.monotonic()
        response = client.get("/audit/summary.pdf", HTTP_ACCEPT_LANGUAGE=language)
        elapsed = time.monotonic() - started
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(response.content))
        assert len(reader.pages) == 1, language
        assert elapsed < 20, elapsed
        text = reader.pages[0].extract_text()
        with translation.override(language):
            assert str(translation.gettext("Programme summary")) in text


def test_the_full_report_is_made_in_the_background_and_only_its_owner_reads_it(
    two_quarters, verified_login, client, django_user_model, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "certificates": {**settings.STORAGES["certificates"], "OPTIONS": {"location": str(tmp_path)}},
    }
    user = auditor()
    verified_login(user)
    confirm = client.get("/audit/report/?kind=direct")
    assert confirm.status_code == 200 and "data-report-start" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        started = client.post("/audit/report/?kind=direct")
    assert len(callbacks) == 1  # queued once the request's writes are committed
    assert started.status_code == 302
    job_url = started["Location"]
    page = client.get(job_url).content.decode()
    assert 'data-stage="done"' in page and "data-report-file" in page
    assert '<meta http-equiv="refresh"' not in page  # finished: it stops reloading
    response = client.get(job_url + "report.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert len(PdfReader(io.BytesIO(response.content)).pages) >= 2
    from audit.models import ExportLog

    assert ExportLog.objects.filter(what="report", user=user, filters={"kind": "direct"}).count() == 1
    # Another auditor cannot read the job or its file.
    other = django_user_model.objects.create_user("audit.other", password="x")  # noqa: S106
    other.groups.add(Group.objects.get(name=roles.DIRECTORATE_AUDITOR))
    verified_login(other)
    assert client.get(job_url).status_code == 404
    assert client.get(job_url + "report.pdf").status_code == 404
    assert client.post("/audit/report/?kind=nonsense").status_code == 400


def test_names_in_a_drill_down_link_to_a_lineage_the_user_may_open(two_quarters, verified_login, client):
    centre, basra = two_quarters
    verified_login(auditor())
    listing = client.get("/audit/records/?measure=participations&kind=direct")
    rows = listing.context["rows"]
    assert len(rows) == 4
    for row in rows:
        (_number, _link), (name, href), *_rest = row
        assert href.startswith("/cascade/lineage/") and client.get(href).status_code == 200
    # A start date is a date in the site's format on the page, ISO in the CSV.
    assert "2023-02-05" not in listing.content.decode()
    with translation.override("ar"):
        assert "5 شباط 2023" in listing.content.decode()
    assert "2023-02-05" in client.get("/audit/records.csv?measure=participations&kind=direct").content.decode()


def test_map_tiles_text_is_readable_on_every_shade():
    from audit.charts import _contrast, _readable_ink, _shade

    shades = [_shade(n / 100) for n in range(101)]
    assert min(_contrast(_readable_ink(fill), fill) for fill in shades) >= 4.5
    assert shades[0] != shades[100]


def test_a_release_that_changes_the_page_layout_stores_new_pages(monkeypatch):
    from audit import pages
    from audit.selectors import AuditScope

    scope = AuditScope(everything=True)
    before = pages.page_key(scope, {"kind": "direct"}, "ar")
    assert pages.page_key(scope, {"kind": "direct"}, "ar") == before
    monkeypatch.setattr(pages, "layout_digest", lambda: "another layout")
    assert pages.page_key(scope, {"kind": "direct"}, "ar") != before


def test_a_scoped_readers_dashboard_says_whose_records_its_figures_cover(db, client, verified_login):
    officer = get_user_model().objects.create_user("officer.basra", password="x")  # noqa: S106
    officer.groups.add(Group.objects.get(name=roles.GOVERNORATE_OFFICER))
    StaffScope.objects.create(user=officer, governorate=governorate("BA"))
    verified_login(officer)
    page = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "These figures cover only the records you are responsible for: Basra." in page
    arabic = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "تقتصر هذه الأرقام على السجلات التي تقع ضمن مسؤوليتك: البصرة." in arabic
