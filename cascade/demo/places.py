"""Demo places: MOI training centres, police units and stations in the 15 federal governorates.

The governorates themselves are reference data (a migration loads them). The Kurdistan Region's
police answer to the regional ministry and the national training plan excludes them, so the demo
puts no centre, unit or station there. Six stations are the Model Police Station pilots (Anbar,
Ninewa, Basra, Baghdad). ``ensure_places`` is idempotent: it adds only the rows that are missing.
"""

from dataclasses import dataclass, field

from django.db.models import ProtectedError, RestrictedError

from lms.models import Governorate, PoliceUnit, Station, TrainingCentre

# code, English name, Arabic name — three in Baghdad, two each in Basra, Ninewa and Anbar, one in
# every other federal governorate: twenty centres.
CENTRES = {
    "BG": [
        ("TC-BG-01", "Baghdad Police Academy", "أكاديمية الشرطة في بغداد"),
        ("TC-BG-02", "Al-Rusafa Police Training Centre", "مركز تدريب شرطة الرصافة"),
        ("TC-BG-03", "Al-Karkh Police Training Centre", "مركز تدريب شرطة الكرخ"),
    ],
    "BA": [
        ("TC-BA-01", "Basra Police Academy", "أكاديمية الشرطة في البصرة"),
        ("TC-BA-02", "Al-Zubair Police Training Centre", "مركز تدريب شرطة الزبير"),
    ],
    "NI": [
        ("TC-NI-01", "Ninewa Police Academy", "أكاديمية الشرطة في نينوى"),
        ("TC-NI-02", "Mosul Police Training Centre", "مركز تدريب شرطة الموصل"),
    ],
    "AN": [
        ("TC-AN-01", "Anbar Police Academy", "أكاديمية الشرطة في الأنبار"),
        ("TC-AN-02", "Habbaniyah Police Training Centre", "مركز تدريب شرطة الحبانية"),
    ],
    "SD": [("TC-SD-01", "Tikrit Police Training Centre", "مركز تدريب شرطة تكريت")],
    "DI": [("TC-DI-01", "Baqubah Police Training Centre", "مركز تدريب شرطة بعقوبة")],
    "KI": [("TC-KI-01", "Kirkuk Police Training Centre", "مركز تدريب شرطة كركوك")],
    "BB": [("TC-BB-01", "Hillah Police Training Centre", "مركز تدريب شرطة الحلة")],
    "KA": [("TC-KA-01", "Karbala Police Training Centre", "مركز تدريب شرطة كربلاء")],
    "NA": [("TC-NA-01", "Najaf Police Training Centre", "مركز تدريب شرطة النجف")],
    "WA": [("TC-WA-01", "Kut Police Training Centre", "مركز تدريب شرطة الكوت")],
    "MA": [("TC-MA-01", "Amarah Police Training Centre", "مركز تدريب شرطة العمارة")],
    "DQ": [("TC-DQ-01", "Nasiriyah Police Training Centre", "مركز تدريب شرطة الناصرية")],
    "MU": [("TC-MU-01", "Samawah Police Training Centre", "مركز تدريب شرطة السماوة")],
    "QA": [("TC-QA-01", "Diwaniyah Police Training Centre", "مركز تدريب شرطة الديوانية")],
}

# Districts whose police stations the demo creates; True marks a Model Police Station (six in all).
# fmt: off
STATIONS = {
    "BG": [("Al-Karrada", "الكرادة", True), ("Al-Mansour", "المنصور", True), ("Al-Adhamiya", "الأعظمية", False),
           ("Al-Kadhimiya", "الكاظمية", False)],
    "BA": [("Al-Ashar", "العشار", True), ("Al-Zubair", "الزبير", False), ("Abu al-Khaseeb", "أبو الخصيب", False),
           ("Al-Qurna", "القرنة", False)],
    "NI": [("Al-Zuhur", "الزهور", True), ("Bartella", "برطلة", True), ("Al-Hamdaniya", "الحمدانية", False),
           ("Tal Afar", "تلعفر", False)],
    "AN": [("Al-Warar", "الورار", True), ("Fallujah", "الفلوجة", False), ("Hit", "هيت", False),
           ("Al-Qaim", "القائم", False)],
    "SD": [("Tikrit", "تكريت", False), ("Samarra", "سامراء", False), ("Baiji", "بيجي", False)],
    "DI": [("Baqubah", "بعقوبة", False), ("Al-Muqdadiya", "المقدادية", False), ("Khanaqin", "خانقين", False)],
    "KI": [("Rahim Awa", "رحيم آوه", False), ("Hawija", "الحويجة", False), ("Dibis", "دبس", False)],
    "BB": [("Hillah", "الحلة", False), ("Al-Mahawil", "المحاويل", False), ("Al-Musayyib", "المسيب", False)],
    "KA": [("Al-Hurr", "الحر", False), ("Ain al-Tamr", "عين التمر", False), ("Al-Hindiya", "الهندية", False)],
    "NA": [("Kufa", "الكوفة", False), ("Al-Manathira", "المناذرة", False), ("Al-Mishkhab", "المشخاب", False)],
    "WA": [("Kut", "الكوت", False), ("Al-Suwaira", "الصويرة", False), ("Al-Aziziya", "العزيزية", False)],
    "MA": [("Amarah", "العمارة", False), ("Ali al-Gharbi", "علي الغربي", False),
           ("Al-Majar al-Kabir", "المجر الكبير", False)],
    "DQ": [("Nasiriyah", "الناصرية", False), ("Al-Shatra", "الشطرة", False), ("Suq al-Shuyukh", "سوق الشيوخ", False)],
    "MU": [("Samawah", "السماوة", False), ("Al-Rumaitha", "الرميثة", False), ("Al-Khidhir", "الخضر", False)],
    "QA": [("Diwaniyah", "الديوانية", False), ("Afak", "عفك", False), ("Al-Shamiya", "الشامية", False)],
}
# fmt: on

