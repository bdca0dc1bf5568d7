from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self) -> None:
        from courses import numbers, signals  # noqa: F401 — signals connects the receivers

        numbers.install()  # every number field accepts Arabic-Indic digits
