"""Rosters as governorates really send them: ranks and other choices as people write them,
Arabic-Indic digits, cp1256 CSV, reference data from files, units nobody recorded yet."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from audit.filters import FactFilter
from audit.selectors import AuditScope
from imports import files, synonyms
from imports.columns import CENTRES, PEOPLE, STATIONS, UNITS
from imports.models import ImportJob, JobStatus, ValueSynonym
from imports.places import import_job_places_accept, import_job_recheck
from imports.services import import_job_check, import_job_confirm, records_import
from lms.models import Person, PoliceUnit, Station, TrainingCentre
from lms.roles import ADMINISTRATOR, CENTRE_MANAGER
from tests.factories import PoliceUnitFactory, StationFactory, TrainingCentreFactory, governorate
from tests.imports.helpers import dataset, write
from tests.imports.test_views import user_with

pytestmark = pytest.mark.django_db

HEADERS = [c.name for c in PEOPLE]
ARABIC = [c.arabic for c in PEOPLE]


@pytest.fixture(autouse=True)
def fresh_spellings():
    """Tables of spellings rebuilt for each test (an administrator's spelling is rolled back with it)."""
    synonyms.synonyms_changed()
    yield
    synonyms.synonyms_changed()


def person(number, rank="", gender="M", governorate_name="Baghdad", unit="", station="", name=None):
    return [number, name or f"أحمد علي {number}", "", gender, rank, unit, station, governorate_name]


RANKS = [
    ("رائد شرطة", "major"),
    ("Police Major", "major"),
    ("Maj.", "major"),
    ("MAJ", "major"),
    ("الرائد", "major"),
    ("رائـــد", "major"),
    ("رَائِد", "major"),
    ("  رائد   شرطة ", "major"),
    ("ر.", "major"),
    ("عقيد شرطة", "colonel"),
    ("Police Colonel", "colonel"),
    ("Col.", "colonel"),
    ("ع.", "colonel"),
    ("العقيد", "colonel"),
    ("Brig. Gen.", "brigadier"),
    ("عميد شرطة", "brigadier"),
    ("Brigadier General", "brigadier"),
    ("Lt. Col.", "lieutenant_colonel"),
    ("مقدم شرطة", "lieutenant_colonel"),
    ("LTC", "lieutenant_colonel"),
    ("م.", "lieutenant"),
    ("ملازم شرطة", "lieutenant"),
    ("2nd Lt.", "lieutenant"),
    ("ملازم أول شرطة", "first_lieutenant"),
    ("ملازم اول", "first_lieutenant"),
    ("1st Lt.", "first_lieutenant"),
    ("نقيب شرطة", "captain"),
    ("Capt.", "captain"),
    ("Police Captain", "captain"),
    ("لواء شرطة", "major_general"),
    ("Maj. Gen.", "major_general"),
    ("ن.ع.", "corporal"),
    ("عريف شرطة", "corporal"),
    ("Cpl.", "corporal"),
    ("رقيب", "sergeant"),
    ("Sgt.", "sergeant"),
    ("رئيس عرفاء", "chief_sergeant"),
    ("مفوض شرطة", "commissioner"),
    ("Police Commissioner", "commissioner"),
    ("شرطي", "policeman"),
    ("Policeman", "policeman"),
    ("السيد رائد", "major"),
    ("major", "major"),
    ("Lieutenant Colonel", "lieutenant_colonel"),
]


def test_at_least_thirty_spellings_of_ranks_are_read_as_their_rank():
    assert len(RANKS) >= 30
    rows = [person(f"7{i:05d}", rank=written) for i, (written, _value) in enumerate(RANKS)]
    outcome = records_import(kind="people", dataset=dataset(HEADERS, rows), dry_run=False)
    assert not outcome.error_rows(), outcome.error_rows()
    stored = dict(Person.objects.values_list("service_number", "rank"))
    for i, (written, value) in enumerate(RANKS):
        assert stored[f"7{i:05d}"] == value, written


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("ذكر", "M"),
        ("M", "M"),
        ("male", "M"),
        ("Mr.", "M"),
        ("السيد", "M"),
        ("أنثى", "F"),
        ("انثى", "F"),
        ("F", "F"),
        ("Female", "F"),
        ("السيدة", "F"),
        ("أ", "F"),
    ],
)
def test_genders_as_written(written, value):
    assert synonyms.choice_value("gender", written) == value


