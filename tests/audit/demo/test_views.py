"""Who sees what: auditors everything, a governorate officer only their governorate (pages, drill-
downs and exports), a centre manager only their centre, everyone else nothing."""

import csv
import io

import pytest
from openpyxl import load_workbook

from audit.models import ParticipationFact
from cascade.models import TrainingSession
from lms.models import Governorate, TrainingCentre

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_anonymous_visitors_are_sent_to_sign_in(demo, client):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("username", ["trainer.a", "trainee", "reviewer"])
def test_people_outside_the_audit_roles_are_refused(demo, demo_user, verified_login, client, username):
    verified_login(demo_user(username))
    for url in ("/audit/", "/audit/records/?measure=people", "/audit/export/governorates.csv", "/audit/report.pdf"):
        assert client.get(url).status_code == 403, url


def test_a_governorate_officer_sees_only_their_governorate_in_pages_and_exports(
    demo, demo_user, verified_login, client, english_client
):
    verified_login(demo_user("officer.ninewa"))
    ninewa = Governorate.objects.get(code="NI")
    page = client.get("/audit/")
    assert page.status_code == 200
    tables = page.context["tables"]
    assert [row[0].text for row in tables["governorates"].rows] == ["Ninewa"]
    assert {row[1].text for row in tables["centres"].rows} == {"Ninewa"}
    lines = client.get("/audit/table/target_lines/").context["table"]
    assert {row[1].text for row in lines.rows} == {"Ninewa"}
    ninewa_people = ParticipationFact.objects.filter(governorate=ninewa).values("person_id").distinct().count()
    assert tables["totals"].rows[0][1].value == ninewa_people

    # Drill-down lists and their exports hold Ninewa's sessions only.
    listing = client.get("/audit/records/?measure=participations")
    refs = {row[3][0] for row in listing.context["rows"]}  # (value, link) cells
    assert refs and set(TrainingSession.objects.filter(ref__in=refs).values_list("governorate__code", flat=True)) == {
        "NI"
    }
    rows = csv_rows(client.get("/audit/records.csv?measure=participations"))
    assert len(rows) - 1 == ParticipationFact.objects.filter(governorate=ninewa).count()
    assert {row[6] for row in rows[1:]} == {"Ninewa"}
    sheet = load_workbook(io.BytesIO(client.get("/audit/export/governorates.xlsx").content)).active
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == ["Ninewa"]
    for slug in ("centres", "target_lines", "never_reached"):
        rows = csv_rows(client.get(f"/audit/export/{slug}.csv"))
        column = 1 if slug != "never_reached" else 2
        assert {row[column] for row in rows[1:]} <= {"Ninewa"}, slug
    assert "Ninewa" in {r[1] for r in csv_rows(client.get("/audit/export/target_lines.csv"))[1:]}


def test_a_governorate_officer_cannot_name_another_governorate_or_its_places(demo, demo_user, verified_login, client):
    verified_login(demo_user("officer.ninewa"))
    baghdad = Governorate.objects.get(code="BG")
    academy = TrainingCentre.objects.get(code="TC-BG-01")
    assert client.get(f"/audit/?governorate={baghdad.pk}").status_code == 400
    assert client.get(f"/audit/?training_centre={academy.pk}").status_code == 400
    assert client.get(f"/audit/records/?measure=people&governorate={baghdad.pk}").status_code == 400
    assert client.get(f"/audit/export/centres.csv?training_centre={academy.pk}").status_code == 400
    assert client.get(f"/audit/report.pdf?governorate={baghdad.pk}").status_code == 400


def test_a_centre_manager_sees_only_their_centre(demo, demo_user, verified_login, client, english_client):
    verified_login(demo_user("manager.baghdad"))
    page = client.get("/audit/")
    assert page.status_code == 200
    assert [row[0].text for row in page.context["tables"]["centres"].rows] == ["Baghdad Police Academy"]
    lines = client.get("/audit/table/target_lines/").context["table"]
    assert {row[2].text for row in lines.rows} == {"Baghdad Police Academy"}
    rows = csv_rows(client.get("/audit/records.csv?measure=participations"))
    assert {row[7] for row in rows[1:]} == {"Baghdad Police Academy"}


def test_an_auditor_filters_by_governorate_and_course(demo, demo_user, verified_login, client, english_client):
    verified_login(demo_user("auditor"))
    basra = Governorate.objects.get(code="BA")
    facts = ParticipationFact.objects.filter(governorate=basra, course__code="MPS-02")
    course_id = facts.values_list("course_id", flat=True).first()
    page = client.get(f"/audit/?governorate={basra.pk}&course={course_id}")
    assert page.status_code == 200
    assert page.context["tables"]["totals"].rows[2][1].value == facts.count()
    assert page.context["tables"]["totals"].rows[0][1].value == facts.values("person_id").distinct().count()
    assert "<svg" in page.content.decode() and "tilemap" in page.content.decode()


def test_a_bad_filter_value_is_answered_with_400_naming_the_field(
    demo, demo_user, verified_login, client, english_client
):
    verified_login(demo_user("auditor"))
    response = client.get("/audit/?period_after=not-a-date&kind=sideways")
    assert response.status_code == 400
    body = response.content.decode()
    assert "kind" in body and "period" in body


def test_the_never_reached_count_links_to_a_list_of_that_many_places(demo, demo_user, verified_login, client):
    verified_login(demo_user("officer.ninewa"))
    page = client.get("/audit/?period_after=2021-01-01&period_before=2021-06-30")
    never = page.context["never_reached"]
    assert never > 0
    listing = client.get(f"/audit/table/never_reached/?{page.context['query']}")
    assert listing.status_code == 200
    assert f'data-count="{never}"' in listing.content.decode()
    assert len(listing.context["table"].rows) == never
