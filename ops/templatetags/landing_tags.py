"""The account links of the site header, by role (``ops.landing``)."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from cascade import permissions, selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def account_links(context) -> list[dict]:
    """The header's links for the signed-in person: only the areas they have something in.

    A trainee is not offered the trainer workspace; a trainer or staff member without a person
    record is not offered "My learning"; the dashboard is offered to whoever it has figures for.
    """
    user = context.get("user")
    if not getattr(user, "is_authenticated", False):
        return [{"url": reverse("lms:my_learning"), "title": _("My learning")}]
    links = []
    person = permissions.person_of(user)
    if person is not None:
        links.append({"url": reverse("lms:my_learning"), "title": _("My learning")})
        if selectors.trainings_of(person).exists():  # the face-to-face sessions they took part in
            links.append({"url": reverse("cascade:my_trainings"), "title": _("My trainings")})
    if permissions.uses_workspace(user):
        links.append({"url": reverse("cascade:workspace"), "title": _("My sessions")})
    if permissions.reads_dashboard(user):
        links.append({"url": reverse("audit:dashboard"), "title": _("Dashboard")})
    if user.is_staff or user.has_perm("wagtailadmin.access_admin"):
        links.append({"url": reverse("wagtailadmin_home"), "title": _("Staff area")})
    return links