@pytest.mark.parametrize(
    ("choice", "written", "value"),
    [
        ("kind", "ToT", "tot"),
        ("kind", "تدريب المدربين", "tot"),
        ("kind", "Cascade", "cascade"),
        ("kind", "مباشر", "direct"),
        ("outcome", "ناجح", "completed"),
        ("outcome", "منسحب", "withdrawn"),
        ("outcome", "لم يكمل", "incomplete"),
        ("outcome", "Completed", "completed"),
    ],
)
def test_session_kinds_and_outcomes_as_written(choice, written, value):
    assert synonyms.choice_value(choice, written) == value


def test_an_unknown_rank_names_row_column_and_the_accepted_ranks_in_arabic():
    rows = [person("800001", rank="رائد"), person("800002", rank="جنرال"), person("800003", rank="Maj.")]
    with translation.override("ar"):
        outcome = records_import(kind="people", dataset=dataset(ARABIC, rows), dry_run=False)
    [bad] = outcome.error_rows()
    assert (bad.line, bad.column) == (3, "الرتبة")
    assert "جنرال" in bad.reason
    assert "رائد" in bad.reason and "عقيد" in bad.reason
    assert "major" not in bad.reason and "policeman" not in bad.reason
    assert not Person.objects.exists()  # all rows or none


def test_an_unknown_rank_in_english_names_the_english_labels(english):
    outcome = records_import(kind="people", dataset=dataset(HEADERS, [person("800004", rank="General")]), dry_run=True)
    [bad] = outcome.error_rows()
    assert bad.column == "rank"
    assert "Lieutenant Colonel" in bad.reason and "lieutenant_colonel" not in bad.reason


def test_an_administrator_adds_a_spelling_without_code():
    assert synonyms.choice_value("rank", "ضابط صف أول") is None
    spelling = ValueSynonym(choice="rank", written="ضابط صف أول", value="chief_sergeant")
    spelling.full_clean()
    spelling.save()
    outcome = records_import(
        kind="people", dataset=dataset(HEADERS, [person("800005", rank="ضابط صف اول")]), dry_run=False
    )
    assert outcome.stored, outcome.rows
    assert Person.objects.get(service_number="800005").rank == "chief_sergeant"
    spelling.delete()
    assert synonyms.choice_value("rank", "ضابط صف أول") is None


def test_a_spelling_must_mean_a_value_of_its_choice():
    spelling = ValueSynonym(choice="gender", written="xx", value="major")
    with pytest.raises(ValidationError) as raised:
        spelling.full_clean()
    assert "value" in raised.value.message_dict


def test_arabic_indic_digits_in_service_numbers_are_digits():
    outcome = records_import(kind="people", dataset=dataset(HEADERS, [person("٧٧٧١٢٣", rank="نقيب")]), dry_run=False)
    assert outcome.stored, outcome.rows
    assert Person.objects.filter(service_number="777123", rank="captain").exists()


def test_a_cp1256_csv_is_read(tmp_path):
    lines = [",".join(ARABIC), "900001,فاطمة حسن,,أنثى,ملازم أول شرطة,,,بغداد", "900002,علي كاظم,,ذكر,رائد,,,البصرة"]
    path = write(tmp_path / "roster.csv", ("\r\n".join(lines) + "\r\n").encode("cp1256"))
    data = files.read_dataset(path, fmt=files.CSV, name="roster.csv")
    outcome = records_import(kind="people", dataset=data, dry_run=False)
    assert outcome.stored, outcome.rows
    fatima = Person.objects.get(service_number="900001")
    assert (fatima.name_ar, fatima.gender, fatima.rank) == ("فاطمة حسن", "F", "first_lieutenant")


# --- reference data -------------------------------------------------------------------------


def units_rows():
    return [
        ["Baghdad", "Rusafa Police Directorate", "مديرية شرطة الرصافة"],
        ["BG", "Karkh Police Directorate", "مديرية شرطة الكرخ"],
        ["البصرة", "Basra Police Directorate", "مديرية شرطة البصرة"],
    ]


