"""Admin screen for the national training plan. Staff roles view it; administrators edit it
(bulk loads go through the targets import)."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.views.generic import DeleteView
from wagtail.admin.viewsets.model import ModelViewSet

from plans.forms import TargetForm
from plans.models import Target
from plans.signals import targets_changed


class TargetDeleteView(DeleteView):
    def delete_action(self):
        with transaction.atomic():
            super().delete_action()
            targets_changed.send(sender=Target)


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
    edit_handler = ObjectList(panels, base_form_class=TargetForm)
    delete_view_class = TargetDeleteView


@hooks.register("register_admin_viewset")
def register_target_viewset():
    return TargetViewSet()
