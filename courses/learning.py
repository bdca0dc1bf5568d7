"""What the e-learning side reads from the course pages: a stable, plain-function contract.

Language: every function answers in the active language (``django.utils.translation``) and
falls back, page by page, to the Arabic source when a page has no live translation yet. The
structure (which modules and lessons, in which order) is the Arabic source tree's.

Identity: course, module and lesson pages share a ``translation_key`` across languages, and quiz
question ids are the StreamField block ids, identical in the Arabic source and its translations;
learner records key on those, so switching language keeps progress and answers valid.

Module numbers start at 1 and follow the page-tree order of the course's live modules; the quiz
bank's ``module`` field refers to that number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from wagtail.models import Locale, Page

from courses.models import Course, CoursePage, LessonPage, ModulePage

SOURCE_LANGUAGE = "ar"


@dataclass(frozen=True)
class Choice:
    """One answer of a question; ``id`` is its 0-based position, the same in every language."""

    id: int
    text: str
    is_correct: bool
    feedback: str

    @property
    def index(self) -> int:
        return self.id


@dataclass(frozen=True)
class Question:
    """A quiz-bank question. ``module_number`` is None for course-level (pre/post-test) questions."""

    id: str
    module_number: int | None
    kind: str  # "multiple_choice" or "true_false"
    prompt: str
    choices: tuple[Choice, ...]

    @property
    def correct_choice_ids(self) -> frozenset[int]:
        return frozenset(choice.id for choice in self.choices if choice.is_correct)


@dataclass(frozen=True)
class ModuleOutline:
    page: ModulePage
    number: int
    title: str
    lessons: tuple[LessonPage, ...]


@dataclass(frozen=True)
class CourseOutline:
    page: CoursePage
    modules: tuple[ModuleOutline, ...] = field(default_factory=tuple)

    @property
    def lessons(self) -> list[LessonPage]:
        """Every lesson of the course, in reading order."""
        return [lesson for module in self.modules for lesson in module.lessons]

    @property
    def lesson_keys(self) -> list[UUID]:
        return [lesson.translation_key for lesson in self.lessons]


def published_course_pages() -> list[CoursePage]:
    """The live course pages in the active language (Arabic where a course has no live translation),
    in catalogue order."""
    source_pages = list(
        CoursePage.objects.live()
        .filter(locale=_source_locale())
        .select_related("course")
        .order_by("course__sort_order", "course__code")
    )
    return _localize(source_pages, CoursePage)


def course_outline(course: Course | CoursePage | str) -> CourseOutline:
    """The course page and its live modules and lessons, in order, in the active language.

    ``course`` is a ``Course``, a course code (``"MPS-01"``) or a CoursePage in any language.
    Raises ``CoursePage.DoesNotExist`` when the course has no live Arabic page.
    """
    source = _source_course_page(course)
    modules = list(ModulePage.objects.child_of(source).live().order_by("path"))
    lessons = list(LessonPage.objects.descendant_of(source).live().order_by("path"))
    localized_modules = _localize(modules, ModulePage)
    localized_lessons = dict(zip((lesson.pk for lesson in lessons), _localize(lessons, LessonPage), strict=True))
    outlines = []
    for number, (module, localized) in enumerate(zip(modules, localized_modules, strict=True), start=1):
        children = tuple(
            localized_lessons[lesson.pk]
            for lesson in lessons
            if lesson.path.startswith(module.path) and lesson.depth == module.depth + 1
        )
        outlines.append(ModuleOutline(page=localized, number=number, title=localized.title, lessons=children))
    return CourseOutline(page=_localize([source], CoursePage)[0], modules=tuple(outlines))


def quiz_questions(course: Course | CoursePage | str, module_number: int | None = None) -> list[Question]:
    """The course's quiz bank in the active language, in bank order.

    With ``module_number`` only that module's questions; with None the whole bank (pre/post tests).
    """
    page = _localize([_source_course_page(course)], CoursePage)[0]
    questions = [
        Question(
            id=str(block.id),
            module_number=block.value["module"],
            kind=block.block_type,
            prompt=block.value["prompt"],
            choices=tuple(
                Choice(id=i, text=c["text"], is_correct=bool(c["is_correct"]), feedback=c["feedback"] or "")
                for i, c in enumerate(block.value["choices"])
            ),
        )
        for block in page.quiz_bank
    ]
    if module_number is not None:
        questions = [question for question in questions if question.module_number == module_number]
    return questions


# --- helpers ---------------------------------------------------------------------------------


def _source_locale() -> Locale:
    return Locale.objects.get(language_code=SOURCE_LANGUAGE)


def _source_course_page(course: Course | CoursePage | str) -> CoursePage:
    source_locale = _source_locale()
    if isinstance(course, CoursePage):
        if course.locale_id == source_locale.pk:
            return course
        return CoursePage.objects.get(translation_key=course.translation_key, locale=source_locale)
    lookup = {"course__code": course} if isinstance(course, str) else {"course": course}
    return CoursePage.objects.live().select_related("course").get(locale=source_locale, **lookup)


def _localize[P: Page](pages: list[P], model: type[P]) -> list[P]:
    """Each page replaced by its live translation in the active locale when there is one."""
    active = Locale.get_active()
    if not pages or all(page.locale_id == active.pk for page in pages):
        return pages
    translations = {
        page.translation_key: page
        for page in model.objects.live().filter(
            locale=active, translation_key__in=[page.translation_key for page in pages]
        )
    }
    return [translations.get(page.translation_key, page) for page in pages]