def stations_rows():
    return [
        ["Baghdad", "مديرية شرطة الرصافة", "Al-Saadoun Station", "مركز شرطة السعدون", "نعم"],
        ["Baghdad", "Karkh Police Directorate", "Al-Mansour Station", "مركز شرطة المنصور", ""],
        ["Basra", "Basra Police Directorate", "Al-Ashar Station", "مركز شرطة العشار", "no"],
    ]


def test_units_stations_and_centres_load_from_files_and_reloading_changes_nothing():
    units = records_import(kind="units", dataset=dataset([c.name for c in UNITS], units_rows()), dry_run=False)
    assert units.counts == {"new": 3, "updated": 0, "unchanged": 0, "error": 0}, units.rows
    stations = records_import(
        kind="stations", dataset=dataset([c.arabic for c in STATIONS], stations_rows()), dry_run=False
    )
    assert stations.counts["new"] == 3, stations.rows
    saadoun = Station.objects.get(name_en="Al-Saadoun Station")
    assert saadoun.is_model_police_station and saadoun.unit.name_en == "Rusafa Police Directorate"
    assert not Station.objects.get(name_en="Al-Ashar Station").is_model_police_station
    centres = records_import(
        kind="centres",
        dataset=dataset([c.name for c in CENTRES], [["BG-TC9", "Baghdad Police College", "كلية الشرطة", "BG"]]),
        dry_run=False,
    )
    assert centres.stored and TrainingCentre.objects.get(code="BG-TC9").name_ar == "كلية الشرطة"

    again = records_import(kind="units", dataset=dataset([c.name for c in UNITS], units_rows()), dry_run=False)
    assert again.counts == {"new": 0, "updated": 0, "unchanged": 3, "error": 0}
    renamed = units_rows()
    renamed[0][2] = "مديرية شرطة الرصافة الجديدة"
    changed = records_import(kind="units", dataset=dataset([c.name for c in UNITS], renamed), dry_run=False)
    assert changed.counts["updated"] == 1


def test_a_bad_reference_row_stores_nothing_and_is_named(english):
    rows = stations_rows()
    rows[1][1] = "Nowhere Directorate"
    records_import(kind="units", dataset=dataset([c.name for c in UNITS], units_rows()), dry_run=False)
    outcome = records_import(kind="stations", dataset=dataset([c.name for c in STATIONS], rows), dry_run=False)
    [bad] = outcome.error_rows()
    assert (bad.line, bad.column) == (3, "unit") and "Nowhere Directorate" in bad.reason
    assert not Station.objects.exists()


def test_a_fresh_installation_loads_reference_data_then_a_people_file():
    """migrate only → units and stations files → a roster naming them: everyone stored, and the
    new units are offered by the audit's filters."""
    assert not PoliceUnit.objects.exists()
    assert records_import(kind="units", dataset=dataset([c.name for c in UNITS], units_rows()), dry_run=False).stored
    assert records_import(
        kind="stations", dataset=dataset([c.name for c in STATIONS], stations_rows()), dry_run=False
    ).stored
    rows = [
        person("100001", rank="رائد شرطة", unit="مديرية شرطة الرصافه", station="مركز شرطة السعدون"),
        person("100002", rank="Police Major", unit="Karkh Police Directorate", station="Al-Mansour Station"),
        person("100003", rank="ن.ع.", gender="ذكر", governorate_name="Basra", unit="مديرية شرطة البصرة"),
    ]
    outcome = records_import(kind="people", dataset=dataset(HEADERS, rows), dry_run=False)
    assert outcome.stored, outcome.rows
    assert Person.objects.get(service_number="100001").station.name_en == "Al-Saadoun Station"
    offered = FactFilter({}, scope=AuditScope(everything=True)).filters["unit"].queryset
    assert set(offered.values_list("name_ar", flat=True)) >= {"مديرية شرطة الرصافة", "مديرية شرطة البصرة"}


def uploaded(rows, name="roster.csv"):
    from tests.imports.helpers import csv_bytes

    return SimpleUploadedFile(name, csv_bytes(HEADERS, rows), content_type="text/csv")


