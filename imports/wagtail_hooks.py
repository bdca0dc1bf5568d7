"""The import pages live in the Wagtail admin (/admin/imports/), with a menu item for the roles
that may import (``imports.access``); the value spellings (``ValueSynonym``) are edited by
administrators under /admin/imports/spellings/."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from imports import access
from imports.models import ValueSynonym


class AdministratorsOnly(ModelPermissionPolicy):
    """Every action for administrators (``imports.access``), none for anyone else."""

    def user_has_permission(self, user, action):
        return bool(getattr(user, "is_active", False)) and access.is_administrator(user)

    def user_has_any_permission(self, user, actions):
        return self.user_has_permission(user, "change")


# Registered before any screen asks for the model's policy (Wagtail refuses a later registration).
register_permission_policy(ValueSynonym, AdministratorsOnly(ValueSynonym))


class ValueSynonymViewSet(ModelViewSet):
    model = ValueSynonym
    name = "value_spellings"
    url_prefix = "imports/spellings"
    icon = "edit"
    menu_label = _("Value spellings")
    add_to_admin_menu = True
    menu_order = 321
    inspect_view_enabled = False
    copy_view_enabled = False
    list_display = ["written", "choice", "value"]
    list_filter = ["choice"]
    search_fields = ["written"]
    panels = [FieldPanel("choice"), FieldPanel("written"), FieldPanel("value")]


@hooks.register("register_admin_viewset")
def register_value_spellings():
    return ValueSynonymViewSet()


class ImportsMenuItem(MenuItem):
    def is_shown(self, request):
        return bool(access.import_kinds_for(request.user))


@hooks.register("register_admin_urls")
def register_import_urls():
    return [path("imports/", include("imports.urls", namespace="imports"))]


@hooks.register("register_admin_menu_item")
def register_imports_menu_item():
    return ImportsMenuItem(_("Bulk imports"), reverse("imports:index"), icon_name="upload", order=320)


@hooks.register("ops_stuck_jobs")
def stuck_import_jobs():
    """Admin → Reports → Background tasks: import jobs queued or running for too long."""
    from imports.models import ImportJob, JobStatus
    from ops.task_views import StuckJob, stuck_after

    jobs = ImportJob.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING], created_at__lt=stuck_after())
    return [
        StuckJob(
            kind=str(_("Import job")),
            label=str(job),
            status=job.get_status_display(),
            since=job.started_at or job.created_at,
            url=reverse("imports:job", args=[job.pk]),
        )
        for job in jobs.order_by("created_at")[:100]
    ]
