"""The catalogue of the eight mandatory MPS courses.

Nouns: ``Course`` (the catalogue record), ``CoursePage`` / ``ModulePage`` / ``LessonPage`` (its
content as Wagtail pages, one tree per language) and ``CourseAuthor`` (who may draft a course's
pages). Invariants: a course code (``MPS-01`` … ``MPS-08``) is unique and never
changes once sessions reference it; every course has an Arabic and an English title. The CMS
pages that carry a course's content hang from this record; this app holds no learner data.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList, TabbedInterface
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from courses.blocks import LessonBodyBlock, QuizBankBlock


class Course(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True)
    title_en = models.CharField(_("English title"), max_length=200)
    title_ar = models.CharField(_("Arabic title"), max_length=200)
    hours = models.PositiveSmallIntegerField(_("face-to-face hours"))
    audience_en = models.TextField(_("audience (English)"), blank=True)
    audience_ar = models.TextField(_("audience (Arabic)"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="course_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    @property
    def title(self) -> str:
        """The title in the active language (Arabic unless English is active)."""
        return self.title_en if (get_language() or "ar").startswith("en") else self.title_ar

    def natural_key(self) -> tuple[str]:
        return (self.code,)


# --- Course content as Wagtail pages ---------------------------------------------------------
#
# Page tree, per locale (Arabic is the source, English and later Kurdish are translations that
# share each page's ``translation_key``): catalogue (cms) → CoursePage → ModulePage → LessonPage.
# Module and lesson order is the page-tree order. E-learning progress is keyed on
# ``translation_key``, so it survives switching language.


class PageLanguageMixin:
    """Render a page in its own locale's language (``/en/…`` is English whatever the cookie says).

    Each language's home page is a locale root (``/ar/``, ``/en/``); the page's address decides
    its language, so links can be shared and search engines see one language per address.
    """

    def serve(self, request, *args, **kwargs):
        return self._in_own_language(request, super().serve, *args, **kwargs)

    def serve_preview(self, request, *args, **kwargs):
        return self._in_own_language(request, super().serve_preview, *args, **kwargs)

    def _in_own_language(self, request, serve, *args, **kwargs):
        language = self.locale.language_code
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = serve(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        response.headers.setdefault("Content-Language", language)
        return response


class CoursePage(PageLanguageMixin, Page):
    """One course's public page in one language, hanging from the course catalogue.

    Invariant: at most one CoursePage per course and locale (checked in ``clean``).
    """

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="pages")
    summary = models.TextField(_("summary"))
    objectives = StreamField(
        [("objective", blocks.CharBlock(label=_("objective"), max_length=400))],
        verbose_name=_("learning objectives"),
        blank=True,
    )
    audience = models.TextField(_("audience"), blank=True)
    theme_human_rights = models.TextField(_("human rights in this course"), blank=True)
    theme_womens_access = models.TextField(_("women's access to justice in this course"), blank=True)
    quiz_bank = StreamField(
        QuizBankBlock(),
        verbose_name=_("quiz bank"),
        blank=True,
        help_text=_("Questions for module quizzes (with a module number) and for the pre-test and post-test."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("course"),
        FieldPanel("summary"),
        FieldPanel("audience"),
        FieldPanel("objectives"),
        MultiFieldPanel(
            [FieldPanel("theme_human_rights"), FieldPanel("theme_womens_access")],
            heading=_("Cross-cutting themes"),
        ),
    ]
    quiz_panels = [FieldPanel("quiz_bank")]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Content")),
            ObjectList(quiz_panels, heading=_("Quiz bank")),
            ObjectList(Page.promote_panels, heading=_("Promote")),
            ObjectList(Page.settings_panels, heading=_("Settings")),
        ]
    )
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("audience"),
        index.SearchField("objectives"),
    ]
    parent_page_types = ["cms.CourseCataloguePage"]
    subpage_types = ["courses.ModulePage"]

    class Meta:
        verbose_name = _("course page")

    def clean(self):
        super().clean()
        if self.course_id and self.locale_id:
            others = CoursePage.objects.filter(course_id=self.course_id, locale_id=self.locale_id).exclude(pk=self.pk)
            if others.exists():
                raise ValidationError({"course": _("This course already has a page in this language.")})

    def modules(self):
        return ModulePage.objects.child_of(self).live().order_by("path")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        modules = list(self.modules())
        lessons = LessonPage.objects.live().descendant_of(self).order_by("path")
        by_module: dict[str, list] = {}
        for lesson in lessons:
            by_module.setdefault(lesson.path[: -Page.steplen], []).append(lesson)
        context["modules"] = [(module, by_module.get(module.path, [])) for module in modules]
        return context


class ModulePage(PageLanguageMixin, Page):
    """A module of a course; its number is its position among the course's live modules."""

    summary = models.TextField(_("summary"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("summary")]
    search_fields = [*Page.search_fields, index.SearchField("summary")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("module")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["course_page"] = self.get_parent().specific
        context["lessons"] = LessonPage.objects.child_of(self).live().order_by("path")
        return context


class LessonPage(PageLanguageMixin, Page):
    """A lesson: its body is a stream of text, media, scenarios, key points and knowledge checks."""

    body = StreamField(LessonBodyBlock(), verbose_name=_("lesson content"))

    content_panels = [*Page.content_panels, FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    parent_page_types = ["courses.ModulePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("lesson")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        module = self.get_parent().specific
        siblings = list(LessonPage.objects.child_of(module).live().order_by("path").only("id", "title", "url_path"))
        position = next((i for i, lesson in enumerate(siblings) if lesson.pk == self.pk), None)
        context["module_page"] = module
        context["course_page"] = module.get_parent().specific
        if position is not None:
            context["previous_lesson"] = siblings[position - 1] if position > 0 else None
            context["next_lesson"] = siblings[position + 1] if position + 1 < len(siblings) else None
        return context


class CourseAuthor(models.Model):
    """A trainer assigned by an administrator to author one course's pages (every language).

    Saving or deleting an assignment updates the user's membership of the course's author group,
    which holds the page permissions (see ``courses.authoring``).
    """

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="authors")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.CASCADE, related_name="course_authorships"
    )
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        verbose_name = _("course author")
        verbose_name_plural = _("course authors")
        ordering = ["course__sort_order", "user__username"]
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="course_author_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.course.code}"