def test_an_unknown_unit_suggests_near_matches(english):
    PoliceUnitFactory(governorate=governorate("BG"), name_en="Rusafa Police Directorate", name_ar="مديرية شرطة الرصافة")
    rows = [person("200001", unit="مديرية شرطة الرصافى")]
    outcome = records_import(kind="people", dataset=dataset(HEADERS, rows), dry_run=True)
    [bad] = outcome.error_rows()
    assert bad.column == "unit"
    assert "Did you mean" in bad.reason and "Rusafa Police Directorate" in bad.reason
    assert outcome.only_missing_places
    assert outcome.missing_places[0]["near"] == ["Rusafa Police Directorate"]


def test_an_administrator_accepts_creating_the_new_units_in_the_dry_run(
    django_user_model, django_capture_on_commit_callbacks
):
    admin = user_with(django_user_model, "admin", ADMINISTRATOR)
    unit = PoliceUnitFactory(governorate=governorate("BG"), name_en="Karkh", name_ar="الكرخ")
    StationFactory(governorate=governorate("BG"), unit=unit, name_en="Mansour", name_ar="المنصور")
    rows = [
        person("300001", unit="الكرخ", station="المنصور"),
        person("300002", unit="مديرية شرطة الزعفرانية", station="مركز شرطة الزعفرانية"),
        person("300003", unit="مديرية شرطة الزعفرانية"),
        person("300004", governorate_name="Basra", unit="مديرية شرطة الزبير"),
    ]
    job = import_job_check(owner=admin, kind="people", uploaded=uploaded(rows), scope_centre=None)
    assert job.status == JobStatus.CHECKED and not job.can_confirm
    assert {(p["place"], p["name"]) for p in job.missing_places} == {
        ("unit", "مديرية شرطة الزعفرانية"),
        ("station", "مركز شرطة الزعفرانية"),
        ("unit", "مديرية شرطة الزبير"),
    }
    job = import_job_places_accept(job=job, user=admin)
    assert job.can_confirm and job.create_places, job.dry_run_report
    assert not PoliceUnit.objects.filter(name_ar="مديرية شرطة الزبير").exists()  # a dry run stores nothing
    with django_capture_on_commit_callbacks(execute=True):
        import_job_confirm(job=job)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, (job.failure, job.report)
    assert Person.objects.count() == 4
    zubair = Person.objects.get(service_number="300004").unit
    assert (zubair.governorate.code, zubair.name_ar) == ("BA", "مديرية شرطة الزبير")
    assert Person.objects.get(service_number="300002").station.unit.name_ar == "مديرية شرطة الزعفرانية"


def test_a_file_with_other_errors_is_not_offered_new_units(django_user_model):
    admin = user_with(django_user_model, "admin", ADMINISTRATOR)
    rows = [person("400001", unit="مديرية جديدة"), person("400002", rank="جنرال")]
    job = import_job_check(owner=admin, kind="people", uploaded=uploaded(rows), scope_centre=None)
    assert job.missing_places == [] and job.file_path is None


def test_a_managers_unknown_unit_holds_the_job_until_an_administrator_records_it(django_user_model):
    centre = TrainingCentreFactory(governorate=governorate("BG"))
    manager = user_with(django_user_model, "manager", CENTRE_MANAGER, centre)
    rows = [person("500001", unit="مديرية شرطة الكاظمية")]
    job = import_job_check(owner=manager, kind="people", uploaded=uploaded(rows), scope_centre=centre)
    assert job.status == JobStatus.HELD and job.file_path.exists() and not job.can_confirm
    with pytest.raises(ValidationError):
        import_job_places_accept(job=job, user=manager)
    job = import_job_recheck(job=job)
    assert job.status == JobStatus.HELD  # still missing
    PoliceUnitFactory(governorate=governorate("BG"), name_en="Kadhimiya", name_ar="مديرية شرطة الكاظمية")
    job = import_job_recheck(job=job)
    assert job.status == JobStatus.CHECKED and job.can_confirm
    assert ImportJob.objects.get(pk=job.pk).missing_places == []


