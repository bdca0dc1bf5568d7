"""The public site shell.

Nouns: ``SiteRootPage`` (the site's root: sends ``/`` to the visitor's language), ``HomePage``
(one per language, at ``/ar/``, ``/en/``…: the locale roots), ``CourseCataloguePage`` (lists the
course pages under it), ``AboutPage``. Every page renders in its own language, whatever the
visitor's cookie says, so a page's address alone decides its language. Navigation is the home
page's children marked "show in menus", in the page's language. Course content itself lives in ``courses``.
"""

from django.db import models
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail.fields import RichTextField
from wagtail.models import Locale, Page
from wagtail.search import index

from courses.blocks import RICH_TEXT_FEATURES
from courses.models import CoursePage, PageLanguageMixin


class SiteRootPage(Page):
    """The site's root page: no content, it redirects to the home page in the visitor's language."""

    max_count = 1
    subpage_types = ["cms.HomePage"]

    class Meta:
        verbose_name = _("site root")

    def get_translation(self, locale):
        """Every language's home page hangs from this one root, so translating a home page into a
        new language (Kurdish later) creates it here, beside the others."""
        return self

    def serve(self, request, *args, **kwargs):
        homes = HomePage.objects.child_of(self).live()
        home = homes.filter(locale=Locale.get_active()).first() or homes.filter(locale__language_code="ar").first()
        if home is None:
            return super().serve(request, *args, **kwargs)
        return redirect(home.get_url(request))


class HomePage(PageLanguageMixin, Page):
    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, "intro"]
    parent_page_types = ["cms.SiteRootPage"]
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


class CourseCataloguePage(PageLanguageMixin, Page):
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


class AboutPage(PageLanguageMixin, Page):
    body = RichTextField(_("body"), features=RICH_TEXT_FEATURES)
    contact = models.TextField(_("contact"), blank=True)

    content_panels = [*Page.content_panels, "body", "contact"]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("about page")
