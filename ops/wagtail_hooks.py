"""Admin integration: widgets started under the Content-Security-Policy, and the record history."""

from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem


@hooks.register("insert_global_admin_js")
def admin_widget_initialiser():
    return format_html('<script src="{}"></script>', static("ops/admin_init.js"))


@hooks.register("register_admin_urls")
def record_history_urls():
    from django.urls import path

    from ops import history_views, privacy_views, task_views

    return [
        path("privacy/people/<int:pk>/export/", privacy_views.export_person, name="ops_person_export"),
        path("privacy/people/<int:pk>/anonymise/", privacy_views.anonymise_person, name="ops_person_anonymise"),
        path("record-history/", history_views.recent_changes, name="ops_recent_changes"),
        path("reports/background-tasks/", task_views.background_tasks, name="ops_background_tasks"),
        path("record-history/<str:model>/<int:pk>/", history_views.record_history, name="ops_record_history"),
    ]


class RecordHistoryMenuItem(MenuItem):
    def is_shown(self, request):
        from ops.history_views import readable_models

        return bool(readable_models(request.user))


@hooks.register("register_admin_menu_item")
def record_history_menu_item():
    return RecordHistoryMenuItem(
        _("Record history"), reverse("ops_recent_changes"), icon_name="history", order=900, name="record-history"
    )


class BackgroundTasksMenuItem(MenuItem):
    def is_shown(self, request):
        from ops.task_views import can_see_background_tasks

        return can_see_background_tasks(request.user)


@hooks.register("register_reports_menu_item")
def background_tasks_menu_item():
    return BackgroundTasksMenuItem(
        _("Background tasks"), reverse("ops_background_tasks"), icon_name="cogs", order=950, name="background-tasks"
    )


@hooks.register("register_log_actions")
def privacy_log_actions(actions):
    actions.register_action("ops.person_export", _("Export everything held"), _("Exported everything held"))
    actions.register_action("ops.person_anonymise", _("Anonymise"), _("Anonymised"))


@hooks.register("register_snippet_listing_buttons")
def person_privacy_buttons(snippet, user, next_url=None):
    from cascade.permissions import is_administrator
    from lms.models import Person

    if not isinstance(snippet, Person) or not is_administrator(user):
        return []
    from wagtail.admin.widgets import ListingButton

    return [
        ListingButton(_("Export (JSON)"), reverse("ops_person_export", args=[snippet.pk]), priority=80),
        ListingButton(_("Anonymise"), reverse("ops_person_anonymise", args=[snippet.pk]), priority=90),
        ListingButton(_("History"), reverse("ops_record_history", args=["lms.person", snippet.pk]), priority=70),
    ]
