"""Admin screen for the national training plan. Staff roles view it; administrators edit it
(bulk loads go through the targets import)."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.admin.viewsets.model import ModelViewSet

from plans.models import Target


class TargetViewSet(ModelViewSet):
    model = Target
    name = "targets"
    icon = "table"
    menu_label = _("Training targets")
    add_to_admin_menu = True
    menu_order = 310
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["year", "governorate", "training_centre", "course", "target_participants", "target_women"]
    list_filter = ["year", "governorate", "course"]
    search_fields = ["governorate__name_en", "governorate__name_ar", "course__code"]
    panels = [
        FieldRowPanel([FieldPanel("year"), FieldPanel("course")]),
        FieldRowPanel([FieldPanel("governorate"), FieldPanel("training_centre")]),
        FieldRowPanel([FieldPanel("target_participants"), FieldPanel("target_women")]),
    ]


@hooks.register("register_admin_viewset")
def register_target_viewset():
    return TargetViewSet()
