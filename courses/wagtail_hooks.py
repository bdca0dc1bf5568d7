"""Admin screens: the course catalogue, course authors (assignments) and the translation report.

Only administrators may add or change a course (the other roles hold ``view_course`` at most, see
``lms.roles``); the course code is what sessions and imports refer to.
"""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.admin.viewsets.model import ModelViewSet

from courses.models import Course, CourseAuthor
from courses.views import TranslationReportView, can_see_translation_report


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


class CourseAuthorViewSet(ModelViewSet):
    """Administrators assign trainers to the courses whose pages they may draft."""

    model = CourseAuthor
    icon = "user"
    menu_label = _("Course authors")
    menu_order = 211
    add_to_admin_menu = True
    copy_view_enabled = False
    list_display = ["course", "user", "assigned_at"]
    list_filter = ["course"]
    form_fields = ["course", "user"]


@hooks.register("register_admin_viewset")
def register_course_author_viewset() -> CourseAuthorViewSet:
    return CourseAuthorViewSet("course_authors")


@hooks.register("register_admin_urls")
def register_translation_report_url():
    return [path("courses/translations/", TranslationReportView.as_view(), name="course_translation_report")]


class TranslationReportMenuItem(MenuItem):
    def is_shown(self, request):
        return can_see_translation_report(request.user)


@hooks.register("register_reports_menu_item")
def register_translation_report_menu_item():
    return TranslationReportMenuItem(
        _("Course translations"), reverse("course_translation_report"), icon_name="globe", order=700
    )
