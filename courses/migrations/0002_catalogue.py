from django.db import migrations

from courses.reference.catalogue import COURSES


def load_catalogue(apps, schema_editor):
    Course = apps.get_model("courses", "Course")
    for order, (code, title_en, title_ar, hours, audience_en, audience_ar) in enumerate(COURSES, start=1):
        Course.objects.update_or_create(
            code=code,
            defaults={
                "title_en": title_en,
                "title_ar": title_ar,
                "hours": hours,
                "audience_en": audience_en,
                "audience_ar": audience_ar,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]
    operations = [migrations.RunPython(load_catalogue, migrations.RunPython.noop)]
