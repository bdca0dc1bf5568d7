"""People's matching names folded again: the normaliser now reads Persian-keyboard letters and
Persian or Arabic-Indic digits as the Arabic ones (``courses.text``), so a name stored before with
ی or ک matches its Arabic spelling in imports and searches."""

from django.db import migrations
from django.db.models import Q

# The characters whose folding changed; only names holding one need their matching form again.
CHANGED = "یېکۀھە۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩"


def names_fold_again(apps, schema_editor):
    from courses.text import normalize_arabic  # the normaliser as it is now is the point

    Person = apps.get_model("lms", "Person")
    holding = Q()
    for character in CHANGED:
        holding |= Q(name_ar__contains=character)
    changed = []
    for person in Person.objects.filter(holding).only("pk", "name_ar", "name_ar_normalized").iterator(2000):
        folded = normalize_arabic(person.name_ar)
        if folded != person.name_ar_normalized:
            person.name_ar_normalized = folded
            changed.append(person)
    Person.objects.bulk_update(changed, ["name_ar_normalized"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("lms", "0003_learning_records")]

    operations = [migrations.RunPython(names_fold_again, migrations.RunPython.noop, elidable=True)]
