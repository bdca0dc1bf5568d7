"""The file formats: their columns, in English and Arabic, and which ones are required.

A header matches a column whatever its case, spacing or underscores (``Service Number`` =
``service_number``) and whatever its Arabic spelling variant (``normalize_arabic``). The Arabic
headers are part of the file format, not translations of the interface: they never change with
the catalogue, so a template downloaded once keeps working (a header the format once used stays
accepted as one of the column's ``aliases``). The service number is "الرقم الوظيفي" in Arabic, as
everywhere in the interface. ``help`` is what the template's help sheet says, in its language.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from lms.text import normalize_arabic


@dataclass(frozen=True)
class Column:
    name: str
    arabic: str
    required: bool
    help: str
    aliases: tuple[str, ...] = ()


# How offices head a column of English names (انكليزي is the Iraqi spelling of إنجليزي).
ENGLISH_NAME = ("الاسم بالانكليزي", "الاسم بالانكليزية", "الاسم بالانجليزي", "الاسم الانكليزي")

PEOPLE = (
    Column(
        "service_number",
        "الرقم الوظيفي",
        True,
        _("MOI service number; the person's identity (letters, digits, - and /)."),
        aliases=("رقم الخدمة",),
    ),
    Column(
        "name_ar",
        "الاسم الكامل",
        True,
        _("Full name in Arabic, as written."),
        aliases=("الاسم الرباعي", "الاسم الثلاثي", "الاسم الرباعي واللقب"),
    ),
    Column(
        "name_latin",
        "الاسم بالأحرف اللاتينية",
        False,
        _("Full name in Latin script."),
        aliases=ENGLISH_NAME,
    ),
    Column("gender", "الجنس", True, _("Male or female, as written: M/F, ذكر/أنثى, male/female (pick from the list).")),
    Column(
        "rank",
        "الرتبة",
        False,
        _("Rank as written, with or without “شرطة” / “Police”: رائد شرطة, Police Major, Maj. (pick from the list)."),
    ),
    Column(
        "unit",
        "الوحدة",
        False,
        _("Police directorate or unit, English or Arabic name, in the governorate."),
        aliases=("اسم الوحدة",),
    ),
    Column("station", "مركز الشرطة", False, _("Police station, English or Arabic name, in the governorate.")),
    Column("governorate", "المحافظة", True, _("Governorate: code (BG), English or Arabic name.")),
)
SESSIONS = (
    Column("session_ref", "مرجع الدورة التدريبية", True, _("The session's reference; its identity.")),
    Column("course_code", "رمز المقرر", True, _("Course: code (MPS-01), English or Arabic title.")),
    Column("kind", "نوع الدورة", True, _("Training of trainers (ToT), cascade or direct (pick from the list).")),
    Column("training_centre", "مركز التدريب", True, _("Training centre: code, English or Arabic name.")),
    Column("governorate", "المحافظة", False, _("Governorate of the centre (checked when given).")),
    Column("start_date", "تاريخ البدء", True, _("ISO (2024-03-31) or day/month/year (31/03/2024).")),
    Column("end_date", "تاريخ الانتهاء", True, _("ISO (2024-03-31) or day/month/year (31/03/2024).")),
    Column(
        "lead_trainer_service_number",
        "الرقم الوظيفي للمدرب الرئيسي",
        True,
        _("Service number of the lead trainer."),
        aliases=("رقم خدمة المدرب الرئيسي",),
    ),
    Column(
        "co_trainer_service_numbers",
        "الأرقام الوظيفية للمدربين المساعدين",
        False,
        _("Service numbers of the co-trainers, separated by ; or ,."),
        aliases=("أرقام خدمة المدربين المساعدين",),
    ),
    Column("headcount_male", "عدد الذكور", False, _("Men who took part (named or not); 0 when empty.")),
    Column("headcount_female", "عدد الإناث", False, _("Women who took part (named or not); 0 when empty.")),
)
PARTICIPATIONS = (
    Column("session_ref", "مرجع الدورة التدريبية", True, _("Reference of a stored session.")),
    Column(
        "service_number",
        "الرقم الوظيفي",
        True,
        _("Service number of a stored person."),
        aliases=("رقم الخدمة",),
    ),
    Column("days_attended", "أيام الحضور", False, _("Whole days attended; 0 when empty.")),
    Column("pre_score", "درجة الاختبار القبلي", False, _("Pre-test score, 0–100; empty when not taken.")),
    Column("post_score", "درجة الاختبار البعدي", False, _("Post-test score, 0–100; empty when not taken.")),
    Column(
        "outcome",
        "النتيجة",
        False,
        _("Completed, incomplete or withdrawn (pick from the list); incomplete when empty."),
    ),
)
TARGETS = (
    Column("year", "السنة", True, _("Plan year, e.g. 2025.")),
    Column("governorate", "المحافظة", True, _("Governorate: code (BG), English or Arabic name.")),
    Column(
        "training_centre",
        "مركز التدريب",
        False,
        _("Training centre in that governorate; empty for the whole governorate."),
    ),
    Column("course_code", "رمز المقرر", True, _("Course: code (MPS-01), English or Arabic title.")),
    Column("target_participants", "العدد المستهدف", True, _("People to train.")),
    Column("target_women", "عدد النساء المستهدف", False, _("Of whom women; 0 when empty.")),
)

# Reference data (imports.reference): places, identified by governorate and English name (units,
# stations) or by code (training centres).
UNITS = (
    Column("governorate", "المحافظة", True, _("Governorate: code (BG), English or Arabic name.")),
    Column(
        "name_en",
        "الاسم بالإنجليزية",
        True,
        _("The directorate's or unit's English name; with the governorate, its identity."),
        aliases=ENGLISH_NAME,
    ),
    Column("name_ar", "الاسم بالعربية", True, _("Its Arabic name."), aliases=("اسم الوحدة", "اسم المديرية")),
)
STATIONS = (
    Column("governorate", "المحافظة", True, _("Governorate: code (BG), English or Arabic name.")),
    Column(
        "unit",
        "الوحدة",
        True,
        _("The station's directorate or unit, English or Arabic name, in the governorate."),
        aliases=("اسم الوحدة",),
    ),
    Column(
        "name_en",
        "الاسم بالإنجليزية",
        True,
        _("The station's English name; with the governorate, its identity."),
        aliases=ENGLISH_NAME,
    ),
    Column("name_ar", "الاسم بالعربية", True, _("Its Arabic name.")),
    Column(
        "model_police_station",
        "مركز شرطة نموذجي",
        False,
        _("yes / no (نعم / لا): a Model Police Station pilot; no when empty."),
    ),
)
CENTRES = (
    Column("code", "الرمز", True, _("The training centre's code; its identity.")),
    Column("name_en", "الاسم بالإنجليزية", True, _("Its English name."), aliases=ENGLISH_NAME),
    Column("name_ar", "الاسم بالعربية", True, _("Its Arabic name.")),
    Column("governorate", "المحافظة", True, _("Governorate: code (BG), English or Arabic name.")),
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
        for alias in column.aliases:
            mapping.setdefault(header_key(alias), column.name)
    return mapping
