"""Trainers draft only in their assigned courses; reviewers approve or reject through "Curriculum review";
revisions compare and revert; scheduled publishing; trainers get no rights over settings or users."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page, Revision
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from courses.authoring import WORKFLOW_NAME, course_author_unassign
from courses.models import Course, CoursePage, ModulePage
from tests.conftest import log_in_verified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _content(two_courses):
    pass


def course_page(code: str, language: str = "ar") -> CoursePage:
    return CoursePage.objects.get(course__code=code, locale__language_code=language)


def module_form(title: str, slug: str, **extra) -> dict:
    return nested_form_data({"title": title, "slug": slug, "summary": "ملخص", "comments": inline_formset([]), **extra})


def add_module_url(parent: Page) -> str:
    return reverse("wagtailadmin_pages:add", args=("courses", "modulepage", parent.pk))


def submit_new_module(client, parent: Page, title="وحدة جديدة", slug="new-module", **extra) -> ModulePage:
    response = client.post(add_module_url(parent), module_form(title, slug, **{"action-submit": "1", **extra}))
    assert response.status_code == 302, response.content[:3000]
    return ModulePage.objects.get(slug=slug, locale=parent.locale)


def test_trainer_drafts_in_an_assigned_course_in_both_languages(client, trainer_a):
    log_in_verified(client, trainer_a)
    for language in ("ar", "en"):
        parent = course_page("MPS-01", language)
        assert client.get(add_module_url(parent)).status_code == 200
        assert client.get(reverse("wagtailadmin_pages:edit", args=(parent.pk,))).status_code == 200
    draft = submit_new_module(client, course_page("MPS-01"))
    assert not draft.live
    assert draft.current_workflow_state.workflow.name == WORKFLOW_NAME


def test_trainer_is_refused_on_another_course_and_on_settings_and_users(client, trainer_a):
    log_in_verified(client, trainer_a)
    other = course_page("MPS-02")
    lesson = other.get_descendants().live().last()
    assert client.get(reverse("wagtailadmin_pages:edit", args=(other.pk,))).status_code in (302, 403)
    assert client.get(reverse("wagtailadmin_pages:edit", args=(lesson.pk,))).status_code in (302, 403)
    assert client.post(add_module_url(other), module_form("x", "x")).status_code in (302, 403)
    assert not ModulePage.objects.filter(slug="x").exists()
    for url in ("/admin/users/", "/admin/groups/", "/admin/sites/", "/admin/locales/", "/admin/workflows/list/"):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert "/admin/" in response.url and url not in response.url
    perms = other.permissions_for_user(trainer_a)
    assert not perms.can_edit() and not perms.can_add_subpage()
    assert not course_page("MPS-01").permissions_for_user(trainer_a).can_publish()


def test_unassigning_a_trainer_takes_the_rights_away(client, trainer_a):
    course_author_unassign(course=Course.objects.get(code="MPS-01"), user=trainer_a)
    assert not course_page("MPS-01").permissions_for_user(trainer_a).can_edit()


def test_kurdish_can_be_added_later_and_falls_under_the_course_authors(trainer_a):
    from wagtail.actions.copy_for_translation import CopyPageForTranslationAction
    from wagtail.models import Locale

    kurdish = Locale.objects.get(language_code="ckb")
    home = CopyPageForTranslationAction(Page.objects.get(slug="ar").specific, kurdish).execute(
        skip_permission_checks=True
    )
    home.save_revision().publish()
    assert home.slug == "ckb" and home.url == "/ckb/"
    course_page("MPS-01").get_parent().specific.copy_for_translation(kurdish)
    translated = course_page("MPS-01").copy_for_translation(kurdish)
    assert translated.permissions_for_user(trainer_a).can_edit()


def test_reviewer_approves_with_a_comment_and_the_module_goes_live(client, trainer_a, reviewer, verified_login):
    log_in_verified(client, trainer_a)
    module = submit_new_module(client, course_page("MPS-01"))
    task_state = module.current_workflow_task_state
    verified_login(reviewer)
    url = reverse("wagtailadmin_pages:workflow_action", args=(module.pk, "approve", task_state.pk))
    response = client.post(url, {"comment": "موافق، صياغة واضحة"})
    assert response.status_code in (200, 302)
    module.refresh_from_db()
    task_state.refresh_from_db()
    assert module.live
    assert task_state.status == "approved" and task_state.comment == "موافق، صياغة واضحة"
    assert client.get(module.url).status_code == 200


def test_reviewer_rejects_with_a_comment_and_the_draft_stays_unpublished(client, trainer_a, reviewer, verified_login):
    log_in_verified(client, trainer_a)
    module = submit_new_module(client, course_page("MPS-01"), slug="to-reject")
    task_state = module.current_workflow_task_state
    verified_login(reviewer)
    url = reverse("wagtailadmin_pages:workflow_action", args=(module.pk, "reject", task_state.pk))
    client.post(url, {"comment": "يرجى إضافة مثال من الميدان"})
    task_state.refresh_from_db()
    module.refresh_from_db()
    assert task_state.status == "rejected" and task_state.comment == "يرجى إضافة مثال من الميدان"
    assert not module.live


def test_a_trainer_cannot_approve_their_own_submission(client, trainer_a):
    log_in_verified(client, trainer_a)
    module = submit_new_module(client, course_page("MPS-01"), slug="self-approve")
    task_state = module.current_workflow_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=(module.pk, "approve", task_state.pk))
    assert client.post(url, {"comment": ""}).status_code in (302, 403)
    task_state.refresh_from_db()
    assert task_state.status == "in_progress"


def test_revisions_can_be_compared_and_reverted(client, trainer_a):
    module = ModulePage.objects.child_of(course_page("MPS-01")).first()
    original_title = module.title
    first = module.latest_revision
    module.title = "عنوان معدّل"
    second = module.save_revision(user=trainer_a)
    log_in_verified(client, trainer_a)
    compare = reverse("wagtailadmin_pages:revisions_compare", args=(module.pk, first.pk, second.pk))
    response = client.get(compare)
    assert response.status_code == 200 and "عنوان معدّل" in response.text
    revert = client.get(reverse("wagtailadmin_pages:revisions_revert", args=(module.pk, first.pk)))
    assert revert.status_code == 200 and original_title in revert.text
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=(module.pk,)),
        module_form(original_title, module.slug, summary=module.summary),
    )
    assert response.status_code == 302
    assert Revision.page_revisions.filter(object_id=str(module.pk)).count() == 3
    assert ModulePage.objects.get(pk=module.pk).get_latest_revision_as_object().title == original_title


def test_scheduled_publishing_waits_for_go_live_at(trainer_a, reviewer):
    module = ModulePage.objects.child_of(course_page("MPS-01")).first()
    module.title = "تُنشر لاحقاً"
    module.go_live_at = timezone.now() + timedelta(days=1)
    revision = module.save_revision(user=trainer_a)
    revision.publish(user=reviewer)
    module.refresh_from_db()
    assert module.title != "تُنشر لاحقاً"  # still the old live version
    revision.refresh_from_db()
    assert revision.approved_go_live_at is not None
    # Time passes: the scheduled moment is now in the past.
    past = timezone.now() - timedelta(minutes=1)
    revision.content["go_live_at"] = past.isoformat()
    revision.approved_go_live_at = past
    revision.save(update_fields=["content", "approved_go_live_at"])
    call_command("publish_scheduled", stdout=open("/dev/null", "w"))  # noqa: SIM115
    module.refresh_from_db()
    assert module.title == "تُنشر لاحقاً" and module.live


def test_empty_module_title_is_refused_on_the_field(client, trainer_a):
    log_in_verified(client, trainer_a)
    response = client.post(add_module_url(course_page("MPS-01")), module_form("", "empty-title"))
    assert response.status_code == 200
    assert "title" in response.context["form"].errors
    assert not ModulePage.objects.filter(slug="empty-title").exists()


def test_translation_report_lists_missing_and_outdated_pages(client, reviewer, verified_login, trainer_a):
    arabic_lesson = course_page("MPS-01").get_descendants().type(Page).live().last().specific
    arabic_lesson.save_revision().publish()  # the Arabic source changes after its translation
    verified_login(reviewer)
    response = client.get(reverse("course_translation_report") + "?locale=en")
    assert response.status_code == 200
    assert f'data-page="{arabic_lesson.pk}" data-status="outdated"' in response.text
    kurdish = client.get(reverse("course_translation_report") + "?locale=ckb")
    assert 'data-missing="13"' in kurdish.text  # course page, 4 modules, 8 lessons


def test_translation_report_is_refused_to_a_plain_trainer(client):
    from tests.courses.conftest import make_user

    client.force_login(make_user("plain.trainer", "trainer"))
    assert client.get(reverse("course_translation_report")).status_code in (302, 403)
