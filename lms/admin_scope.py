"""Admin screens limited to the rows a user's roles reach.

A Django model permission says what a role may do to a model; it says nothing about *which* rows.
``ScopedPermissionPolicy`` adds the rows: it asks a scope function ``(user, action)`` for the
queryset of instances the user may act on, or ``None`` when the admin's screens for that model
are not for this user at all (who then holds no permission there, whatever their groups say).

Wagtail's generic views fetch their object straight from the model, so the policy alone does not
scope them. ``ScopedSnippetViewSet`` therefore lists only ``instances_user_has_any_permission_for``
and answers 404 for any URL naming an object (edit, inspect, delete, history, usage, ...) outside
the scope of the action that view needs; ``ScopedChooserViewSet`` does the same for the chooser
modal, which needs the ``choose`` action. Anything else (bulk actions) asks the policy per instance.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from wagtail import hooks
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.views import chooser as snippet_chooser
from wagtail.snippets.views.snippets import SnippetViewSet

from lms.models import Person

Scope = Callable[[object, str], QuerySet | None]

# Actions that only read a record (Wagtail's index and inspect views accept "add" as well).
READ_ACTIONS = frozenset({"view", "add", "choose"})


class ScopedPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, narrowed to the instances ``scope(user, action)`` returns.

    ``choose`` (picking a record in a form's chooser) needs the model's ``view`` permission.
    """

    def __init__(self, model: type[Model], *, scope: Scope) -> None:
        super().__init__(model)
        self.scope = scope

    def _instances(self, user, action: str) -> QuerySet | None:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return None
        return self.scope(user, action)

    def user_has_permission(self, user, action: str) -> bool:
        model_action = "view" if action == "choose" else action
        return super().user_has_permission(user, model_action) and self._instances(user, action) is not None

    def instances_user_has_permission_for(self, user, action: str) -> QuerySet:
        if not self.user_has_permission(user, action):
            return self.model._default_manager.none()
        return self._instances(user, action)

    def instances_user_has_any_permission_for(self, user, actions) -> QuerySet:
        allowed = [action for action in actions if self.user_has_permission(user, action)]
        if not allowed:
            return self.model._default_manager.none()
        querysets = [self._instances(user, action) for action in allowed]
        if len(querysets) == 1:
            return querysets[0]
        # Someone who reaches every row for one action (administrators, auditors) gets a plain
        # table scan, not an OR of subqueries over a large table.
        for queryset in querysets:
            if not queryset.query.has_filters():
                return queryset
        either = Q(pk__in=[])
        for queryset in querysets:
            either |= Q(pk__in=queryset.values("pk"))
        return self.model._default_manager.filter(either)

    def user_has_permission_for_instance(self, user, action: str, instance) -> bool:
        return self.instances_user_has_permission_for(user, action).filter(pk=instance.pk).exists()

    def user_has_any_permission_for_instance(self, user, actions, instance) -> bool:
        return any(self.user_has_permission_for_instance(user, action, instance) for action in actions)


def _in_scope(queryset: QuerySet, pk) -> bool:
    try:
        return queryset.filter(pk=unquote(str(pk))).exists()
    except (ValueError, TypeError, ValidationError):
        return False


def _actions_of(view_class) -> list[str]:
    """The actions a view needs, as its Wagtail permission check spells them."""
    required = getattr(view_class, "permission_required", None)
    if isinstance(required, str):
        return [required]
    return list(getattr(view_class, "any_permission_required", None) or ["change"])


class ScopedSnippetViewSet(SnippetViewSet):
    """A snippet viewset whose lists and object URLs keep to the model's ``ScopedPermissionPolicy``."""

    # What a row of the list needs: any action that lets the user open it.
    list_actions = ("view", "change", "delete")

    def get_queryset(self, request) -> QuerySet:
        return self.permission_policy.instances_user_has_any_permission_for(request.user, self.list_actions)

    def construct_view(self, view_class, **kwargs):
        view = super().construct_view(view_class, **kwargs)
        actions = _actions_of(view_class)
        policy = self.permission_policy

        @wraps(view)
        def scoped_view(request, *args, **view_kwargs):
            if "pk" in view_kwargs:
                instances = policy.instances_user_has_any_permission_for(request.user, actions)
                if not _in_scope(instances, view_kwargs["pk"]):
                    raise Http404
            return view(request, *args, **view_kwargs)

        return scoped_view


