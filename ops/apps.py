from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = _("Security and operations")

    def ready(self):
        # A worker's heartbeat and the record of which messages it holds (Celery signals).
        from ops import workers  # noqa: F401