@pytest.mark.parametrize(
    "written",
    ["2024-03-31", "2024/3/31", "31/3/2024", "٣١/٣/٢٠٢٤", "\u200f٣١/٣/٢٠٢٤", "31.03.2024", "45382", 45382, 45382.0],
)
def test_dates_as_offices_write_them(written):
    from datetime import date

    from imports.matching import parse_date

    assert parse_date(written) == date(2024, 3, 31)


@pytest.mark.parametrize("written", ["12345", "31/13/2024", "2024/02/30", "آذار"])
def test_what_is_not_a_date_is_refused(written):
    from imports.matching import parse_date

    with pytest.raises(ValueError):
        parse_date(written)


# --- workbooks as offices make them ---------------------------------------------------------


def office_workbook(path, people_rows):
    """Two sheets: notes first, then the roster under two title rows, with a two-row merged
    header, a serial column, blank rows, the header repeated after a page break and a totals row."""
    from openpyxl import Workbook

    workbook = Workbook()
    notes = workbook.active
    notes.title = "ملاحظات"
    notes.append(["يرجى ملء الكشف في الورقة التالية"])
    notes.append(["المحافظة", "عدد المنتسبين"])  # a header of a sort, naming one column only
    notes.append(["بغداد", 3])
    sheet = workbook.create_sheet("الكشف")
    sheet.append(["كشف بأسماء المنتسبين المشاركين في دورة الشرطة المجتمعية"])  # line 1
    sheet.merge_cells("A1:I1")
    sheet.append(["مديرية شرطة بغداد / قسم التدريب", None, None, None, None, None, "التاريخ: ٢٠٢٤/٣/٣١"])  # 2
    sheet.append([])  # 3
    top = ["ت", "الرقم الوظيفي", "الاسم", None, "الجنس", "الرتبة", "الوحدة", "مركز الشرطة", "المحافظة"]
    sheet.append(top)  # 4
    sheet.append([None, None, "الاسم الكامل", "الاسم بالأحرف اللاتينية"])  # 5
    for column in ("A", "B", "E", "F", "G", "H", "I"):
        sheet.merge_cells(f"{column}4:{column}5")
    sheet.merge_cells("C4:D4")
    line = 6
    lines = {}
    for index, row in enumerate(people_rows, 1):
        if index == 3:
            sheet.append([])  # a blank row: line 8
            sheet.append(top)  # the header again at the top of the next page: line 9
            line += 2
        sheet.append([str(index), *row])
        lines[row[0]] = line
        line += 1
    sheet.append(["المجموع", len(people_rows)])
    sheet.append([])
    sheet.append(["مدير قسم التدريب", None, "التوقيع"])
    workbook.save(path)
    return lines


OFFICE_ROWS = [
    ["١٠٠٢٠٠١", "علي حسين جاسم", "Ali Hussein Jasim", "ذكر", "رائد شرطة", "", "", "بغداد"],
    ["١٠٠٢٠٠٢", "  زينب   كاظم ", "", "أنثى", "Lt. Col.", "", "", "بغداد"],
    ["١٠٠٢٠٠٣", "حيدر عباس", "Haider Abbas", "M", "ن.ع.", "", "", "BG"],
    ["١٠٠٢٠٠٤", "مريم سالم", "", "F", "ملازم أول شرطة", "", "", "Baghdad"],
]


def test_an_office_workbook_with_titles_merged_headers_totals_and_two_sheets_is_read(tmp_path):
    path = tmp_path / "kashf.xlsx"
    office_workbook(path, OFFICE_ROWS)
    data = files.read_table(path, fmt=files.XLSX, name="kashf.xlsx", kind="people")
    assert data.source_sheet == "الكشف"
    assert len(data) == 4
    outcome = records_import(kind="people", dataset=data, dry_run=False)
    assert outcome.stored, outcome.rows
    assert [row.line for row in outcome.rows] == [6, 7, 10, 11]
    zainab = Person.objects.get(service_number="1002002")
    assert (zainab.name_ar, zainab.gender, zainab.rank) == ("زينب   كاظم", "F", "lieutenant_colonel")
    assert Person.objects.get(service_number="1002001").name_latin == "Ali Hussein Jasim"
    assert Person.objects.get(service_number="1002003").rank == "corporal"


