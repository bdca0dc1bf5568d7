"""Reference data every database needs: the 18 governorates and the seven role groups.

The groups' permissions are set after each migrate by ``lms.roles.sync_role_permissions``.
"""

from django.db import migrations

from lms.reference.places import GOVERNORATES
from lms.roles import ROLES


def load(apps, schema_editor):
    Governorate = apps.get_model("lms", "Governorate")
    Group = apps.get_model("auth", "Group")
    for code, name_en, name_ar, kurdistan in GOVERNORATES:
        Governorate.objects.update_or_create(
            code=code, defaults={"name_en": name_en, "name_ar": name_ar, "is_kurdistan_region": kurdistan}
        )
    for role in ROLES:
        Group.objects.get_or_create(name=role)


class Migration(migrations.Migration):
    dependencies = [("lms", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
