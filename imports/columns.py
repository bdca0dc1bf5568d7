"""The four file formats: their columns, in English and Arabic, and which ones are required.

A header matches a column whatever its case, spacing or underscores (``Service Number`` =
``service_number``) and whatever its Arabic spelling variant (``normalize_arabic``). The Arabic
headers are part of the file format, not translations of the interface: they never change with
the catalogue, so a template downloaded once keeps working.
"""

from dataclasses import dataclass

from lms.text import normalize_arabic


@dataclass(frozen=True)
class Column:
    name: str
    arabic: str
    required: bool
    help_en: str


PEOPLE = (
    Column(
        "service_number", "رقم الخدمة", True, "MOI service number; the person's identity (letters, digits, - and /)."
    ),
    Column("name_ar", "الاسم الكامل", True, "Full name in Arabic, as written."),
    Column("name_latin", "الاسم بالأحرف اللاتينية", False, "Full name in Latin script."),
    Column("gender", "الجنس", True, "M or F (also male/female, ذكر/أنثى)."),
    Column("rank", "الرتبة", False, "Rank, as its code (lieutenant), English or Arabic name."),
    Column("unit", "الوحدة", False, "Police directorate or unit, English or Arabic name, in the governorate."),
    Column("station", "مركز الشرطة", False, "Police station, English or Arabic name, in the governorate."),
    Column("governorate", "المحافظة", True, "Governorate: code (BG), English or Arabic name."),
)
SESSIONS = (
    Column("session_ref", "مرجع الدورة التدريبية", True, "The session's reference; its identity."),
    Column("course_code", "رمز المقرر", True, "Course: code (MPS-01), English or Arabic title."),
    Column("kind", "نوع الدورة", True, "tot, cascade or direct."),
    Column("training_centre", "مركز التدريب", True, "Training centre: code, English or Arabic name."),
    Column("governorate", "المحافظة", False, "Governorate of the centre (checked when given)."),
    Column("start_date", "تاريخ البدء", True, "ISO (2024-03-31) or day/month/year (31/03/2024)."),
    Column("end_date", "تاريخ الانتهاء", True, "ISO (2024-03-31) or day/month/year (31/03/2024)."),
    Column("lead_trainer_service_number", "رقم خدمة المدرب الرئيسي", True, "Service number of the lead trainer."),
    Column(
        "co_trainer_service_numbers",
        "أرقام خدمة المدربين المساعدين",
        False,
        "Service numbers of the co-trainers, separated by ; or ,.",
    ),
    Column("headcount_male", "عدد الذكور", False, "Men who took part (named or not); 0 when empty."),
    Column("headcount_female", "عدد الإناث", False, "Women who took part (named or not); 0 when empty."),
)
PARTICIPATIONS = (
    Column("session_ref", "مرجع الدورة التدريبية", True, "Reference of a stored session."),
    Column("service_number", "رقم الخدمة", True, "Service number of a stored person."),
    Column("days_attended", "أيام الحضور", False, "Whole days attended; 0 when empty."),
    Column("pre_score", "درجة الاختبار القبلي", False, "Pre-test score, 0–100; empty when not taken."),
    Column("post_score", "درجة الاختبار البعدي", False, "Post-test score, 0–100; empty when not taken."),
    Column("outcome", "النتيجة", False, "completed, incomplete or withdrawn; incomplete when empty."),
)
TARGETS = (
    Column("year", "السنة", True, "Plan year, e.g. 2025."),
    Column("governorate", "المحافظة", True, "Governorate: code (BG), English or Arabic name."),
    Column(
        "training_centre",
        "مركز التدريب",
        False,
        "Training centre in that governorate; empty for the whole governorate.",
    ),
    Column("course_code", "رمز المقرر", True, "Course: code (MPS-01), English or Arabic title."),
    Column("target_participants", "العدد المستهدف", True, "People to train."),
    Column("target_women", "عدد النساء المستهدف", False, "Of whom women; 0 when empty."),
)

# Reference data (imports.reference): places, identified by governorate and English name (units,
# stations) or by code (training centres).
UNITS = (
    Column("governorate", "المحافظة", True, "Governorate: code (BG), English or Arabic name."),
    Column(
        "name_en",
        "الاسم بالإنجليزية",
        True,
        "The directorate's or unit's English name; with the governorate, its identity.",
    ),
    Column("name_ar", "الاسم بالعربية", True, "Its Arabic name."),
)
STATIONS = (
    Column("governorate", "المحافظة", True, "Governorate: code (BG), English or Arabic name."),
    Column("unit", "الوحدة", True, "The station's directorate or unit, English or Arabic name, in the governorate."),
    Column("name_en", "الاسم بالإنجليزية", True, "The station's English name; with the governorate, its identity."),
    Column("name_ar", "الاسم بالعربية", True, "Its Arabic name."),
    Column(
        "model_police_station",
        "مركز شرطة نموذجي",
        False,
        "yes / no (نعم / لا): a Model Police Station pilot; no when empty.",
    ),
)
CENTRES = (
    Column("code", "الرمز", True, "The training centre's code; its identity."),
    Column("name_en", "الاسم بالإنجليزية", True, "Its English name."),
    Column("name_ar", "الاسم بالعربية", True, "Its Arabic name."),
    Column("governorate", "المحافظة", True, "Governorate: code (BG), English or Arabic name."),
)

FORMATS: dict[str, tuple[Column, ...]] = {
    "people": PEOPLE,
    "sessions": SESSIONS,
    "participations": PARTICIPATIONS,
    "targets": TARGETS,
    "units": UNITS,
    "stations": STATIONS,
    "centres": CENTRES,
}


def header_key(text: str) -> str:
    return normalize_arabic(str(text or "").replace("_", " "))


def header_map(kind: str) -> dict[str, str]:
    """Every accepted spelling of a header (normalised) → the column's name."""
    mapping = {}
    for column in FORMATS[kind]:
        mapping[header_key(column.name)] = column.name
        mapping[header_key(column.arabic)] = column.name
    return mapping
