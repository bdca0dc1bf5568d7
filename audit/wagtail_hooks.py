"""The way into the Directorate dashboard from the Wagtail admin.

Governorate officers and centre managers sign in to the admin, whose home page knows nothing of the
audit: a menu item and a home-page panel lead them to ``/audit/``. Both are shown to exactly the
people the dashboard itself admits (``audit_scope_for``), so nobody is offered a page that answers 403.
"""

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from audit.selectors import AuditScope, audit_scope_for

DASHBOARD_TITLE = _("Dashboard")


def dashboard_scope(user) -> AuditScope | None:
    """The facts the user may audit, or None when the dashboard is not for them."""
    try:
        return audit_scope_for(user)
    except PermissionDenied:
        return None


class DashboardMenuItem(MenuItem):
    def is_shown(self, request):
        return dashboard_scope(request.user) is not None


@hooks.register("register_admin_menu_item")
def register_dashboard_menu_item():
    return DashboardMenuItem(DASHBOARD_TITLE, reverse("audit:dashboard"), icon_name="table", order=50)


class DashboardPanel(Component):
    """The admin home's first panel for the dashboard's users: what their figures cover, and the link."""

    name = "audit_dashboard"
    template_name = "audit/admin/home_panel.html"
    order = 50

    def __init__(self, scope: AuditScope) -> None:
        self.scope = scope

    def get_context_data(self, parent_context=None):
        places = [] if self.scope.everything else [*self.scope.governorates(), *self.scope.centres()]
        return {
            "title": DASHBOARD_TITLE,
            "url": reverse("audit:dashboard"),
            "everything": self.scope.everything,
            "places": places,
        }


@hooks.register("construct_homepage_panels")
def add_dashboard_panel(request, panels):
    scope = dashboard_scope(request.user)
    if scope is not None:
        panels.append(DashboardPanel(scope))
