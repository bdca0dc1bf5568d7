"""The step creating the units and stations a people file names: place by place, and a Persian
keyboard's spelling of a recorded place is that place."""

import pytest

from imports.columns import PEOPLE
from imports.models import ImportJob
from imports.services import records_import
from lms.models import Person, PoliceUnit
from lms.roles import ADMINISTRATOR
from lms.text import normalize_arabic
from tests.conftest import log_in_verified
from tests.factories import PoliceUnitFactory, governorate
from tests.imports.helpers import dataset
from tests.imports.test_places_views import page, upload
from tests.imports.test_views import user_with

pytestmark = pytest.mark.django_db


def test_persian_letters_and_digits_fold_to_arabic_ones():
    assert normalize_arabic("مديرية شرطة الزبیر") == normalize_arabic("مديرية شرطة الزبير")
    assert normalize_arabic("کرکوک") == normalize_arabic("كركوك")
    assert normalize_arabic("مركز ۱۲") == normalize_arabic("مركز ١٢") == "مركز 12"


def test_a_unit_typed_with_a_persian_yeh_is_the_recorded_unit():
    zubair = PoliceUnitFactory(governorate=governorate("BA"), name_en="Zubair", name_ar="مديرية شرطة الزبير")
    rows = [["700001", "علي حسن", "", "ذكر", "رائد شرطة", "مديرية شرطة الزبیر", "", "البصرة"]]
    outcome = records_import(kind="people", dataset=dataset([c.name for c in PEOPLE], rows), dry_run=False)
    assert outcome.stored and not outcome.missing_places, outcome.rows
    assert Person.objects.get(service_number="700001").unit == zubair


ROWS = [
    ["710001", "علي حسن", "", "ذكر", "رائد شرطة", "مديرية شرطة الشعلة", "", "بغداد"],
    ["710002", "زينب علي", "", "أنثى", "Lt. Col.", "مديرية شرطة الرصافى", "", "بغداد"],
    ["710003", "حيدر علي", "", "ذكر", "نقيب", "مديرية شرطة الشعلة", "", "بغداد"],
]


def test_the_administrator_chooses_place_by_place_and_rows_of_a_place_left_out_stay_errors(
    client, django_user_model, english
):
    PoliceUnitFactory(governorate=governorate("BG"), name_en="Rusafa Police Directorate", name_ar="مديرية شرطة الرصافة")
    log_in_verified(client, user_with(django_user_model, "admin", ADMINISTRATOR))
    upload(client, ROWS)
    job = ImportJob.objects.get()
    names = [place["name"] for place in job.missing_places]
    assert set(names) == {"مديرية شرطة الشعلة", "مديرية شرطة الرصافى"}
    text = page(client.get(f"/admin/imports/{job.pk}/"))
    assert text.count('name="place"') == 2 and text.count(" checked") >= 2  # all ticked at first
    near = next(p["near"] for p in job.missing_places if p["name"] == "مديرية شرطة الرصافى")
    assert near and near[0] in text  # the near match beside the misspelling

    shuala = names.index("مديرية شرطة الشعلة")
    client.post(f"/admin/imports/{job.pk}/places/accept/", {"accept": "1", "choosing": "1", "place": [str(shuala)]})
    job.refresh_from_db()
    assert not job.can_confirm and not job.create_places
    assert {p["name"]: p["create"] for p in job.missing_places} == {
        "مديرية شرطة الشعلة": True,
        "مديرية شرطة الرصافى": False,
    }
    report = job.dry_run_report
    assert "مديرية شرطة الرصافى" in report and report.count("error") >= 1
    error_lines = [line for line in report.splitlines() if "الرصافى" in line and "error" in line]
    assert len(error_lines) == 1 and error_lines[0].startswith("3,"), report
    text = page(client.get(f"/admin/imports/{job.pk}/"))
    assert text.count('name="place"') == 2 and f'value="{1 - shuala}" id="place-{1 - shuala}" aria' in text

    # Nothing ticked: refused, nothing changes.
    client.post(f"/admin/imports/{job.pk}/places/accept/", {"accept": "1", "choosing": "1"})
    job.refresh_from_db()
    assert len(job.missing_places) == 2

    client.post(f"/admin/imports/{job.pk}/places/accept/", {"accept": "1", "choosing": "1", "place": ["0", "1"]})
    job.refresh_from_db()
    assert job.can_confirm and job.create_places and not job.missing_places
    assert not PoliceUnit.objects.filter(name_ar="مديرية شرطة الشعلة").exists()  # a dry run stores nothing
