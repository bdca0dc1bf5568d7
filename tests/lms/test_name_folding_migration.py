"""Names stored before the normaliser read Persian-keyboard letters are folded again by migration."""

import importlib

import pytest
from django.apps import apps

from lms.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_a_name_stored_with_a_persian_yeh_matches_its_arabic_spelling_after_the_migration():
    migration = importlib.import_module("lms.migrations.0004_person_names_renormalized")
    typed = PersonFactory(name_ar="حسین کاظم")
    plain = PersonFactory(name_ar="علي حسن")
    # As the earlier normaliser stored it: the Persian letters left as typed.
    Person.objects.filter(pk=typed.pk).update(name_ar_normalized="حسین کاظم")

    migration.names_fold_again(apps, None)

    typed.refresh_from_db()
    assert typed.name_ar_normalized == "حسين كاظم"
    assert Person.objects.filter(pk=plain.pk, name_ar_normalized="علي حسن").exists()
