"""Numbers typed on any keyboard: Arabic-Indic (٠-٩) and Persian (۰-۹) digits are read as 0-9.

An Arabic keyboard types ٦٥; a browser's ``<input type="number">`` silently drops such a value,
so the form received nothing. Every number field of the site (Django's IntegerField, DecimalField
and FloatField, hence every model form, the workspace's roster and the Wagtail admin) uses
``NumberInput`` instead: a text box that opens the phone's numeric keypad and hands the server the
digits as typed, turned into 0-9 here before the field parses them. ``install`` sets it as those
fields' default widget (``CoursesConfig.ready``).
"""

from django import forms

# The digits alone, for text that is not a number to parse (a service number, a name's key).
DIGIT_FORMS = {
    **{chr(0x0660 + n): str(n) for n in range(10)},  # Arabic-Indic ٠-٩
    **{chr(0x06F0 + n): str(n) for n in range(10)},  # Extended Arabic-Indic (Persian, Urdu) ۰-۹
}
WESTERN_DIGITS = str.maketrans(DIGIT_FORMS)
_DIGITS = str.maketrans(
    {
        **DIGIT_FORMS,
        "\u066b": ".",  # Arabic decimal separator ٫
        "\u066c": "",  # Arabic thousands separator ٬
        "\u060c": "",  # Arabic comma ، (typed as a thousands separator)
    }
)


def western_digits(text: str) -> str:
    """``text`` with Arabic-Indic and Persian digits and separators written as 0-9 and '.'."""
    return text.translate(_DIGITS).strip()


class NumberInput(forms.NumberInput):
    """A number box that accepts any digits (see module docstring); ``dir=ltr`` keeps 12.5 in order."""

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "dir": "ltr", "autocomplete": "off", **(attrs or {})})

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        return western_digits(value) if isinstance(value, str) else value


def install() -> None:
    """Make ``NumberInput`` the widget of every number form field created from now on."""
    for field in (forms.IntegerField, forms.DecimalField, forms.FloatField):
        field.widget = NumberInput
