"""Keep each course's author group in step with its pages and assignments.

A new CoursePage (a new course, or a new translation of one) must fall under the course's author
group at once, and an assignment saved or deleted in the admin changes who is in that group.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from courses.models import CourseAuthor, CoursePage


@receiver(post_save, sender=CoursePage)
def course_page_saved(sender, instance: CoursePage, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        from courses.authoring import course_author_group_sync

        course_author_group_sync(course=instance.course)


@receiver(post_save, sender=CourseAuthor)
@receiver(post_delete, sender=CourseAuthor)
def course_author_changed(sender, instance: CourseAuthor, raw: bool = False, **kwargs) -> None:
    if not raw:
        from courses.authoring import course_author_group_sync

        course_author_group_sync(course=instance.course)
