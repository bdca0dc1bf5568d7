"""Arabic name normalisation, so spelling variants of one name match each other.

The folding itself lives in ``courses.text`` (the site search uses it too); names are compared in
their normalised form only, and the name as written is always kept for display and certificates.
"""

from courses.text import normalize_arabic

__all__ = ["normalize_arabic"]
