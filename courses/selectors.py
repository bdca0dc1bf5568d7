"""Reads for the admin: which course pages lack a current translation."""

from __future__ import annotations

from dataclasses import dataclass

from wagtail.models import Locale, Page

from courses.models import Course, CoursePage

SOURCE_LANGUAGE = "ar"
MISSING, OUTDATED, CURRENT = "missing", "outdated", "current"


@dataclass(frozen=True)
class TranslationCell:
    locale: Locale
    status: str  # MISSING, OUTDATED or CURRENT
    page: Page | None


@dataclass(frozen=True)
class TranslationRow:
    source: Page
    cells: tuple[TranslationCell, ...]

    @property
    def needs_work(self) -> bool:
        return any(cell.status != CURRENT for cell in self.cells)


@dataclass(frozen=True)
class CourseTranslations:
    course: Course
    rows: tuple[TranslationRow, ...]

    def count(self, locale: Locale, status: str) -> int:
        return sum(1 for row in self.rows for cell in row.cells if cell.locale == locale and cell.status == status)


def _changed_at(page: Page):
    return page.last_published_at or page.latest_revision_created_at


def translation_status(*, courses=None) -> tuple[list[Locale], list[CourseTranslations]]:
    """For every course page tree in Arabic, each page's translation status in every other locale.

    A translation is *outdated* when the Arabic page was published (or, if never published,
    edited) after the translation's latest revision: the source moved on since it was translated.
    """
    source_locale = Locale.objects.get(language_code=SOURCE_LANGUAGE)
    locales = list(Locale.objects.exclude(pk=source_locale.pk).order_by("language_code"))
    course_pages = CoursePage.objects.filter(locale=source_locale).select_related("course")
    if courses is not None:
        course_pages = course_pages.filter(course__in=courses)
    report = []
    for course_page in course_pages.order_by("course__sort_order"):
        sources = list(Page.objects.descendant_of(course_page, inclusive=True).order_by("path"))
        translations = {
            (page.translation_key, page.locale_id): page
            for page in Page.objects.filter(
                translation_key__in=[page.translation_key for page in sources], locale__in=locales
            )
        }
        rows = []
        for source in sources:
            cells = []
            for locale in locales:
                translated = translations.get((source.translation_key, locale.pk))
                if translated is None:
                    status = MISSING
                elif (
                    (_changed_at(source) or source.first_published_at)
                    and translated.latest_revision_created_at
                    and (_changed_at(source) > translated.latest_revision_created_at)
                ):
                    status = OUTDATED
                else:
                    status = CURRENT
                cells.append(TranslationCell(locale=locale, status=status, page=translated))
            rows.append(TranslationRow(source=source, cells=tuple(cells)))
        report.append(CourseTranslations(course=course_page.course, rows=tuple(rows)))
    return locales, report