def test_a_bad_row_of_an_office_workbook_is_named_by_its_line_in_the_sheet(tmp_path):
    rows = [list(row) for row in OFFICE_ROWS]
    rows[3][4] = "جنرال"
    path = tmp_path / "kashf.xlsx"
    lines = office_workbook(path, rows)
    data = files.read_table(path, fmt=files.XLSX, name="kashf.xlsx", kind="people")
    with translation.override("ar"):
        outcome = records_import(kind="people", dataset=data, dry_run=False)
    [bad] = outcome.error_rows()
    assert (bad.line, bad.column) == (lines["١٠٠٢٠٠٤"], "الرتبة") == (11, "الرتبة")
    assert "جنرال" in bad.reason and "رائد" in bad.reason
    assert not Person.objects.exists()


def test_an_office_workbook_goes_through_the_admin_flow(
    tmp_path, django_user_model, django_capture_on_commit_callbacks
):
    from tests.imports.test_views import XLSX_TYPE

    admin = user_with(django_user_model, "admin", ADMINISTRATOR)
    path = tmp_path / "kashf.xlsx"
    office_workbook(path, OFFICE_ROWS)
    upload = SimpleUploadedFile("kashf.xlsx", path.read_bytes(), content_type=XLSX_TYPE)
    job = import_job_check(owner=admin, kind="people", uploaded=upload, scope_centre=None)
    assert (job.new_count, job.error_count) == (4, 0) and job.can_confirm
    with django_capture_on_commit_callbacks(execute=True):
        import_job_confirm(job=job)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.failure
    assert Person.objects.count() == 4


def test_a_cp1256_csv_with_a_title_row_and_a_totals_row_is_read(tmp_path):
    lines = [
        "كشف بأسماء المنتسبين,,,,,,,",
        ",".join(ARABIC),
        "900011,فاطمة حسن,,أنثى,نقيب شرطة,,,بغداد",
        ",,,,,,,",
        "900012,علي كاظم,,ذكر,Maj.,,,البصرة",
        "المجموع,2,,,,,,",
    ]
    path = write(tmp_path / "roster.csv", ("\r\n".join(lines) + "\r\n").encode("cp1256"))
    data = files.read_table(path, fmt=files.CSV, name="roster.csv", kind="people")
    outcome = records_import(kind="people", dataset=data, dry_run=False)
    assert outcome.stored, outcome.rows
    assert [row.line for row in outcome.rows] == [3, 5]
    assert Person.objects.get(service_number="900012").rank == "major"


def test_sessions_with_excel_serial_and_text_dates(cascade, tmp_path):
    from datetime import date

    from openpyxl import Workbook

    from cascade.models import TrainingSession
    from imports.columns import SESSIONS

    trainer = cascade.qualified_trainer(start=date(2023, 9, 3))  # qualified when the sessions start
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["كشف الدورات"])
    sheet.append([c.arabic for c in SESSIONS])
    centre = cascade.centre.code
    sheet.append(["S-1", "MPS-01", "تعاقبية", centre, "", 45382, 45384, trainer.service_number, "", 5, 0])
    sheet.append(["S-2", "MPS-01", "Cascade", centre, "", "2024/4/7", "٩/٤/٢٠٢٤", trainer.service_number, "", 3, 2])
    path = tmp_path / "s.xlsx"
    workbook.save(path)
    data = files.read_table(path, fmt=files.XLSX, name="s.xlsx", kind="sessions")
    outcome = records_import(kind="sessions", dataset=data, dry_run=False)
    assert outcome.stored, outcome.rows
    first, second = TrainingSession.objects.get(ref="S-1"), TrainingSession.objects.get(ref="S-2")
    assert (first.start_date, first.end_date) == (date(2024, 3, 31), date(2024, 4, 2))
    assert (second.start_date, second.end_date) == (date(2024, 4, 7), date(2024, 4, 9))


