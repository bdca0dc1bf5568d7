from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldkitConfig(AppConfig):
    name = "fieldkit"
    verbose_name = _("Offline field kit")
