from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("People and places")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from lms import outline  # noqa: F401 — connects the receivers that drop cached course plans
        from lms.roles import sync_role_permissions

        # Permissions exist only once every app's post_migrate has created them, so the role groups
        # (created by a migration) get theirs after each migrate (see sync_role_permissions).
        post_migrate.connect(sync_role_permissions, dispatch_uid="lms.sync_role_permissions")