@pytest.mark.parametrize("language", ["ar", "en"])
def test_every_bad_row_of_an_office_workbook_is_named_and_every_good_row_accepted(tmp_path, language):
    """Title rows, a two-row merged header, a page break, a totals row and a notes sheet: the dry
    run accepts each good row (new) and names each bad one with its line in the sheet, the file's
    own header and the reason in the reader's language."""
    rows = [list(row) for row in OFFICE_ROWS]
    rows[0][4] = "جنرال"  # no such rank
    rows[2][3] = "X"  # no such gender
    rows[3][7] = "أربيلستان"  # no such governorate
    path = tmp_path / "kashf.xlsx"
    lines = office_workbook(path, rows)
    data = files.read_table(path, fmt=files.XLSX, name="kashf.xlsx", kind="people")
    with translation.override(language):
        outcome = records_import(kind="people", dataset=data, dry_run=True)
    named = {(row.line, row.column) for row in outcome.error_rows()}
    assert named == {(lines["١٠٠٢٠٠١"], "الرتبة"), (lines["١٠٠٢٠٠٣"], "الجنس"), (lines["١٠٠٢٠٠٤"], "المحافظة")}
    assert [row.line for row in outcome.rows if row.status == "new"] == [lines["١٠٠٢٠٠٢"]]
    reasons = {row.column: row.reason for row in outcome.error_rows()}
    if language == "ar":
        assert "رائد" in reasons["الرتبة"] and "Major" not in reasons["الرتبة"]
        assert "أنثى" in reasons["الجنس"] and "female" not in reasons["الجنس"].lower()
    else:
        assert "Major" in reasons["الرتبة"] and "رائد" not in reasons["الرتبة"]
        assert "female" in reasons["الجنس"].lower() and "أنثى" not in reasons["الجنس"]
    assert "أربيلستان" in reasons["المحافظة"]
    assert not Person.objects.exists()


def test_a_fresh_installation_loads_its_places_and_a_roster_with_only_the_dry_run_confirmations(
    client, django_user_model, django_capture_on_commit_callbacks
):
    """migrate only, then through the admin's import page: a centres, a units, a stations and a
    people file, each uploaded and confirmed after its dry run (no other step); everyone stored,
    and the audit's filters offer the new units and centres."""
    from tests.conftest import log_in_verified
    from tests.imports.helpers import csv_bytes

    # No unit or station yet, as after migrate; the centre's code is one no other test uses (the
    # demo's centres, which shared fixtures of earlier tests may leave behind, have their own).
    assert not (PoliceUnit.objects.exists() or Station.objects.exists())
    assert not TrainingCentre.objects.filter(code="ROSTER-TC1").exists()
    log_in_verified(client, user_with(django_user_model, "admin", ADMINISTRATOR))
    people = [
        person("110001", rank="رائد شرطة", unit="مديرية شرطة الرصافه", station="مركز شرطة السعدون"),
        person("110002", rank="Police Major", unit="Karkh Police Directorate", station="Al-Mansour Station"),
        person("110003", rank="ن.ع.", gender="ذكر", governorate_name="Basra", unit="مديرية شرطة البصرة"),
    ]
    files_in_order = [
        (
            "centres",
            [c.arabic for c in CENTRES],
            [["ROSTER-TC1", "Roster Test Academy", "أكاديمية الشرطة للاختبار", "بغداد"]],
        ),
        ("units", [c.arabic for c in UNITS], units_rows()),
        ("stations", [c.arabic for c in STATIONS], stations_rows()),
        ("people", ARABIC, people),
    ]
    for kind, headers, rows in files_in_order:
        upload = SimpleUploadedFile(f"{kind}.csv", csv_bytes(headers, rows), content_type="text/csv")
        client.post("/admin/imports/", {"kind": kind, "file": upload})
        job = ImportJob.objects.latest("created_at")
        assert job.can_confirm and job.new_count == len(rows), (kind, job.status, job.dry_run_report)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/admin/imports/{job.pk}/confirm/")
        job.refresh_from_db()
        assert job.status == JobStatus.DONE, (kind, job.failure)
    assert Person.objects.count() == 3
    assert Person.objects.get(service_number="110001").station.name_en == "Al-Saadoun Station"
    filters = FactFilter({}, scope=AuditScope(everything=True)).filters
    units = set(filters["unit"].queryset.values_list("name_ar", flat=True))
    assert units >= {"مديرية شرطة الرصافة", "مديرية شرطة الكرخ", "مديرية شرطة البصرة"}
    assert "ROSTER-TC1" in set(filters["training_centre"].queryset.values_list("code", flat=True))
