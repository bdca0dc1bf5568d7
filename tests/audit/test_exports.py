"""Exports: formula payloads in names come out as text in every export path, every export is
logged, small groups of women are hidden in exports, and the programme report is a PDF."""

import csv
import io
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from openpyxl import load_workbook
from pypdf import PdfReader

from audit.exports import FORMULA_TRIGGERS, safe_cell
from audit.models import ExportLog
from audit.services import facts_rebuild
from cascade import services
from cascade.models import Outcome, SessionKind
from lms import roles
from lms.models import Gender
from tests.factories import PersonFactory, PoliceUnitFactory, StationFactory, TrainingCentreFactory

pytestmark = pytest.mark.django_db

PAYLOADS = ['=HYPERLINK("http://x")', "+1+cmd", "-2+cmd", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def auditor():
    user = get_user_model().objects.create_user("audit.tester", password="x")  # noqa: S106
    user.groups.add(Group.objects.get(name=roles.DIRECTORATE_AUDITOR))
    return user


@pytest.fixture
def hostile_names(cascade):
    """A direct session at a centre, a station and with participants named after each payload."""
    centre_names = {}
    for n, payload in enumerate(PAYLOADS):
        centre = TrainingCentreFactory(name_ar=payload, name_en=payload)
        station = StationFactory(name_ar=payload, name_en=payload, unit=PoliceUnitFactory())
        session = services.session_create(
            ref=f"X-{n}",
            course=cascade.course,
            kind=SessionKind.DIRECT,
            training_centre=centre,
            start_date=date(2023, 3, 5),
            end_date=date(2023, 3, 9),
            lead_trainer=cascade.master,
        )
        person = PersonFactory(name_ar=payload, name_latin=payload, station=station, governorate=station.governorate)
        services.participation_record(session=session, person=person, outcome=Outcome.COMPLETED)
        centre_names[payload] = centre
    facts_rebuild()
    return centre_names


def read(response, fmt: str) -> list[list]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_safe_cell_quotes_each_formula_trigger_and_leaves_other_values():
    for payload in PAYLOADS:
        assert safe_cell(payload) == "'" + payload
    assert {p[0] for p in PAYLOADS} == set(FORMULA_TRIGGERS)
    assert safe_cell("بغداد") == "بغداد"
    assert safe_cell(-3) == -3
    assert safe_cell(None) is None


@pytest.mark.parametrize(
    "url",
    [
        "/audit/export/centres.{fmt}",
        "/audit/export/stations.{fmt}",
        "/audit/records.{fmt}?measure=people",
        "/audit/records.{fmt}?measure=participations",
        "/audit/records.{fmt}?measure=achieved",
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_export_path_writes_formula_payloads_in_names_as_text(hostile_names, verified_login, client, url, fmt):
    verified_login(auditor())
    response = client.get(url.format(fmt=fmt))
    assert response.status_code == 200
    cells = [cell for row in read(response, fmt) for cell in row if isinstance(cell, str)]
    if "achieved" in url:
        return  # no plan lines here: the list is empty, but the path must still answer
    for payload in PAYLOADS:
        assert "'" + payload in cells, payload
        assert payload not in cells
    assert not [cell for cell in cells if cell.startswith(FORMULA_TRIGGERS)]


def test_each_export_is_logged_with_who_when_and_the_filters(hostile_names, verified_login, client):
    user = auditor()
    verified_login(user)
    client.get("/audit/export/courses.xlsx?kind=direct")
    client.get("/audit/records.csv?measure=people&gender=M")
    client.get("/audit/report.pdf?kind=direct")
    entries = list(ExportLog.objects.order_by("exported_at", "id"))
    assert [(e.what, e.format) for e in entries] == [("courses", "xlsx"), ("records:people", "csv"), ("report", "pdf")]
    assert all(e.user == user and e.username == "audit.tester" for e in entries)
    assert entries[0].filters == {"kind": "direct"}
    assert entries[1].filters == {"gender": "M"}
    assert entries[1].rows == len(PAYLOADS)
    page = client.get("/audit/exports/", HTTP_ACCEPT_LANGUAGE="en")
    # The log names what was exported and its filters in words, not as codes and ids.
    text = page.content.decode()
    assert page.status_code == 200 and "records:people" not in text
    assert "People trained" in text and "Gender: <bdi>Male</bdi>" in text


def test_the_export_log_is_for_the_directorate_only(hostile_names, verified_login, client):
    officer = get_user_model().objects.create_user("officer.x", password="x")  # noqa: S106
    officer.groups.add(Group.objects.get(name=roles.GOVERNORATE_OFFICER))
    from lms.models import StaffScope

    StaffScope.objects.create(user=officer, governorate=next(iter(hostile_names.values())).governorate)
    verified_login(officer)
    assert client.get("/audit/exports/").status_code == 403
    assert client.get("/audit/").status_code == 200


def test_a_station_with_fewer_than_five_women_shows_less_than_five_in_exports_not_on_the_page(
    cascade, verified_login, client, settings
):
    station = StationFactory(name_en="Small Station", name_ar="مركز صغير")
    session = cascade.session(kind=SessionKind.DIRECT, lead=cascade.master)
    for _n in range(3):
        woman = PersonFactory(gender=Gender.FEMALE, station=station, governorate=station.governorate)
        services.participation_record(session=session, person=woman, outcome=Outcome.COMPLETED)
        services.participation_record(
            session=session, person=PersonFactory(station=station, governorate=station.governorate)
        )
    facts_rebuild()
    verified_login(auditor())
    rows = read(client.get("/audit/export/stations.csv"), "csv")
    assert rows[1][3:] == ["6", "<5"]
    page = client.get("/audit/")
    assert [c.text for c in page.context["tables"]["stations"].rows[0]][3:] == ["6", "3"]
    settings.AUDIT_SMALL_GROUPS_ON_PAGES = True
    page = client.get("/audit/")
    women = page.context["tables"]["stations"].rows[0][4]
    assert (women.text, women.href) == ("<5", "")
    settings.AUDIT_SMALL_GROUPS_IN_EXPORTS = False
    assert read(client.get("/audit/export/stations.xlsx"), "xlsx")[1][3:] == [6, 3]


def test_the_programme_report_is_a_pdf_with_the_summary_in_english_and_arabic(hostile_names, verified_login, client):
    from django.utils import translation

    verified_login(auditor())
    for language in ("en", "ar"):
        response = client.get("/audit/report.pdf", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
        with translation.override(language):
            assert str(translation.gettext("Programme summary")) in text, language
        if language == "en":
            assert "Trainers qualified through ToT sessions led by master trainers" in text
