"""A governorate's own workbooks, as an office sends them to a fresh installation: reference sheets
side by side, a roster under a two-row merged header, sessions with Arabic-Indic service numbers."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from imports import sheets

pytestmark = pytest.mark.django_db

UNITS = [
    ("نينوى", "Mosul Police Directorate", "مديرية شرطة الموصل"),
    ("البصرة", "Zubair Police Directorate", "مديرية شرطة الزبير"),
]
STATIONS = [("نينوى", "مديرية شرطة الموصل", "Al-Zuhour Police Station", "مركز شرطة الزهور", "نعم")]
CENTRES = [("NI-TC7", "Ninewa Police Training Centre 7", "مركز تدريب شرطة نينوى ٧", "نينوى")]


def titled(sheet, title: str, width: int) -> None:
    sheet.append([title])
    sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=width)


def reference_workbook(path, *, sheet_names=("مراكز التدريب", "الوحدات", "مراكز الشرطة", "ملاحظات")):
    """Centres, units and stations on sheets of their own (the template's headers), then notes: the
    centres and stations sheets also name every column a units file needs."""
    workbook = Workbook()
    centres = workbook.active
    centres.title = sheet_names[0]
    titled(centres, "جمهورية العراق - وزارة الداخلية - مديرية التدريب والتأهيل", 5)
    centres.append(["ت", "الرمز", "الاسم بالعربية", "الاسم بالإنجليزية", "المحافظة"])
    for index, (code, name_en, name_ar, place) in enumerate(CENTRES, 1):
        centres.append([index, code, name_ar, name_en, place])
    units = workbook.create_sheet(sheet_names[1])
    titled(units, "كشف بأسماء الوحدات والمديريات", 4)
    units.append(["ت", "المحافظة", "الاسم بالعربية", "الاسم بالإنجليزية"])
    for index, (place, name_en, name_ar) in enumerate(UNITS, 1):
        units.append([index, place, name_ar, name_en])
    units.append([])
    units.append(["المجموع", "", len(UNITS)])
    stations = workbook.create_sheet(sheet_names[2])
    stations.append(["ت", "المحافظة", "الوحدة", "الاسم بالعربية", "الاسم بالإنجليزية", "مركز شرطة نموذجي"])
    for index, (place, unit, name_en, name_ar, model) in enumerate(STATIONS, 1):
        stations.append([index, place, unit, name_ar, name_en, model])
    workbook.create_sheet(sheet_names[3]).append(["تم اعداد الكشف من قبل شعبة التخطيط"])
    workbook.save(path)
    return path


def workbook_sheets(path):
    from imports import files

    return files.read_sheets(path, fmt=files.XLSX, name=path.name)


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_records", *map(str, args), "--language", "en", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- 1. the sheet named for the kind is read -------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "sheet"), [("units", "الوحدات"), ("stations", "مراكز الشرطة"), ("centres", "مراكز التدريب")]
)
def test_each_reference_kind_reads_its_own_sheet_of_a_reference_workbook(tmp_path, kind, sheet):
    table = sheets.find_table(workbook_sheets(reference_workbook(tmp_path / "ref.xlsx")), kind)
    assert table.sheet == sheet and not table.tied


def test_the_command_line_loads_units_from_the_units_sheet_not_the_first_sheet(tmp_path):
    path = reference_workbook(tmp_path / "ref.xlsx")
    out, _err = run("units", path, "--dry-run")
    assert "units: 2 rows — new 2" in out


def test_two_sheets_matching_alike_are_refused_by_name_until_one_is_chosen(tmp_path):
    path = reference_workbook(tmp_path / "ref.xlsx", sheet_names=("ورقة 1", "ورقة 2", "ورقة 3", "ورقة 4"))
    with pytest.raises(CommandError) as refused:
        run("units", path, "--dry-run")
    assert "“ورقة 1”, “ورقة 2”, “ورقة 3”" in str(refused.value) and "--sheet" in str(refused.value)
    out, _err = run("units", path, "--dry-run", "--sheet", "ورقة 2")
    assert "units: 2 rows — new 2" in out
    with pytest.raises(CommandError, match="no sheet “Units”"):
        run("units", path, "--dry-run", "--sheet", "Units")


# --- 2. a two-row header whose lower row names more columns ----------------------------------

PEOPLE_ROWS = [
    ["علي حسين جاسم الجبوري", "رائد شرطة", "١٠٠٠٠٧", "ذكر", "", "", "نينوى", "الشرطة المجتمعية", "١٥/٠٣/٢٠٢٥", 85],
    ["زينب كاظم عباس التميمي", "نقيب شرطة", "100014", "أنثى", "", "", "البصرة", "الشرطة المجتمعية", "١٥/٠٣/٢٠٢٥", 90],
]
TEMPLATE_WORDS = ["الاسم الكامل", "الرتبة", "الرقم الوظيفي", "الجنس", "الوحدة", "مركز الشرطة"]


def merged_roster(path, sub_headers=TEMPLATE_WORDS, rows=PEOPLE_ROWS):
    """Two title rows, then group labels on line 3 (المعلومات الشخصية, مكان العمل, الدورة) merged
    across their sub-headers on line 4, and ت and المحافظة merged down over lines 3–4."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "كشف المشاركين"
    titled(sheet, "كشف بأسماء منتسبي الشرطة المشاركين في دورات مراكز الشرطة النموذجية لعام ٢٠٢٥", 11)
    titled(sheet, "مديرية شرطة محافظة نينوى / شعبة التدريب", 11)
    sheet.append(["ت", "المعلومات الشخصية", "", "", "", "مكان العمل", "", "المحافظة", "الدورة", "", ""])
    sheet.append(["", *sub_headers, "", "اسم الدورة", "تاريخ الدورة", "الدرجة"])
    for first, last in ((1, 1), (8, 8)):
        sheet.merge_cells(start_row=3, start_column=first, end_row=4, end_column=last)
    for first, last in ((2, 5), (6, 7), (9, 11)):
        sheet.merge_cells(start_row=3, start_column=first, end_row=3, end_column=last)
    for index, row in enumerate(rows, 1):
        sheet.append([index, *row])
    sheet.append(["المجموع", "", "", "", len(rows)])
    workbook.create_sheet("احصائية").append(["المحافظة", "العدد"])
    workbook.save(path)
    return path


def test_a_header_merged_down_over_two_rows_is_read_when_the_lower_row_names_more_columns(tmp_path):
    table = sheets.find_table(workbook_sheets(merged_roster(tmp_path / "kashf.xlsx")), "people")
    assert table.columns == {"name_ar", "rank", "service_number", "gender", "unit", "station", "governorate"}
    assert table.headers[7] == "المحافظة" and table.header_line == 3
    assert [row[7] for row in table.rows] == ["نينوى", "البصرة"] and table.lines == [5, 6]


def test_the_command_line_reads_the_governorate_of_a_two_row_header(tmp_path):
    out, err = run("people", merged_roster(tmp_path / "kashf.xlsx"), "--dry-run")
    assert "people: 2 rows — new 2" in out and "errors 0" in out, err


# --- 3. Arabic-Indic digits in every service-number column -----------------------------------


def test_trainers_service_numbers_in_arabic_indic_digits_name_their_people(cascade, tmp_path):
    from datetime import date

    from cascade.models import TrainerRole, TrainingSession
    from imports.columns import SESSIONS
    from imports.services import records_import

    lead, co, other = (
        cascade.qualified_trainer(start=date(2023, 9, 3), service_number=number)
        for number in ("100007", "100014", "100021")
    )
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([c.arabic for c in SESSIONS])
    centre = cascade.centre.code
    sheet.append(["NI-2025-01", "MPS-01", "تدريب تعاقبي", centre, "", "01/03/2025", "04/03/2025", "١٠٠٠٠٧"])
    sheet.append(["NI-2025-02", "MPS-01", "تعاقبية", centre, "", "٥/٣/٢٠٢٥", "٦/٣/٢٠٢٥", "١٠٠٠١٤", "١٠٠٠٠٧، ١٠٠٠٢١"])
    path = tmp_path / "sessions.xlsx"
    workbook.save(path)
    out, err = run("sessions", path, "--dry-run")
    assert "sessions: 2 rows — new 2" in out and "errors 0" in out, err

    from imports import files

    outcome = records_import(
        kind="sessions", dataset=files.read_table(path, fmt=files.XLSX, name=path.name, kind="sessions"), dry_run=False
    )
    assert outcome.stored, outcome.rows
    assert TrainingSession.objects.get(ref="NI-2025-01").trainers.get().person == lead
    assert {(t.person, t.role) for t in TrainingSession.objects.get(ref="NI-2025-02").trainers.all()} == {
        (co, TrainerRole.LEAD),
        (lead, TrainerRole.CO_TRAINER),
        (other, TrainerRole.CO_TRAINER),
    }


def test_a_participants_service_number_in_arabic_indic_digits_names_the_person(cascade):
    from imports.columns import PARTICIPATIONS
    from imports.services import records_import
    from tests.factories import PersonFactory
    from tests.imports.helpers import dataset

    trainer = cascade.qualified_trainer()
    session = cascade.session(kind="cascade", lead=trainer)
    PersonFactory(service_number="100028")
    rows = [[session.ref, "١٠٠٠٢٨", "٥", "٤٠", "٨٠", "أكمل"]]
    outcome = records_import(
        kind="participations", dataset=dataset([c.arabic for c in PARTICIPATIONS], rows), dry_run=True
    )
    assert outcome.counts["new"] == 1, outcome.rows


# --- 6. the headers offices write ------------------------------------------------------------

OFFICE_WORDS = ["الاسم الرباعي", "الرتبة", "رقم الخدمة", "الجنس", "الوحدة", "المركز"]


def test_an_office_roster_headed_in_its_own_words_is_read_without_a_mapping(tmp_path):
    table = sheets.find_table(workbook_sheets(merged_roster(tmp_path / "kashf.xlsx", OFFICE_WORDS)), "people")
    # "المركز" alone may be a police station or a training centre: left to the column-matching page.
    assert table.columns == {"name_ar", "rank", "service_number", "gender", "unit", "governorate"}
    out, err = run("people", tmp_path / "kashf.xlsx", "--dry-run")
    assert "people: 2 rows — new 2" in out and "errors 0" in out, err


@pytest.mark.parametrize(
    ("kind", "header", "field"),
    [
        ("people", "الاسم الثلاثي", "name_ar"),
        ("people", "الاسم الكامل", "name_ar"),
        ("people", "الاسم بالإنكليزي", "name_latin"),
        ("units", "اسم الوحدة", "name_ar"),
        ("units", "الاسم بالانكليزي", "name_en"),
        ("stations", "الاسم بالإنكليزي", "name_en"),
        ("centres", "الاسم بالانكليزي", "name_en"),
    ],
)
def test_office_headers_name_their_columns(kind, header, field):
    from imports.columns import header_key, header_map

    assert header_map(kind)[header_key(header)] == field
    assert header_key("المركز") not in header_map("people")


def test_a_units_sheet_headed_in_office_words_loads(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "الوحدات"
    titled(sheet, "كشف بأسماء الوحدات والمديريات", 4)
    sheet.append(["ت", "المحافظة", "اسم الوحدة", "الاسم بالانكليزي"])
    for index, (place, name_en, name_ar) in enumerate(UNITS, 1):
        sheet.append([index, place, name_ar, name_en])
    workbook.save(tmp_path / "units.xlsx")
    out, err = run("units", tmp_path / "units.xlsx", "--dry-run")
    assert "units: 2 rows — new 2" in out, err


# --- 7. Arabic output of the command line -----------------------------------------------------


def test_the_arabic_command_line_names_the_kind_in_arabic_and_joins_lists_with_arabic_commas(tmp_path):
    from imports.columns import PEOPLE

    workbook = Workbook()
    sheet = workbook.active
    sheet.append([c.arabic for c in PEOPLE])
    sheet.append(["720001", "علي حسن", "", "ذكر", "رائد", "مديرية شرطة الشعلة", "مركز شرطة الشعلة", "بغداد"])
    sheet.append(["720002", "زينب علي", "", "أنثى", "نقيب", "مديرية شرطة الكاظمية", "", "بغداد"])
    workbook.save(tmp_path / "people.xlsx")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_records",
            "people",
            str(tmp_path / "people.xlsx"),
            "--dry-run",
            "--language",
            "ar",
            stdout=out,
            stderr=err,
        )
    assert out.getvalue().startswith("الأشخاص (الكشف): 2"), out.getvalue()
    assert "[الوحدة؛ مركز الشرطة]" in err.getvalue()
    assert "BG: مديرية شرطة الشعلة، BG: مركز شرطة الشعلة، BG: مديرية شرطة الكاظمية" in err.getvalue()
    assert ";" not in err.getvalue().replace("--sheet", "")


# --- 8. columns a people import does not read -------------------------------------------------


def test_a_people_dry_run_names_the_course_columns_it_does_not_read(tmp_path):
    out, err = run("people", merged_roster(tmp_path / "kashf.xlsx", OFFICE_WORDS), "--dry-run")
    assert "errors 0" in out, err
    assert "These columns are not read by a people import:" in err
    assert "“تاريخ الدورة”, “الدرجة”" in err and "“ت”" not in err
    assert "participations" in err
