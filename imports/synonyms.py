"""Choice values as people write them: one synonym table per choice (rank, gender, kind, outcome).

A cell is compared in its *spelling key*: Arabic folded (``lms.text.normalize_arabic``: alef
forms, taa marbuta, diacritics, tatweel), Arabic-Indic digits as digits, case ignored, the dots,
dashes, slashes and brackets of abbreviations read as spaces, and the words that do not change the
value dropped — "شرطة" / "Police" after a rank, honorifics ("السيد", "Mr.") before a name, an
officer's qualification after the rank ("الرائد الحقوقي"), and the article of "الرائد".
A key that would be left empty keeps its words ("Mr" is itself a gender).

Each choice accepts, in this order of precedence:
1. the spellings an administrator added (``ValueSynonym``, under Bulk imports → Value spellings);
2. the built-in spellings below (``BUILT_IN``), listed in docs/imports.md;
3. the stored value and the English and Arabic labels of every member.

The merged tables are built once per process and rebuilt when an administrator's spelling is
saved or deleted: ``synonyms_changed`` moves a version number kept in the shared cache, and each
process compares its tables' version with it (one cache read per distinct cell value of an
import, since an import reads each distinct value of a column once).
"""

import re

from django.core.cache import cache
from django.db.models import TextChoices
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cascade.models import Outcome, SessionKind
from lms.models import Gender, Rank
from lms.text import normalize_arabic

CHOICES: dict[str, type[TextChoices]] = {"rank": Rank, "gender": Gender, "kind": SessionKind, "outcome": Outcome}
CHOICE_LABELS = {"rank": _("Rank"), "gender": _("Gender"), "kind": _("Session kind"), "outcome": _("Outcome")}

# Words that never change the value they accompany (compared after folding).
NOISE_WORDS = frozenset(
    normalize_arabic(word)
    for word in (
        "شرطة",
        "الشرطة",
        "police",
        "pol",
        "السيد",
        "السيدة",
        "الاخ",
        "الأخت",
        "mr",
        "mrs",
        "ms",
        "miss",
        "sayyid",
        # an officer's qualification written after the rank: "الرائد الحقوقي" is a major (with a law
        # degree), "النقيب المهندس" a captain
        "الحقوقي",
        "حقوقي",
        "المهندس",
        "مهندس",
    )
)

# Built-in spellings, as written (folded by ``spelling_key`` like every cell).
BUILT_IN: dict[str, dict[str, str]] = {
    "rank": {
        # policeman
        "شرطي": "policeman",
        "منتسب": "policeman",
        "Patrolman": "policeman",
        "Constable": "policeman",
        "Ptl.": "policeman",
        "PC": "policeman",
        "Pvt.": "policeman",
        # corporal
        "عريف": "corporal",
        "نائب عريف": "corporal",
        "ن.ع.": "corporal",
        "Cpl.": "corporal",
        "Lance Corporal": "corporal",
        "L/Cpl": "corporal",
        # sergeant
        "رقيب": "sergeant",
        "Sgt.": "sergeant",
        "Sgt": "sergeant",
        # chief sergeant
        "رئيس عرفاء": "chief_sergeant",
        "ر.ع.": "chief_sergeant",
        "Staff Sergeant": "chief_sergeant",
        "S/Sgt": "chief_sergeant",
        "Master Sergeant": "chief_sergeant",
        # police commissioner (the Iraqi police's senior NCO grade; a warrant officer, نائب ضابط,
        # holds the same place between the NCOs and the officers)
        "مفوض": "commissioner",
        "مفوض شرطة": "commissioner",
        "Commissioner": "commissioner",
        "نائب ضابط": "commissioner",
        "ن.ض.": "commissioner",
        "Warrant Officer": "commissioner",
        "WO": "commissioner",
        # lieutenant
        "ملازم": "lieutenant",
        "م.": "lieutenant",
        "2nd Lt.": "lieutenant",
        "2Lt": "lieutenant",
        "Second Lieutenant": "lieutenant",
        "Lt.": "lieutenant",
        "Lt": "lieutenant",
        # first lieutenant
        "ملازم أول": "first_lieutenant",
        "م.أ.": "first_lieutenant",
        "1st Lt.": "first_lieutenant",
        "1Lt": "first_lieutenant",
        "1st Lieutenant": "first_lieutenant",
        # captain
        "نقيب": "captain",
        "ن.": "captain",
        "Capt.": "captain",
        "Cpt.": "captain",
        "Capt": "captain",
        # major
        "رائد": "major",
        "الرائد الحقوقي": "major",
        "ر.": "major",
        "Maj.": "major",
        "Maj": "major",
        # lieutenant colonel
        "مقدم": "lieutenant_colonel",
        "Lt. Col.": "lieutenant_colonel",
        "Lt Col": "lieutenant_colonel",
        "LTC": "lieutenant_colonel",
        "Lieut. Colonel": "lieutenant_colonel",
        # colonel
        "عقيد": "colonel",
        "ع.": "colonel",
        "Col.": "colonel",
        "Col": "colonel",
        # brigadier
        "عميد": "brigadier",
        "Brig.": "brigadier",
        "Brig. Gen.": "brigadier",
        "Brigadier General": "brigadier",
        "BG": "brigadier",
        # major general
        "لواء": "major_general",
        "Maj. Gen.": "major_general",
        "MG": "major_general",
        # civilian
        "مدني": "civilian",
        "خبير مدني": "civilian",
        "موظف مدني": "civilian",
        "Civilian": "civilian",
        "Civ.": "civilian",
    },
    "gender": {
        "male": "M",
        "man": "M",
        "ذكر": "M",
        "ذ": "M",
        "رجل": "M",
        "Mr": "M",
        "السيد": "M",
        "female": "F",
        "woman": "F",
        "أنثى": "F",
        "انثى": "F",
        "أ": "F",
        "امرأة": "F",
        "Mrs": "F",
        "Ms": "F",
        "السيدة": "F",
    },
    "kind": {
        "ToT": "tot",
        "TOT course": "tot",
        "Training of Trainers": "tot",
        "تدريب المدربين": "tot",
        "إعداد المدربين": "tot",
        "totcourse": "tot",
        "cascade training": "cascade",
        "تعاقبية": "cascade",
        "تدريب تعاقبي": "cascade",
        "direct training": "direct",
        "مباشر": "direct",
        "مباشرة": "direct",
        "تدريب مباشر": "direct",
    },
    "outcome": {
        "complete": "completed",
        "passed": "completed",
        "pass": "completed",
        "أكمل": "completed",
        "مكتمل": "completed",
        "ناجح": "completed",
        "not completed": "incomplete",
        "لم يكمل": "incomplete",
        "غير مكتمل": "incomplete",
        "withdrew": "withdrawn",
        "انسحب": "withdrawn",
        "منسحب": "withdrawn",
    },
}

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_PUNCTUATION = re.compile(r"[.\-_/\\()\[\]،,:;'\"`«»]+")
VERSION_KEY = "imports:synonyms:version"


