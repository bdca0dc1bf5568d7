"""Value spellings stored under the spelling key of before (Persian letters left as typed, an
officer's qualification kept) are keyed again by migration, and match the files' cells again."""

import importlib

import pytest
from django.apps import apps
from django.core.cache import cache

from imports import synonyms
from imports.models import ValueSynonym

pytestmark = pytest.mark.django_db


def stored_before(choice: str, written: str, value: str, old_key: str) -> ValueSynonym:
    """A spelling as the earlier key function stored it."""
    ValueSynonym.objects.bulk_create([ValueSynonym(choice=choice, written=written, value=value, written_key=old_key)])
    return ValueSynonym.objects.get(choice=choice, written=written)


def test_spellings_stored_under_old_keys_match_again_and_the_earliest_of_two_now_alike_stays():
    migration = importlib.import_module("imports.migrations.0005_value_synonyms_refolded")
    # The qualification was part of the key, and the same spelling without it was added later.
    qualified = stored_before("rank", "ضابط صف اقدم مهندس", "chief_sergeant", "ضابط صف اقدم مهندس")
    later = stored_before("rank", "ضابط صف اقدم", "sergeant", "ضابط صف اقدم")
    # Typed on a Persian keyboard: the key kept its ی and ک and its Persian digits.
    persian = stored_before("kind", "تدریب کادر ۲", "cascade", "تدریب کادر ۲")
    # Two spellings whose new keys are each other's old ones (no row may collide on the way).
    first = stored_before("outcome", "منجز", "completed", "منجز تماما")
    second = stored_before("outcome", "منجز تماما", "completed", "منجز")
    cache.clear()
    synonyms.synonyms_changed()
    assert synonyms.choice_value("kind", "تدريب كادر 2") is None  # not found under its old key

    migration.value_synonyms_rekey(apps, None)

    synonyms.synonyms_changed()
    assert set(ValueSynonym.objects.values_list("pk", flat=True)) == {qualified.pk, persian.pk, first.pk, second.pk}
    assert not ValueSynonym.objects.filter(pk=later.pk).exists()
    assert ValueSynonym.objects.get(pk=qualified.pk).written_key == "ضابط صف اقدم"
    assert synonyms.choice_value("rank", "ضابط صف أقدم المهندس") == "chief_sergeant"  # the earliest's value
    assert synonyms.choice_value("kind", "تدريب كادر 2") == "cascade"
    assert ValueSynonym.objects.get(pk=first.pk).written_key == "منجز"
    assert ValueSynonym.objects.get(pk=second.pk).written_key == "منجز تماما"
