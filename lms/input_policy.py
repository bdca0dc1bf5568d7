"""What text the records accept: one set of checks for names, service numbers and free text,
used by the forms (through ``Person.clean`` and the workspace's forms), the imports (every cell)
and every file this project writes for a spreadsheet.

- No field accepts NUL or another control character (free text keeps line breaks and tabs), nor
  a bidirectional control (U+202A–U+202E, U+2066–U+2069): a right-to-left override prints a name
  reversed on a certificate and on the verify page. Other invisible format characters are refused
  too, except the zero-width joiner and non-joiner that Arabic-script spelling uses.
- A name is letters and the marks written with them, spaces, digits and . ' - ( ).
- A service number is Latin letters and digits, then also - and / (Arabic-Indic digits are read
  as their Western forms): never ``=1+2`` or ``<b>SN</b>``, since it also becomes a login name.
- ``escape_formula`` neutralises text a spreadsheet would run as a formula, for every CSV or
  workbook written for people to open.

Each check raises ``ValidationError`` with a code and a message naming the field and the
character; it returns the value, stripped, when it passes.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from courses.numbers import WESTERN_DIGITS

BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
# Format characters Arabic-script spelling needs: zero-width non-joiner and joiner.
ALLOWED_FORMAT = frozenset({"\u200c", "\u200d"})
FREE_TEXT_CONTROLS = frozenset({"\n", "\r", "\t"})
NAME_PUNCTUATION = frozenset(" .'-()\u2019")
SERVICE_NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z/\-]*$")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

BIDI_REFUSED = _(
    "“{field}” holds a hidden direction control ({code}) that would print the text in another order; remove it."
)
CONTROL_REFUSED = _("“{field}” holds an invisible control character ({code}); remove it.")
NAME_CHARACTER_REFUSED = _("“{field}” may hold letters, digits, spaces and . ' - ( ) only, not “{character}” ({code}).")
SERVICE_NUMBER_REFUSED = _("“{value}” is not a service number: use letters, digits, - and / only.")


def _code(character: str) -> str:
    return f"U+{ord(character):04X}"


def refused_character(text: str, *, line_breaks: bool = False) -> tuple[str, str] | None:
    """The first character no field accepts, with its kind (``bidi`` or ``control``), or None."""
    for character in text:
        if character in BIDI_CONTROLS:
            return character, "bidi"
        if line_breaks and character in FREE_TEXT_CONTROLS:
            continue
        if unicodedata.category(character) in ("Cc", "Cf", "Cs", "Co", "Cn") and character not in ALLOWED_FORMAT:
            return character, "control"
    return None


def _refuse_hidden(text: str, field, *, line_breaks: bool) -> None:
    found = refused_character(text, line_breaks=line_breaks)
    if found is None:
        return
    character, kind = found
    message = BIDI_REFUSED if kind == "bidi" else CONTROL_REFUSED
    raise ValidationError(
        message.format(field=field, code=_code(character)),
        code="bidi_control" if kind == "bidi" else "control_character",
    )


def check_free_text(value: str, *, field) -> str:
    """Free text (notes, reasons, any imported cell): line breaks and tabs, nothing hidden."""
    text = str(value)
    _refuse_hidden(text, field, line_breaks=True)
    return text.strip()


def check_name(value: str, *, field) -> str:
    """A person's name, in Arabic or Latin letters."""
    text = str(value)
    _refuse_hidden(text, field, line_breaks=False)
    for character in text:
        if character.isalnum() or character in NAME_PUNCTUATION or unicodedata.category(character).startswith("M"):
            continue
        raise ValidationError(
            NAME_CHARACTER_REFUSED.format(field=field, character=character, code=_code(character)),
            code="name_character",
        )
    return text.strip()


def check_service_number(value: str, *, field=None) -> str:
    """A service number, with Arabic-Indic digits read as Western ones."""
    text = str(value).strip().translate(WESTERN_DIGITS)
    _refuse_hidden(text, field or _("service number"), line_breaks=False)
    if not SERVICE_NUMBER.match(text):
        raise ValidationError(SERVICE_NUMBER_REFUSED.format(value=text), code="service_number")
    return text


def escape_formula(value):
    """Text a spreadsheet would evaluate (leading = + - @ tab CR) gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
