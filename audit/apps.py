from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Directorate audit")

    def ready(self) -> None:
        from audit import signals  # noqa: F401 — connects the receivers that keep the facts current
