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

    from ops import history_views

    return [
        path("record-history/", history_views.recent_changes, name="ops_recent_changes"),
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
