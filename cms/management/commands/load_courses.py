"""Build the public site and the eight courses' pages in Arabic and English (idempotent).

Creates what is missing, never overwrites what editors changed: the home, catalogue and about
pages of each language, every course's pages from ``courses/content/``, the "Curriculum review"
workflow with the reviewers' rights, each course's author group, and — when the demo accounts
exist — the demo authorships (``trainer.a`` → MPS-01, ``trainer.b`` → MPS-02).
"""

import logging
import time
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cms.site import site_shell_ensure
from courses.authoring import course_author_assign, course_author_group_sync, curriculum_review_setup
from courses.loading import LoadReport, available_course_codes, course_content_load
from courses.models import Course

DEMO_AUTHORSHIPS = {"trainer.a": "MPS-01", "trainer.b": "MPS-02"}
# Per-page INFO lines from Wagtail ("Page created") and the task runner would bury the summary.
QUIET_LOGGERS = ("wagtail", "django_tasks")


@contextmanager
def quiet_page_logs():
    levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


class Command(BaseCommand):
    help = "Create the site shell and the courses' pages in Arabic and English from courses/content/."

    def add_arguments(self, parser):
        parser.add_argument(
            "--course", action="append", dest="codes", metavar="CODE", help="Only this course (repeatable)."
        )

    def handle(self, *args, codes=None, **options):
        started = time.monotonic()
        known = available_course_codes()
        codes = codes or known
        unknown = sorted(set(codes) - set(known))
        if unknown:
            raise CommandError(f"No content for {', '.join(unknown)}; known courses: {', '.join(known)}.")
        report = LoadReport()
        with quiet_page_logs():
            shell = site_shell_ensure()
            for code in codes:
                course_content_load(code=code, catalogues=shell.catalogues, report=report)
        curriculum_review_setup(catalogues=list(shell.catalogues.values()))
        for course in Course.objects.filter(code__in=codes):
            course_author_group_sync(course=course)
        users = get_user_model().objects.filter(username__in=DEMO_AUTHORSHIPS)
        for user in users:
            course = Course.objects.filter(code=DEMO_AUTHORSHIPS[user.username]).first()
            if course is not None:
                course_author_assign(course=course, user=user)
        self.stdout.write(
            f"Courses {', '.join(report.courses)}: {report.created} pages created, {report.existing} already there "
            f"({time.monotonic() - started:.1f}s)."
        )