class ScopedChooserMixin:
    """For chooser views: refuse users without ``choose``, offer and return only in-scope rows."""

    def dispatch(self, request, *args, **kwargs):
        if not self.chooser_policy.user_has_permission(request.user, "choose"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @property
    def chooser_policy(self) -> ScopedPermissionPolicy:
        from wagtail.permissions import policy_registry

        return policy_registry.get_by_type(self.model_class)

    def choosable(self) -> QuerySet:
        return self.chooser_policy.instances_user_has_permission_for(self.request.user, "choose")

    def get_object_list(self):
        return self.choosable()

    def get_object(self, pk):
        try:
            return self.choosable().get(pk=pk)
        except (ValueError, TypeError, ValidationError) as error:
            raise self.model_class.DoesNotExist from error

    def get_objects(self, pks):
        return self.choosable().filter(pk__in=pks)


class ScopedChooseView(ScopedChooserMixin, snippet_chooser.ChooseView):
    pass


class ScopedChooseResultsView(ScopedChooserMixin, snippet_chooser.ChooseResultsView):
    pass


class ScopedChosenView(ScopedChooserMixin, snippet_chooser.SnippetChosenView):
    pass


class ScopedChosenMultipleView(ScopedChooserMixin, snippet_chooser.SnippetChosenMultipleView):
    pass


class ScopedCreateView(ScopedChooserMixin, snippet_chooser.SnippetCreateView):
    pass


class ScopedChooserViewSet(snippet_chooser.SnippetChooserViewSet):
    choose_view_class = ScopedChooseView
    choose_results_view_class = ScopedChooseResultsView
    chosen_view_class = ScopedChosenView
    chosen_multiple_view_class = ScopedChosenMultipleView
    create_view_class = ScopedCreateView


# --- People -----------------------------------------------------------------------------------
# Which people a user reaches is the cascade's rule, and cascade sits above lms: it registers it.

PERSON_SCOPE_HOOK = "lms_person_admin_scope"


def person_admin_scope(user, action: str) -> QuerySet[Person] | None:
    """The people ``user`` may ``action`` on the admin's people screens, as every hook allows.

    None when a hook says the screens are not for ``user``; with no hook, only superusers reach them.
    """
    scopes = hooks.get_hooks(PERSON_SCOPE_HOOK)
    if not scopes:
        return Person.objects.all() if user.is_superuser else None
    people = None
    for scope in scopes:
        allowed = scope(user, action)
        if allowed is None:
            return None
        people = allowed if people is None else people & allowed
    return people


# --- Bulk actions -----------------------------------------------------------------------------
# Wagtail's bulk-action pages (``/admin/bulk/<app>/<model>/<action>/?id=…``) list every object
# named in the query string, and name those the user may not act on too ("items with no access");
# only the POST asks the permission. Here a bulk action names only what the user may act on: any
# id outside that is a 404 (as for the object URLs above), and "all" means all the user may act on.


class ScopedBulkActionMixin:
    """For a bulk action: the confirmation page never names an object the user may not act on."""

    @classmethod
    def get_queryset(cls, model, object_ids):
        try:
            return super().get_queryset(model, object_ids)
        except (ValueError, TypeError, ValidationError) as error:
            raise Http404 from error

    def get_actionable_objects(self):
        objects, extra = super().get_actionable_objects()
        if extra.get("items_with_no_access") and "all" not in self.request.GET.getlist("id"):
            raise Http404
        return objects, {**extra, "items_with_no_access": []}


def _scoped_bulk_action_class(action_class):
    return type(f"Scoped{action_class.__name__}", (ScopedBulkActionMixin, action_class), {})


def bulk_action(request, app_label: str, model_name: str, action: str):
    """Wagtail's bulk-action dispatcher, with every action class narrowed by ``ScopedBulkActionMixin``."""
    from django.apps import apps
    from wagtail.admin.views.bulk_action.registry import bulk_action_registry

    try:
        model = apps.get_model(app_label, model_name)
    except LookupError as error:
        raise Http404 from error
    action_class = bulk_action_registry.get_bulk_action_class(app_label, model_name, action)
    if action_class is None:
        raise Http404
    return _scoped_bulk_action_class(action_class)(request, model).dispatch(request)
