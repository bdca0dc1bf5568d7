"""The lineage pages: a person's lineage (the chain above them, the tree below), a trainer's reach,
and the directorate's integrity audit. They parse, check access, call ``cascade.lineage`` /
``cascade.reach`` / ``cascade.integrity`` and render.

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

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from cascade import integrity, lineage, permissions, reach
from cascade.models import Participation, SessionKind, SessionTrainer, TrainingSession
from lms.models import Person

SESSIONS_PER_PAGE = 20
PEOPLE_PER_PAGE = 50

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


# --- The chain above ----------------------------------------------------------------------------


@dataclass
class ChainSession:
    """One session in which a trainer of the chain trained people of the chain below them."""

    edge: lineage.ChainEdge
    trained: list[Person] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return SessionKind(self.edge.kind).label


@dataclass
class ChainEntry:
    person: Person
    generation: int | None
    sessions: list[ChainSession] = field(default_factory=list)


@dataclass
class ChainLevel:
    depth: int  # 1 = trained the person directly
    entries: list[ChainEntry]


def _chain(person: Person) -> list[ChainLevel]:
    """The people above ``person``, level by level from the master trainers down, each drawn once with the
    sessions in which they trained the people of the chain below them: every path, without repeating anyone."""
    above = lineage.ancestors_by_depth(person.pk)
    if not above:
        return []
    edges = lineage.chain_edges(person.pk)
    people = Person.objects.select_related("governorate").in_bulk({person.pk, *above})
    generations = lineage.generations_of(above)
    sessions_of: dict[int, dict[int, ChainSession]] = {}
    for edge in edges:
        session = sessions_of.setdefault(edge.trainer_id, {}).setdefault(edge.session_id, ChainSession(edge))
        session.trained.append(people[edge.participant_id])
    levels: dict[int, list[ChainEntry]] = {}
    for pk, depth in above.items():
        entry = ChainEntry(people[pk], generations.get(pk), list(sessions_of.get(pk, {}).values()))
        levels.setdefault(depth, []).append(entry)
    return [
        ChainLevel(depth, sorted(levels[depth], key=lambda e: (e.generation is None, e.generation, e.person.name_ar)))
        for depth in sorted(levels, reverse=True)
    ]


# --- The tree below -----------------------------------------------------------------------------


def _sessions_page(person: Person, page_number) -> tuple[object, list[dict]]:
    """A page of the sessions ``person`` trained, newest first, with their participant counts."""
    trained = (
        TrainingSession.objects.filter(trainers__person_id=person.pk)
        .select_related("course")
        .annotate(participants=Count("participations", distinct=True))
        .order_by("-start_date", "-pk")
    )
    page = Paginator(trained, SESSIONS_PER_PAGE).get_page(page_number)
    return page, list(page.object_list)


def _participants_page(user, access: str, session: TrainingSession, page_number) -> tuple[object, list[dict]]:
    """A page of a session's participants, with how many people are below each and whether they are named."""
    rows = (
        Participation.objects.filter(session=session)
        .select_related("person", "person__governorate")
        .order_by("person__name_ar", "person_id")
    )
    page = Paginator(rows, PEOPLE_PER_PAGE).get_page(page_number)
    participations = list(page.object_list)
    ids = [p.person_id for p in participations]
    below = lineage.descendant_counts(ids)
    named = _named_ids(user, access, ids)
    generations = lineage.generations_of(ids)
    return page, [
        {
            "participation": p,
            "person": p.person if p.person_id in named else None,
            "person_id": p.person_id,
            "governorate": p.person.governorate,
            "below": below.get(p.person_id, 0),
            "generation": generations.get(p.person_id),
            "gain": None if p.pre_score is None or p.post_score is None else p.post_score - p.pre_score,
        }
        for p in participations
    ]


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
        "chain": _chain(person),
        "tree_access": access,
        "can_see_reach": access is not None,
    }
    if access is not None:
        levels = lineage.descendants_by_depth(person.pk)
        page, sessions = _sessions_page(person, 1)
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
    page, sessions = _sessions_page(person, request.GET.get("page"))
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
    session = get_object_or_404(
        TrainingSession.objects.select_related("course"),
        pk=session_pk,
        pk__in=SessionTrainer.objects.filter(person_id=person.pk).values("session_id"),
    )
    page, rows = _participants_page(request.user, access, session, request.GET.get("page"))
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
    people_page = Paginator(_ReachPeople(person.pk, figures.total), PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    ids = [pid for pid, _depth in people_page.object_list]
    named = _named_ids(request.user, access, ids)
    people = Person.objects.select_related("governorate").in_bulk(ids)
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


class _ReachPeople:
    """The people below a trainer, nearest first, sliced by the paginator without loading them all."""

    def __init__(self, person_id: int, total: int) -> None:
        self.person_id, self.total = person_id, total

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, item: slice) -> list[tuple[int, int]]:
        return lineage.descendant_page(
            self.person_id, offset=item.start or 0, limit=(item.stop or 0) - (item.start or 0)
        )


@login_required
def integrity_audit(request: HttpRequest) -> HttpResponse:
    if not permissions.sees_everything(request.user):
        raise PermissionDenied
    violations = integrity.audit_stored()
    refs = {ref for v in violations for ref in v.session_refs}
    sessions = dict(TrainingSession.objects.filter(ref__in=refs).values_list("ref", "pk"))
    person_ids = {pk for v in violations for pk in v.person_ids}
    people = Person.objects.in_bulk(person_ids)
    groups = []
    for rule, title in RULE_TITLES.items():
        rows = [
            {
                "message": v.message,
                "sessions": [
                    {"ref": ref, "url": _workspace_url(sessions[ref]) if ref in sessions else None}
                    for ref in v.session_refs
                ],
                "people": [people[pk] for pk in v.person_ids if pk in people],
            }
            for v in violations
            if v.rule == rule
        ]
        groups.append({"rule": rule, "title": title, "rows": rows})
    return render(request, "cascade/lineage/audit.html", {"groups": groups, "total": len(violations)})
