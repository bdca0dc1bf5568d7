"""The curriculum review workflow and its task named in Arabic and English (Wagtail shows the stored
name as it is, whatever the reader's language)."""

from django.db import migrations

OLD_WORKFLOW, NEW_WORKFLOW = "Curriculum review", "مراجعة المناهج / Curriculum review"
OLD_TASK, NEW_TASK = "Directorate curriculum review", "مراجعة المديرية للمناهج / Directorate curriculum review"


def rename(apps, old_workflow: str, new_workflow: str, old_task: str, new_task: str) -> None:
    apps.get_model("wagtailcore", "Workflow").objects.filter(name=old_workflow).update(name=new_workflow)
    apps.get_model("wagtailcore", "Task").objects.filter(name=old_task).update(name=new_task)


def forwards(apps, schema_editor):
    rename(apps, OLD_WORKFLOW, NEW_WORKFLOW, OLD_TASK, NEW_TASK)


def backwards(apps, schema_editor):
    rename(apps, NEW_WORKFLOW, OLD_WORKFLOW, NEW_TASK, OLD_TASK)


class Migration(migrations.Migration):
    dependencies = [("courses", "0004_locales"), ("wagtailcore", "0098_apitoken")]
    operations = [migrations.RunPython(forwards, backwards)]
