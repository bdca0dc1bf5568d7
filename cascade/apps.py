from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CascadeConfig(AppConfig):
    name = "cascade"
    verbose_name = _("Cascade training")

    def ready(self) -> None:
        from cascade import lineage

        # Keep the lineage index in step with every trainer or participation row saved or deleted.
        lineage.connect_receivers()
