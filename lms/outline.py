"""A course's structure as the learning records need it, read through ``courses.learning``.

``course_plan(course)`` turns the page outline into plain, cacheable values: modules in order
with their lessons' ``translation_key``s, which modules have a quiz, and the size of the whole
bank. Every progress write checks a lesson against it, so it is cached per course and language
and dropped whenever a page is published, unpublished or moved (and after ten minutes anyway).
"""

from dataclasses import dataclass
from uuid import UUID

from django.core.cache import cache
from django.dispatch import receiver
from django.utils.translation import get_language
from wagtail.signals import page_published, page_unpublished, post_page_move

from courses import learning
from courses.models import Course, CoursePage

CACHE_SECONDS = 600
_VERSION_KEY = "lms:plan-version"


@dataclass(frozen=True)
class LessonRef:
    key: UUID  # the lesson page's translation_key
    page_id: int  # the page in the language the plan was built for
    module_number: int
    title: str


@dataclass(frozen=True)
class ModuleRef:
    number: int
    title: str
    lessons: tuple[LessonRef, ...]
    has_quiz: bool


@dataclass(frozen=True)
class CoursePlan:
    course_id: int
    code: str
    title: str
    page_id: int
    modules: tuple[ModuleRef, ...]
    bank_size: int  # questions of the whole bank (pre-test and post-test)

    @property
    def lessons(self) -> list[LessonRef]:
        return [lesson for module in self.modules for lesson in module.lessons]

    def lesson(self, key: UUID) -> LessonRef | None:
        return next((lesson for lesson in self.lessons if lesson.key == key), None)

    def module(self, number: int) -> ModuleRef | None:
        return self.modules[number - 1] if 1 <= number <= len(self.modules) else None


def course_plan(course: Course) -> CoursePlan | None:
    """The course's plan in the active language, or None when it has no live page."""
    key = f"lms:plan:{_version()}:{course.pk}:{get_language() or 'ar'}"
    plan = cache.get(key)
    if plan is None:
        plan = _build(course)
        cache.set(key, plan or False, CACHE_SECONDS)
    return plan or None


def _build(course: Course) -> CoursePlan | None:
    try:
        outline = learning.course_outline(course)
    except CoursePage.DoesNotExist:
        return None
    bank = learning.quiz_questions(course)
    quiz_modules = {question.module_number for question in bank if question.module_number}
    modules = tuple(
        ModuleRef(
            number=module.number,
            title=module.title,
            lessons=tuple(
                LessonRef(
                    key=lesson.translation_key, page_id=lesson.pk, module_number=module.number, title=lesson.title
                )
                for lesson in module.lessons
            ),
            has_quiz=module.number in quiz_modules,
        )
        for module in outline.modules
    )
    return CoursePlan(
        course_id=course.pk,
        code=course.code,
        title=outline.page.title,
        page_id=outline.page.pk,
        modules=modules,
        bank_size=len(bank),
    )


def _version() -> int:
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, 1, None)
        version = cache.get(_VERSION_KEY, 1)
    return version


@receiver(page_published, dispatch_uid="lms.outline.page_published")
@receiver(page_unpublished, dispatch_uid="lms.outline.page_unpublished")
@receiver(post_page_move, dispatch_uid="lms.outline.post_page_move")
def forget_plans(**kwargs) -> None:
    """Any page change may change a course's structure: start a new cache generation."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 2, None)
