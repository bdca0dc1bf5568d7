"""Admin screens for people and places, grouped under one "People and places" menu.

Access is by Django model permission (the role groups get theirs in ``lms.roles``): every staff
role may view, only administrators may change governorates and staff scopes. People are a
snippet so that every form pointing at a person (session trainers, participants, qualifications)
gets a searchable chooser instead of a drop-down of thousands of names; the search, in the list
and in the chooser, is ``PersonQuerySet.search_name``, which matches Arabic spelling variants.

Which people a user reaches is the cascade's rule (a centre manager: the people of their centre's
sessions, ...), and ``cascade`` sits above ``lms``: the people screens ask for it through the
``lms_person_admin_scope`` hook, a function ``(user, action) -> QuerySet[Person] | None`` (None:
the people screens are not for this user). Every list, object URL and chooser of the people
screens keeps to it (``lms.admin_scope``); with no such hook only superusers reach them.
"""

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from lms.admin_scope import (
    ScopedChooseResultsView,
    ScopedChooserViewSet,
    ScopedChooseView,
    ScopedPermissionPolicy,
    ScopedSnippetViewSet,
    person_admin_scope,
)
from lms.forms import PersonAdminForm, PoliceUnitAdminForm
from lms.models import CompletionRule, Governorate, Person, PoliceUnit, StaffScope, Station, TrainingCentre

# Registered before any screen asks for the model's policy (Wagtail refuses a later registration).
register_permission_policy(Person, ScopedPermissionPolicy(Person, scope=person_admin_scope))


class GovernorateViewSet(ModelViewSet):
    model = Governorate
    name = "governorates"
    icon = "globe"
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        "name_ar",
        "name_en",
        "code",
        BooleanColumn("is_kurdistan_region", label=_("Kurdistan Region"), sort_key="is_kurdistan_region"),
    ]
    list_filter = ["is_kurdistan_region"]
    search_fields = ["name_ar", "name_en", "code"]
    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("is_kurdistan_region")]),
        FieldPanel("name_ar"),
        FieldPanel("name_en"),
    ]


class PoliceUnitViewSet(ModelViewSet):
    model = PoliceUnit
    name = "units"
    icon = "site"
    inspect_view_enabled = True
    list_display = ["name_ar", "name_en", "governorate"]
    list_filter = ["governorate"]
    search_fields = ["name_ar", "name_en"]
    edit_handler = ObjectList(
        [FieldPanel("name_ar"), FieldPanel("name_en"), FieldPanel("governorate")], base_form_class=PoliceUnitAdminForm
    )


class StationViewSet(ModelViewSet):
    model = Station
    name = "stations"
    icon = "home"
    inspect_view_enabled = True
    list_display = [
        "name_ar",
        "name_en",
        "unit",
        "governorate",
        BooleanColumn("is_model_police_station", label=_("Model Police Station"), sort_key="is_model_police_station"),
    ]
    list_filter = ["governorate", "is_model_police_station"]
    search_fields = ["name_ar", "name_en"]
    panels = [
        FieldPanel("name_ar"),
        FieldPanel("name_en"),
        FieldRowPanel([FieldPanel("governorate"), FieldPanel("unit")]),
        FieldPanel("is_model_police_station"),
    ]


class TrainingCentreViewSet(ModelViewSet):
    model = TrainingCentre
    name = "centres"
    icon = "folder-open-inverse"
    inspect_view_enabled = True
    list_display = ["name_ar", "name_en", "code", "governorate"]
    list_filter = ["governorate"]
    search_fields = ["name_ar", "name_en", "code"]
    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("governorate")]),
        FieldPanel("name_ar"),
        FieldPanel("name_en"),
    ]


class PersonSearchForm(BaseFilterForm):
    """The chooser's search box, matching names whatever their Arabic spelling."""

    q = forms.CharField(
        label=_("Service number or name"),
        widget=forms.TextInput(attrs={"placeholder": _("Service number or name")}),
        required=False,
    )

    def filter(self, objects):
        objects = super().filter(objects)
        if query := self.cleaned_data.get("q"):
            self.is_searching, self.search_query = True, query
            objects = objects.search_name(query)
        return objects


