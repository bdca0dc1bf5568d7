"""Admin view: per course, which pages lack a current translation (for reviewers and authors)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from courses.authoring import REVIEWER_GROUP, courses_authored_by
from courses.selectors import CURRENT, MISSING, OUTDATED, translation_status


def can_see_translation_report(user) -> bool:
    return user.is_superuser or user.groups.filter(name=REVIEWER_GROUP).exists() or bool(courses_authored_by(user))


class TranslationReportView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "courses/admin/translation_report.html"
    page_title = _("Course translations")
    header_icon = "globe"

    def dispatch(self, request, *args, **kwargs):
        if not can_see_translation_report(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        reviewer = user.is_superuser or user.groups.filter(name=REVIEWER_GROUP).exists()
        locales, report = translation_status(courses=None if reviewer else courses_authored_by(user))
        chosen = self.request.GET.get("locale") or "en"
        locale = next((loc for loc in locales if loc.language_code == chosen), locales[0] if locales else None)
        context.update(
            locales=locales,
            locale=locale,
            courses=[
                {
                    "course": entry.course,
                    "missing": entry.count(locale, MISSING),
                    "outdated": entry.count(locale, OUTDATED),
                    "current": entry.count(locale, CURRENT),
                    "rows": [
                        (row.source, next(cell for cell in row.cells if cell.locale == locale))
                        for row in entry.rows
                        if any(cell.locale == locale and cell.status != CURRENT for cell in row.cells)
                    ],
                }
                for entry in report
            ]
            if locale
            else [],
            MISSING=MISSING,
            OUTDATED=OUTDATED,
        )
        return context
