"""Admin screen for the course catalogue.

Only administrators may add or change a course (the other roles hold ``view_course`` at most, see
``lms.roles``); the course code is what sessions and imports refer to.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.admin.viewsets.model import ModelViewSet

from courses.models import Course


class CourseViewSet(ModelViewSet):
    model = Course
    icon = "doc-full"
    menu_label = _("Course catalogue")
    menu_order = 210
    add_to_admin_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["code", "title_ar", "title_en", "hours"]
    search_fields = ["code", "title_ar", "title_en"]
    panels = [
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("code"), FieldPanel("hours"), FieldPanel("sort_order")])],
            heading=_("Course"),
        ),
        MultiFieldPanel([FieldPanel("title_ar"), FieldPanel("audience_ar")], heading=_("Arabic")),
        MultiFieldPanel([FieldPanel("title_en"), FieldPanel("audience_en")], heading=_("English")),
    ]


@hooks.register("register_admin_viewset")
def register_course_viewset() -> CourseViewSet:
    return CourseViewSet("courses")
