"""The import pages live in the Wagtail admin (/admin/imports/), with a menu item for the roles
that may import (``imports.access``)."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from imports import access


class ImportsMenuItem(MenuItem):
    def is_shown(self, request):
        return bool(access.import_kinds_for(request.user))


@hooks.register("register_admin_urls")
def register_import_urls():
    return [path("imports/", include("imports.urls", namespace="imports"))]


@hooks.register("register_admin_menu_item")
def register_imports_menu_item():
    return ImportsMenuItem(_("Bulk imports"), reverse("imports:index"), icon_name="upload", order=320)
