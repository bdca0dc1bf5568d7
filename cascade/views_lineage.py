"""The lineage pages: a person's lineage (the chain above them, the tree below), a trainer's reach,
and the directorate's integrity audit. They parse, check access, call ``cascade.selectors`` /
``cascade.lineage`` / ``cascade.reach`` and render.

Who sees what (on top of ``cascade.permissions``):
- the chain above a person: anyone who may see the person (``people_visible_to``), and trainees
  for themselves only;
- the tree below a person and their reach: administrators and directorate auditors for anyone,
  everyone below named; a trainer for themselves, a centre manager or governorate officer for the
  people they may see — and then the people below are named only when they may see them too
  (others are counted, not named).
  Reading below a trainer is granted by the reader's own role and sessions, never by whom they put
  on a roster: a trainer who adds another trainer to their session sees that person's row on the
  roster, not the tree below them (the lineage index would place that whole tree below the reader);
- the audit page: administrators and directorate auditors.
A person outside all of this is a 404, so their existence is not revealed.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from cascade import integrity, lineage, permissions, reach, selectors
from lms.models import Person

TREE_ALL = "all"  # everyone below is named
TREE_SCOPED = "scoped"  # only the people the user may see are named

RULE_TITLES = {
    integrity.RULE_SELF_TRAINING: _("Self-training: a trainer is also a participant of their own session"),
    integrity.RULE_NOT_QUALIFIED: _("A cascade trainer without a qualification for the course on the start date"),
    integrity.RULE_CYCLE: _("A cycle in the lineage: people who trained each other"),
}


# --- Access -----------------------------------------------------------------------------------


def tree_access(user, person: Person) -> str | None:
    """How much of the tree below ``person`` (and their reach) ``user`` may see: all, scoped, or nothing."""
    if permissions.sees_everything(user):
        return TREE_ALL
    if person.pk == permissions.trainer_person_id(user):
        return TREE_SCOPED
    staff = permissions.managed_centre_id(user) is not None or permissions.officer_governorate_id(user) is not None
    if staff and permissions.people_visible_to(user).filter(pk=person.pk).exists():
        return TREE_SCOPED
    return None


def chain_visible(user, person: Person) -> bool:
    """Whether ``user`` may see the chain of trainers above ``person``."""
    return permissions.people_visible_to(user).filter(pk=person.pk).exists()


def _visible_person(request: HttpRequest, pk: int) -> Person:
    person = get_object_or_404(Person.objects.select_related("governorate"), pk=pk)
    if not chain_visible(request.user, person):
        raise Http404
    return person


def _named_ids(user, access: str, person_ids: list[int]) -> set[int]:
    if access == TREE_ALL:
        return set(person_ids)
    return set(permissions.people_visible_to(user).filter(pk__in=person_ids).values_list("pk", flat=True))


def _workspace_url(session_id: int) -> str | None:
    try:
        return reverse("cascade:workspace_session", args=[session_id])
    except NoReverseMatch:
        return None


def _tree_root_access(request: HttpRequest, person: Person) -> str:
    access = tree_access(request.user, person)
    if access is None:
        raise Http404
    return access


def _partial(request: HttpRequest) -> dict:
    """A fragment for the tree's script (``?partial=1``), or a page of its own (no script, or a link)."""
    partial = request.GET.get("partial") == "1"
    return {
        "partial": partial,
        "base_template": "cascade/lineage/partial.html" if partial else "cascade/lineage/base.html",
    }


# --- Views ------------------------------------------------------------------------------------


@login_required
def person_lineage(request: HttpRequest, pk: int) -> HttpResponse:
    person = _visible_person(request, pk)
    access = tree_access(request.user, person)
    context = {
        "person": person,
        "generation": lineage.person_generation(person.pk),
        "chain": selectors.lineage_chain(person),
        "tree_access": access,
        "can_see_reach": access is not None,
    }
    if access is not None:
        levels = lineage.descendants_by_depth(person.pk)
        page = selectors.sessions_trained_page(person, 1)
        sessions = list(page.object_list)
        context.update(
            levels=[
                {
                    "depth": depth,
                    "people": people,
                    "generation": None if context["generation"] is None else context["generation"] + depth,
                }
                for depth, people in levels.items()
            ],
            below_total=sum(levels.values()),
            sessions_page=page,
            sessions=sessions,
            session_generation=None if context["generation"] is None else context["generation"] + 1,
        )
    return render(request, "cascade/lineage/person.html", context)


@login_required
def person_lineage_sessions(request: HttpRequest, pk: int) -> HttpResponse:
    """The sessions a person trained, a page at a time (a fragment for the tree, or a page of its own)."""
    person = _visible_person(request, pk)
    _tree_root_access(request, person)
    page = selectors.sessions_trained_page(person, request.GET.get("page"))
    sessions = list(page.object_list)
    generation = lineage.person_generation(person.pk)
    context = {
        "person": person,
        "sessions_page": page,
        "sessions": sessions,
        "session_generation": None if generation is None else generation + 1,
        **_partial(request),
    }
    return render(request, "cascade/lineage/sessions.html", context)


@login_required
def session_participants(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    """The participants of one session ``pk`` trained, a page at a time, each with the people below them."""
    person = _visible_person(request, pk)
    access = _tree_root_access(request, person)
    session = get_object_or_404(selectors.session_trained_by(person, session_pk))
    page, rows = selectors.participants_page(
        session, request.GET.get("page"), named=lambda ids: _named_ids(request.user, access, ids)
    )
    context = {
        "person": person,
        "session": session,
        "page": page,
        "rows": rows,
        **_partial(request),
        "hidden": sum(1 for row in rows if row["person"] is None),
    }
    return render(request, "cascade/lineage/participants.html", context)


@login_required
def trainer_reach(request: HttpRequest, pk: int) -> HttpResponse:
    person = _visible_person(request, pk)
    access = _tree_root_access(request, person)
    figures = reach.trainer_reach(person.pk)
    people_page = selectors.reach_people_page(person.pk, figures.total, request.GET.get("page"))
    ids = [pid for pid, _depth in people_page.object_list]
    named = _named_ids(request.user, access, ids)
    people = selectors.people_with_governorate(ids)
    listing = [
        {
            "person": people[pid] if pid in named else None,
            "person_id": pid,
            "governorate": people[pid].governorate,
            "depth": depth,
            "generation": None if figures.generation is None else figures.generation + depth,
        }
        for pid, depth in people_page.object_list
    ]
    largest = max((row.people for row in figures.by_level), default=0)
    context = {
        "person": person,
        "reach": figures,
        "largest_level": largest,
        "people_page": people_page,
        "people": listing,
        "gain_labels": {1: _("Their trainees"), 2: _("Their trainees' trainees"), 3: _("Three levels below them")},
    }
    return render(request, "cascade/lineage/reach.html", context)


@login_required
def integrity_audit(request: HttpRequest) -> HttpResponse:
    if not permissions.sees_everything(request.user):
        raise PermissionDenied
    grouped = selectors.integrity_violations()
    groups = [
        {
            "rule": rule,
            "title": title,
            "rows": [
                {
                    "message": row.message,
                    "sessions": [
                        {"ref": ref, "url": _workspace_url(pk) if pk is not None else None}
                        for ref, pk in row.session_refs
                    ],
                    "people": list(row.people),
                }
                for row in grouped.get(rule, [])
            ],
        }
        for rule, title in RULE_TITLES.items()
    ]
    total = sum(len(rows) for rows in grouped.values())
    return render(request, "cascade/lineage/audit.html", {"groups": groups, "total": total})
