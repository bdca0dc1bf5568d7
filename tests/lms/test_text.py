import pytest

from lms.text import normalize_arabic


@pytest.mark.parametrize(
    "variant,canonical",
    [
        ("أحمد", "احمد"),
        ("إبراهيم", "ابراهيم"),
        ("آمنة", "امنه"),
        ("فاطمة", "فاطمه"),
        ("علىّ", "علي"),
        ("مُحَمَّد", "محمد"),
        ("محـــمد", "محمد"),
        ("  علي   حسين ", "علي حسين"),
    ],
)
def test_it_folds_arabic_spelling_variants(variant, canonical):
    assert normalize_arabic(variant) == canonical


def test_variants_of_one_name_match_each_other():
    assert normalize_arabic("عبد الله أحمد إسماعيل") == normalize_arabic("عبد الله احمد اسماعيل")
