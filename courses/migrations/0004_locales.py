"""Content locales: Arabic (default, created by Wagtail), English, and Kurdish (Sorani) for later."""

from django.db import migrations


def create_locales(apps, schema_editor):
    Locale = apps.get_model("wagtailcore", "Locale")
    for code in ("ar", "en", "ckb"):
        Locale.objects.get_or_create(language_code=code)


class Migration(migrations.Migration):
    dependencies = [("courses", "0003_course_pages_and_authors"), ("wagtailcore", "0098_apitoken")]
    operations = [migrations.RunPython(create_locales, migrations.RunPython.noop)]
