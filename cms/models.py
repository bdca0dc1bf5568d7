"""The public site shell.

Nouns: ``HomePage`` (the root of each language's page tree), ``CourseCataloguePage`` (lists the
course pages under it), ``AboutPage``. Navigation is the home page's children marked "show in
menus", in the visitor's language. Course content itself lives in ``courses``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from courses.blocks import RICH_TEXT_FEATURES
from courses.models import CoursePage


class HomePage(Page):
    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, "intro"]
    max_count_per_parent = 1
    subpage_types = ["cms.CourseCataloguePage", "cms.AboutPage"]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["course_pages"] = (
            CoursePage.objects.live().filter(locale=self.locale).select_related("course").order_by("course__sort_order")
        )
        context["catalogue"] = CourseCataloguePage.objects.live().filter(locale=self.locale).first()
        return context


class CourseCataloguePage(Page):
    """The list of courses in one language."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, "intro"]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["courses.CoursePage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("course catalogue")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["course_pages"] = (
            CoursePage.objects.child_of(self).live().select_related("course").order_by("course__sort_order")
        )
        return context


class AboutPage(Page):
    body = RichTextField(_("body"), features=RICH_TEXT_FEATURES)
    contact = models.TextField(_("contact"), blank=True)

    content_panels = [*Page.content_panels, "body", "contact"]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("about page")
