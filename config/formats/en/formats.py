# English (for Iraq): the convention is described in config/formats/__init__.py. The formats are
# Arabic's (day first, "," for thousands, "." for decimals); only the comma before the time differs.
from config.formats.ar.formats import (  # noqa: F401  (Django reads these names from this module)
    DATE_FORMAT,
    DATE_INPUT_FORMATS,
    DATETIME_INPUT_FORMATS,
    DECIMAL_SEPARATOR,
    FIRST_DAY_OF_WEEK,
    MONTH_DAY_FORMAT,
    NUMBER_GROUPING,
    SHORT_DATE_FORMAT,
    THOUSAND_SEPARATOR,
    TIME_FORMAT,
    TIME_INPUT_FORMATS,
    YEAR_MONTH_FORMAT,
)

DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
