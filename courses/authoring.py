"""Who may write and approve course pages: per-course author groups and the "Curriculum review" workflow.

Invariants:
- A trainer drafts only in the courses an administrator assigned to them (``CourseAuthor``).
  Each course has one author group holding add/change rights on that course's pages in every
  language, plus admin access, translating and choosing/uploading media; never publish rights,
  never rights over settings, users or other courses. Assignment = membership of that group.
- Publishing course pages goes through the "Curriculum review" workflow, whose single task is
  approved or rejected (with a comment) by the ``content_reviewer`` role group.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from courses.models import Course, CourseAuthor, CoursePage

# The role group of the Directorate's content reviewers. The name is lms.roles.CONTENT_REVIEWER;
# it is spelled out here because courses sits below lms and may not import it.
REVIEWER_GROUP = "content_reviewer"
# Wagtail stores and shows these names as they are, untranslated: each carries both languages,
# Arabic first (the programme's language), so that no reader meets a name they cannot read.
WORKFLOW_NAME = "مراجعة المناهج / Curriculum review"
TASK_NAME = "مراجعة المديرية للمناهج / Directorate curriculum review"
AUTHOR_GROUP_PREFIX = "Course authors "

AUTHOR_PAGE_PERMISSIONS = ("add_page", "change_page")
REVIEWER_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
AUTHOR_MODEL_PERMISSIONS = ("wagtailadmin.access_admin", "simple_translation.submit_translation")
AUTHOR_COLLECTION_PERMISSIONS = ("wagtailimages.add_image", "wagtailimages.choose_image",
                                 "wagtaildocs.add_document", "wagtaildocs.choose_document")  # fmt: skip


def _permissions(names) -> list[Permission]:
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def _page_permissions(codenames) -> list[Permission]:
    return [_permissions([f"wagtailcore.{codename}"])[0] for codename in codenames]


def author_group_name(course: Course) -> str:
    return f"{AUTHOR_GROUP_PREFIX}{course.code}"


@transaction.atomic
def course_author_group_sync(*, course: Course) -> Group:
    """Create or update ``course``'s author group: rights on its pages in every language, nothing else."""
    group, _created = Group.objects.get_or_create(name=author_group_name(course))
    group.permissions.set(_permissions(AUTHOR_MODEL_PERMISSIONS))
    root_collection = Collection.get_first_root_node()
    for permission in _permissions(AUTHOR_COLLECTION_PERMISSIONS):
        GroupCollectionPermission.objects.get_or_create(group=group, collection=root_collection, permission=permission)
    pages = list(CoursePage.objects.filter(course=course))
    wanted = {(page.pk, perm.pk) for page in pages for perm in _page_permissions(AUTHOR_PAGE_PERMISSIONS)}
    current = GroupPagePermission.objects.filter(group=group)
    current.exclude(
        pk__in=[gpp.pk for gpp in current if (gpp.page_id, gpp.permission_id) in wanted]
    ).delete()  # rights on pages that are no longer this course's
    have = set(current.values_list("page_id", "permission_id"))
    GroupPagePermission.objects.bulk_create(
        GroupPagePermission(group=group, page_id=page_id, permission_id=perm_id)
        for page_id, perm_id in sorted(wanted - have)
    )
    group.user_set.set([author.user_id for author in CourseAuthor.objects.filter(course=course)])
    return group


@transaction.atomic
def course_author_assign(*, course: Course, user) -> CourseAuthor:
    """Let ``user`` (a trainer) draft ``course``'s pages; idempotent."""
    author, _created = CourseAuthor.objects.get_or_create(course=course, user=user)
    course_author_group_sync(course=course)
    return author


@transaction.atomic
def course_author_unassign(*, course: Course, user) -> None:
    CourseAuthor.objects.filter(course=course, user=user).delete()
    course_author_group_sync(course=course)


@transaction.atomic
def curriculum_review_setup(*, catalogues: list[Page]) -> Workflow:
    """The "Curriculum review" workflow on every language's course catalogue, and reviewers' page rights."""
    reviewers, _created = Group.objects.get_or_create(name=REVIEWER_GROUP)
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME)
    task.groups.add(reviewers)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    for catalogue in catalogues:
        WorkflowPage.objects.update_or_create(page=catalogue, defaults={"workflow": workflow})
        for permission in _page_permissions(REVIEWER_PAGE_PERMISSIONS):
            GroupPagePermission.objects.get_or_create(group=reviewers, page=catalogue, permission=permission)
    if not reviewers.permissions.filter(codename="access_admin").exists():
        reviewers.permissions.add(*_permissions(["wagtailadmin.access_admin"]))
    return workflow


def courses_authored_by(user) -> list[Course]:
    return list(Course.objects.filter(authors__user=user))