def spelling_key(text) -> str:
    """The comparison form of a written value (see the module's docstring)."""
    folded = normalize_arabic(_PUNCTUATION.sub(" ", str(text or "").translate(_DIGITS)))
    words = folded.split()
    kept = [word for word in words if word not in NOISE_WORDS]
    return " ".join(kept or words)


def _without_article(key: str) -> str:
    """ "الرائد" → "رائد": the first word without the Arabic article (ال), when it has one."""
    if key.startswith("ال") and len(key.split()[0]) > 3:
        return key[2:]
    return key


def _labels_map(choices: type[TextChoices]) -> dict[str, str]:
    mapping = {}
    for member in choices:
        mapping[spelling_key(member.value)] = member.value
        for language in ("en", "ar"):
            with translation.override(language):
                mapping[spelling_key(str(member.label))] = member.value
    return mapping


def _build(choice: str) -> dict[str, str]:
    from imports.models import ValueSynonym  # the model imports this module for its keys

    mapping = _labels_map(CHOICES[choice])
    mapping.update((spelling_key(written), value) for written, value in BUILT_IN[choice].items())
    mapping.update(ValueSynonym.objects.filter(choice=choice).values_list("written_key", "value"))
    mapping.pop("", None)
    return mapping


_tables: dict = {"version": None, "maps": {}}


def synonyms_changed() -> None:
    """Every process rebuilds its tables before the next reading (called when a spelling is saved)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, timeout=None)
    _tables["version"], _tables["maps"] = None, {}


def value_map(choice: str) -> dict[str, str]:
    """Every accepted spelling key of ``choice`` → its stored value."""
    version = cache.get(VERSION_KEY, 0)
    if _tables["version"] != version:
        _tables["version"], _tables["maps"] = version, {}
    maps = _tables["maps"]
    if choice not in maps:
        maps[choice] = _build(choice)
    return maps[choice]


def choice_value(choice: str, written) -> str | None:
    """The stored value ``written`` stands for, or None."""
    mapping = value_map(choice)
    key = spelling_key(written)
    return mapping.get(key) or mapping.get(_without_article(key))


def accepted_values(choice: str) -> str:
    """The labels of ``choice``'s members in the active language, for an error message."""
    separator = "، " if (translation.get_language() or "").startswith("ar") else ", "
    return separator.join(str(m.label) for m in CHOICES[choice])


def value_choices() -> list:
    """The stored values of every choice, grouped by choice, for the administrator's form."""
    return [(CHOICE_LABELS[name], [(m.value, m.label) for m in enum]) for name, enum in CHOICES.items()]