class PersonChooseView(ScopedChooseView):
    filter_form_class = PersonSearchForm


class PersonChooseResultsView(ScopedChooseResultsView):
    filter_form_class = PersonSearchForm


class PersonChooserViewSet(ScopedChooserViewSet):
    choose_view_class = PersonChooseView
    choose_results_view_class = PersonChooseResultsView


class PersonIndexView(SnippetIndexView):
    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return queryset.search_name(self.search_query)


class PersonViewSet(ScopedSnippetViewSet):
    model = Person
    icon = "user"
    base_url_path = "people"
    index_view_class = PersonIndexView
    chooser_viewset_class = PersonChooserViewSet
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["service_number", "name_ar", "name_latin", "gender", "rank", "governorate"]
    list_filter = ["governorate", "gender", "rank", "is_master_trainer"]
    # Enables the search box; PersonIndexView replaces the plain lookups with search_name.
    search_fields = ["service_number", "name_ar", "name_latin"]
    panels = [
        MultiFieldPanel(
            [
                FieldPanel("service_number"),
                FieldPanel("name_ar"),
                FieldPanel("name_latin"),
                FieldRowPanel([FieldPanel("gender"), FieldPanel("rank")]),
            ],
            heading=_("Identity"),
        ),
        MultiFieldPanel(
            [FieldPanel("governorate"), FieldRowPanel([FieldPanel("unit"), FieldPanel("station")])],
            heading=_("Posting"),
        ),
        MultiFieldPanel([FieldPanel("is_master_trainer"), FieldPanel("user")], heading=_("Role in the programme")),
    ]
    edit_handler = ObjectList(panels, base_form_class=PersonAdminForm)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("governorate")


class StaffScopeViewSet(ModelViewSet):
    model = StaffScope
    name = "staff-scopes"
    icon = "key"
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["user", "governorate", "training_centre"]
    list_filter = ["governorate", "training_centre"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    panels = [FieldPanel("user"), FieldPanel("governorate"), FieldPanel("training_centre")]


class PeopleAndPlacesGroup(SnippetViewSetGroup):
    menu_label = _("People and places")
    menu_icon = "group"
    menu_order = 220
    items = (
        PersonViewSet,
        GovernorateViewSet,
        PoliceUnitViewSet,
        StationViewSet,
        TrainingCentreViewSet,
        StaffScopeViewSet,
    )


register_snippet(PeopleAndPlacesGroup)


# --- E-learning ------------------------------------------------------------------------------
# Completion rules are edited by administrators (the only role with lms.change_completionrule);
# bulk enrolment and the statement export are learner-area pages linked from the admin menu.


class CompletionRuleViewSet(ModelViewSet):
    model = CompletionRule
    name = "completion-rules"
    icon = "tasks"
    add_to_admin_menu = False
    copy_view_enabled = False
    list_display = [
        "course",
        "pass_mark",
        "max_attempts",
        "require_all_modules",
        "require_module_quizzes",
        "require_post_test",
    ]
    panels = [
        FieldPanel("course"),
        FieldRowPanel([FieldPanel("pass_mark"), FieldPanel("max_attempts")]),
        FieldPanel("require_all_modules"),
        FieldPanel("require_module_quizzes"),
        FieldPanel("require_post_test"),
    ]


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


class ELearningGroup(ViewSetGroup):
    menu_label = _("E-learning")
    menu_icon = "doc-full"
    menu_order = 230
    items = (CompletionRuleViewSet,)

    def get_submenu_items(self):
        return [
            *super().get_submenu_items(),
            PermissionMenuItem(
                _("Enrol people"),
                reverse_lazy("lms:bulk_enrol"),
                icon_name="user",
                order=2,
                permission="lms.add_enrolment",
            ),
            PermissionMenuItem(
                _("Export learning statements (xAPI)"),
                reverse_lazy("lms:statements_export"),
                icon_name="download",
                order=3,
                permission="lms.view_learningstatement",
            ),
        ]


@hooks.register("register_admin_viewset")
def register_elearning_viewsets():
    return ELearningGroup()
