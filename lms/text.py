"""Arabic name normalisation, so spelling variants of one name match each other.

Iraqi rosters write one name many ways: أحمد / احمد / إحمد, فاطمة / فاطمه, علي / على, with or
without diacritics or tatweel (ـ). Matching and search compare the normalised form only; the
name as written is always kept for display and certificates.
"""

import re

_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
_ALEF_FORMS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})
_SPACES = re.compile(r"\s+")


def normalize_arabic(text: str) -> str:
    """Fold alef forms, taa marbuta→haa, alef maqsura→yaa; drop diacritics and tatweel; squeeze spaces."""
    text = _DIACRITICS.sub("", text or "").replace(_TATWEEL, "")
    text = text.translate(_ALEF_FORMS)
    return _SPACES.sub(" ", text).strip().lower()
