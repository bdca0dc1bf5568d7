from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("People and places")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from lms.roles import sync_role_permissions

        # Permissions exist only after every app's migrations ran, so the role groups (created by
        # a migration) get their permissions here, idempotently, after each migrate.
        post_migrate.connect(sync_role_permissions, sender=self)
