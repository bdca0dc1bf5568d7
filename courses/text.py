"""Arabic spelling normalisation, so variants of one name or word match each other.

Iraqi rosters write one name many ways: أحمد / احمد / إحمد, فاطمة / فاطمه, علي / على, with or
without diacritics or tatweel (ـ). Matching and search compare the normalised form only; the
text as written is always kept for display and certificates.

``search_words`` goes one step further for the site search: each word also loses the article
(ال, and وال / بال / كال / فال / لل), so "تعذيب" finds "التعذيب" and "حقوق الانسان" finds
"حقوق الإنسان".
"""

import re

from courses.numbers import DIGIT_FORMS

_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
_ALEF_FORMS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})
# Letters and digits a Persian keyboard types for Arabic ones (فارسی ی, ک, ە…): "الزبیر" is "الزبير".
_PERSIAN_FORMS = str.maketrans({"ی": "ي", "ې": "ي", "ک": "ك", "ۀ": "ه", "ھ": "ه", "ە": "ه"} | DIGIT_FORMS)
_SPACES = re.compile(r"\s+")


def normalize_arabic(text: str) -> str:
    """Fold alef forms, taa marbuta→haa, alef maqsura and Persian yeh→yaa, Persian kaf→kaf, Persian and
    Arabic-Indic digits→digits; drop diacritics and tatweel; squeeze spaces."""
    text = _DIACRITICS.sub("", text or "").replace(_TATWEEL, "")
    text = text.translate(_ALEF_FORMS).translate(_PERSIAN_FORMS)
    return _SPACES.sub(" ", text).strip().lower()


_WORD = re.compile(r"\w+")
_ARTICLES = ("وال", "بال", "كال", "فال", "ال", "لل")
_MIN_STEM = 2


def search_word(word: str) -> str:
    """One word's search key: spelling folded and a leading article removed."""
    word = normalize_arabic(word)
    for article in _ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= _MIN_STEM:
            return word[len(article) :]
    return word


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """Each word of ``text`` as (start, end, search key)."""
    return [(m.start(), m.end(), search_word(m.group())) for m in _WORD.finditer(text or "")]


def search_words(text: str) -> list[str]:
    """The distinct search keys of ``text``, in order."""
    keys: list[str] = []
    for _start, _end, key in word_spans(text):
        if key and key not in keys:
            keys.append(key)
    return keys