# The units of every governorate: the provincial directorate (stations belong to it) and the
# specialised units the Model Police Station brings under one roof.
DIRECTORATE, COMMUNITY, FAMILY_PROTECTION, JUVENILE = "directorate", "community", "family", "juvenile"
UNITS = [
    (DIRECTORATE, "{gov} Police Directorate", "مديرية شرطة {gov}"),
    (COMMUNITY, "{gov} Community Policing Directorate", "مديرية الشرطة المجتمعية في {gov}"),
    (FAMILY_PROTECTION, "{gov} Family and Child Protection Unit", "وحدة حماية الأسرة والطفل في {gov}"),
    (JUVENILE, "{gov} Juvenile Police", "شرطة الأحداث في {gov}"),
]

GOVERNORATE_CODES = list(CENTRES)


def station_names(gov_code: str) -> list[tuple[str, str, bool]]:
    """(English, Arabic, is MPS) of the demo stations of one governorate."""
    rows = []
    for district_en, district_ar, is_mps in STATIONS[gov_code]:
        if is_mps:
            rows.append((f"{district_en} Model Police Station", f"مركز شرطة {district_ar} النموذجي", True))
        else:
            rows.append((f"{district_en} Police Station", f"مركز شرطة {district_ar}", False))
    return rows


@dataclass
class GovernoratePlaces:
    """The ids of one governorate's demo places."""

    id: int
    code: str
    centre_ids: list[int] = field(default_factory=list)
    unit_ids: dict[str, int] = field(default_factory=dict)
    station_ids: list[int] = field(default_factory=list)


def ensure_places() -> dict[str, GovernoratePlaces]:
    """Create the demo centres, units and stations that are missing; return their ids by governorate code."""
    governorates = {g.code: g for g in Governorate.objects.filter(code__in=GOVERNORATE_CODES)}
    missing = set(GOVERNORATE_CODES) - set(governorates)
    if missing:
        raise LookupError(f"Governorates missing (run migrate first): {', '.join(sorted(missing))}")

    existing_centres = set(TrainingCentre.objects.filter(code__in=_centre_codes()).values_list("code", flat=True))
    TrainingCentre.objects.bulk_create(
        [
            TrainingCentre(code=code, name_en=name_en, name_ar=name_ar, governorate=governorates[gov])
            for gov, rows in CENTRES.items()
            for code, name_en, name_ar in rows
            if code not in existing_centres
        ]
    )
    existing_units = set(PoliceUnit.objects.values_list("governorate__code", "name_en"))
    PoliceUnit.objects.bulk_create(
        [
            PoliceUnit(name_en=en.format(gov=g.name_en), name_ar=ar.format(gov=g.name_ar), governorate=g)
            for code, g in governorates.items()
            for _kind, en, ar in UNITS
            if (code, en.format(gov=g.name_en)) not in existing_units
        ]
    )
    units = {
        (g_code, name): pk for pk, g_code, name in PoliceUnit.objects.values_list("id", "governorate__code", "name_en")
    }
    existing_stations = set(Station.objects.values_list("governorate__code", "name_en"))
    Station.objects.bulk_create(
        [
            Station(
                name_en=en,
                name_ar=ar,
                is_model_police_station=is_mps,
                governorate=g,
                unit_id=units[(code, UNITS[0][1].format(gov=g.name_en))],
            )
            for code, g in governorates.items()
            for en, ar, is_mps in station_names(code)
            if (code, en) not in existing_stations
        ]
    )

    places = {code: GovernoratePlaces(id=g.pk, code=code) for code, g in governorates.items()}
    for pk, g_code in (
        TrainingCentre.objects.filter(code__in=_centre_codes()).order_by("code").values_list("id", "governorate__code")
    ):
        places[g_code].centre_ids.append(pk)
    for code, g in governorates.items():
        for kind, en, _ar in UNITS:
            places[code].unit_ids[kind] = units[(code, en.format(gov=g.name_en))]
    wanted = {(code, en) for code in GOVERNORATE_CODES for en, _ar, _mps in station_names(code)}
    for pk, g_code, name in Station.objects.order_by("governorate__code", "name_en").values_list(
        "id", "governorate__code", "name_en"
    ):
        if (g_code, name) in wanted:
            places[g_code].station_ids.append(pk)
    return places


def _centre_codes() -> list[str]:
    return [code for rows in CENTRES.values() for code, _en, _ar in rows]


def delete_unused_places() -> None:
    """Remove the demo places nothing else refers to (a reset keeps places that other records use)."""
    governorates = dict(Governorate.objects.filter(code__in=GOVERNORATE_CODES).values_list("code", "name_en"))
    stations = {(code, en) for code in governorates for en, _ar, _mps in station_names(code)}
    units = {(code, en.format(gov=name)) for code, name in governorates.items() for _kind, en, _ar in UNITS}
    for model, wanted in ((Station, stations), (PoliceUnit, units)):
        rows = model.objects.filter(governorate__code__in=governorates).select_related("governorate")
        _delete_each([row for row in rows if (row.governorate.code, row.name_en) in wanted])
    _delete_each(TrainingCentre.objects.filter(code__in=_centre_codes()))


def _delete_each(rows) -> None:
    for row in rows:
        try:
            row.delete()
        except (ProtectedError, RestrictedError):
            continue  # still referenced by records that are not demo data
