"""Administrators' value spellings keyed again: the spelling key now folds Persian-keyboard letters
and digits as the Arabic ones and drops an officer's qualification after the rank ("الحقوقي",
"المهندس"), so a spelling stored before under its old key is looked up under its key of today.
Two spellings of one choice that now share a key are one: the earliest stays, the others go."""

from django.db import migrations


def value_synonyms_rekey(apps, schema_editor):
    from imports.synonyms import spelling_key  # the key as it is now is the point

    ValueSynonym = apps.get_model("imports", "ValueSynonym")
    kept: dict[tuple[str, str], int] = {}
    duplicates, changed = [], []
    for synonym in ValueSynonym.objects.order_by("pk").only("pk", "choice", "written", "written_key"):
        key = spelling_key(synonym.written)
        if (synonym.choice, key) in kept:
            duplicates.append(synonym.pk)
            continue
        kept[(synonym.choice, key)] = synonym.pk
        if key != synonym.written_key:
            synonym.written_key = key
            changed.append(synonym)
    ValueSynonym.objects.filter(pk__in=duplicates).delete()
    # Through a key no spelling has first (a key holds no dot): a new key may be another row's old one.
    for synonym in changed:
        ValueSynonym.objects.filter(pk=synonym.pk).update(written_key=f"..{synonym.pk}")
    ValueSynonym.objects.bulk_update(changed, ["written_key"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("imports", "0004_column_mappings")]

    operations = [migrations.RunPython(value_synonyms_rekey, migrations.RunPython.noop, elidable=True)]
