"""Admin screens for sessions and trainer qualifications, grouped under "Cascade training".

A session is edited with its trainers and participants on one page; ``cascade.forms`` runs the
integrity rules on the whole page as submitted, so a save either passes every rule or stores
nothing. The status is shown but not edited here: closing goes through ``session_close``.
Sessions are a snippet so that a qualification's ToT session is picked with a searchable chooser.

Every list, object URL and chooser here keeps to ``cascade.permissions`` (``lms.admin_scope``):
centre managers reach their centre's sessions and the people in them, governorate officers read
their governorate's, auditors read everything, administrators change everything; anything else
answers 404. The same rules scope the people screens of ``lms`` through its person-scope hook.
These screens are for those roles only: a trainer (even one with admin access for authoring
course pages) works on their sessions in the workspace.
"""

import django_filters
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from cascade import permissions, services
from cascade.forms import TrainerQualificationForm, TrainingSessionForm
from cascade.models import TrainerQualification, TrainingSession
from cascade.selectors import trainings_of
from lms.admin_scope import (
    PERSON_SCOPE_HOOK,
    READ_ACTIONS,
    ScopedChooserViewSet,
    ScopedPermissionPolicy,
    ScopedSnippetViewSet,
)
from lms.models import Person
from lms.selectors import FACE_TO_FACE_HOOK, FaceToFaceSession


def session_admin_scope(user, action: str) -> QuerySet[TrainingSession] | None:
    if not permissions.uses_records_admin(user):
        return None
    if action in READ_ACTIONS:
        return permissions.sessions_visible_to(user)
    return permissions.sessions_editable_by(user)


def qualification_admin_scope(user, action: str) -> QuerySet[TrainerQualification] | None:
    if not permissions.uses_records_admin(user):
        return None
    if action in READ_ACTIONS:
        return permissions.qualifications_visible_to(user)
    return permissions.qualifications_editable_by(user)


@hooks.register(PERSON_SCOPE_HOOK)
def person_admin_scope(user, action: str) -> QuerySet[Person] | None:
    if not permissions.uses_records_admin(user):
        return None
    if action == "choose" and permissions.can_add_people(user):
        # Rosters take people from any unit: the chooser finds anyone by number or name.
        return Person.objects.all()
    if action in READ_ACTIONS:
        return permissions.people_visible_to(user)
    return permissions.people_editable_by(user)


SESSIONS_DELETED = _("Deleted: {sessions}.")
QUALIFICATIONS_DELETED = _("Deleted {count} qualifications.")


@hooks.register("before_delete_snippet")
def records_delete(request, instances):
    """Sessions and qualifications are deleted by the cascade's writer (``cascade.services``), which keeps
    the lineage and notes what changed, not by the admin's own delete: a confirmed deletion (POST) calls
    it and redirects; a refused one (a ToT session whose qualifications other records rest on, a
    qualification a cascade session rests on) says why."""
    sessions = [obj.pk for obj in instances if isinstance(obj, TrainingSession)]
    qualifications = [obj.pk for obj in instances if isinstance(obj, TrainerQualification)]
    if not (sessions or qualifications) or request.method != "POST":
        return None
    try:
        if sessions:
            done = SESSIONS_DELETED.format(sessions=", ".join(services.sessions_delete(session_ids=sessions)))
            model = TrainingSession
        else:
            done = QUALIFICATIONS_DELETED.format(count=services.qualifications_delete(qualification_ids=qualifications))
            model = TrainerQualification
    except ValidationError as refused:
        for message in refused.messages:
            messages.error(request, message)
        return redirect(request.get_full_path())
    messages.success(request, done)
    target = request.GET.get("next") or request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse(model.snippet_viewset.get_url_name("list"))
    return redirect(target)


# Registered before any screen asks for the models' policies (Wagtail refuses a later registration).
register_permission_policy(TrainingSession, ScopedPermissionPolicy(TrainingSession, scope=session_admin_scope))
register_permission_policy(
    TrainerQualification, ScopedPermissionPolicy(TrainerQualification, scope=qualification_admin_scope)
)


