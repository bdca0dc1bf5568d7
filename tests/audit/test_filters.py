"""The dashboard's filter labels are put in the reader's language when shown, not when imported."""

from django.utils import translation

from audit.filters import GENERATION_CHOICES


def test_generation_labels_follow_the_language_of_the_request():
    with translation.override("en"):
        assert [str(label) for _value, label in GENERATION_CHOICES][:2] == ["Generation 1", "Generation 2"]
    with translation.override("ar"):
        arabic = str(GENERATION_CHOICES[0][1])
    assert arabic != "Generation 1" and "1" in arabic