class TrainingSessionFilterSet(WagtailFilterSet):
    start_date = django_filters.DateFromToRangeFilter(label=capfirst(_("start date")), widget=DateRangePickerWidget)

    class Meta:
        model = TrainingSession
        fields = ["kind", "course", "governorate", "status", "start_date"]


class TrainingSessionViewSet(ScopedSnippetViewSet):
    model = TrainingSession
    icon = "calendar-alt"
    base_url_path = "sessions"
    chooser_viewset_class = ScopedChooserViewSet
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        "ref",
        Column("course", label=capfirst(_("course")), accessor="course.code", sort_key="course__code"),
        "kind",
        "training_centre",
        "governorate",
        "start_date",
        "end_date",
        "status",
    ]
    filterset_class = TrainingSessionFilterSet
    search_fields = ["ref"]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("ref"), FieldPanel("kind")]),
                    FieldRowPanel([FieldPanel("course"), FieldPanel("training_centre")]),
                    FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date")]),
                    FieldPanel("status", read_only=True),
                ],
                heading=_("Session"),
            ),
            InlinePanel(
                "trainers",
                heading=_("Trainers"),
                label=_("trainer"),
                panels=[FieldRowPanel([FieldPanel("person"), FieldPanel("role")])],
            ),
            InlinePanel(
                "participations",
                heading=_("Participants"),
                label=_("participant"),
                panels=[
                    FieldPanel("person"),
                    FieldRowPanel(
                        [
                            FieldPanel("days_attended"),
                            FieldPanel("pre_score"),
                            FieldPanel("post_score"),
                            FieldPanel("outcome"),
                        ]
                    ),
                ],
            ),
            MultiFieldPanel(
                [FieldRowPanel([FieldPanel("headcount_male"), FieldPanel("headcount_female")]), FieldPanel("notes")],
                heading=_("Headcount and notes"),
            ),
        ],
        base_form_class=TrainingSessionForm,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("course", "training_centre", "governorate")


class TrainerQualificationViewSet(ScopedSnippetViewSet):
    model = TrainerQualification
    icon = "tick-inverse"
    base_url_path = "qualifications"
    chooser_viewset_class = ScopedChooserViewSet
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["person", "course", "valid_from", "valid_until", "source_session"]
    list_filter = ["course", "person__governorate"]
    search_fields = ["person__service_number", "person__name_ar", "person__name_latin"]
    panels = [
        FieldPanel("person"),
        FieldPanel("course"),
        FieldRowPanel([FieldPanel("valid_from"), FieldPanel("valid_until")]),
        FieldPanel("source_session"),
    ]
    edit_handler = ObjectList(panels, base_form_class=TrainerQualificationForm)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person", "course", "source_session__course")


class CascadeTrainingGroup(SnippetViewSetGroup):
    menu_label = _("Cascade training")
    menu_icon = "calendar-check"
    menu_order = 230
    items = (TrainingSessionViewSet, TrainerQualificationViewSet)


register_snippet(CascadeTrainingGroup)


SESSION_STILL_OPEN = _("Session still open")


@hooks.register(FACE_TO_FACE_HOOK)
def face_to_face_for_my_learning(person: Person) -> list[FaceToFaceSession]:
    """The learner's own sessions for "My learning" (lms asks through this hook); an open session's
    outcome is not final yet, so it says so instead."""
    return [
        FaceToFaceSession(
            session_id=participation.session_id,
            course=participation.session.course.title,
            start_date=participation.session.start_date,
            end_date=participation.session.end_date,
            centre=participation.session.training_centre.name if participation.session.training_centre else "",
            outcome=participation.get_outcome_display() if participation.session.is_closed else SESSION_STILL_OPEN,
            pre_score=participation.pre_score,
            post_score=participation.post_score,
        )
        for participation in trainings_of(person)
    ]
