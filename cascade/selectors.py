"""Reads for the cascade's pages: the trainer workspace and the lineage pages.

Each function returns a queryset, a page or frozen data for one page's question; none writes and
none decides who may see what: the views scope first (``cascade.permissions``), then ask here.
The lineage questions themselves (ancestors, descendants, generations) are ``cascade.lineage``'s.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from cascade import integrity, lineage
from cascade.models import Outcome, Participation, SessionKind, SessionTrainer, TrainerQualification, TrainingSession
from lms.models import Gender, Person

SESSIONS_PER_PAGE = 20
PEOPLE_PER_PAGE = 50
SEARCH_RESULTS_MAX = 20


# --- The workspace ----------------------------------------------------------------------------


def workspace_sessions(sessions: QuerySet[TrainingSession], *, status: str | None = None) -> QuerySet[TrainingSession]:
    """The workspace's list of ``sessions`` (already scoped), open first, newest first, with their named count."""
    listed = (
        sessions.select_related("course", "training_centre")
        .annotate(named=Count("participations", distinct=True))
        .order_by("status", "-start_date", "ref")
    )
    return listed.filter(status=status) if status else listed


def qualifications_of(person_id: int | None) -> QuerySet[TrainerQualification]:
    """A trainer's qualifications, by course code (none without a person)."""
    if person_id is None:
        return TrainerQualification.objects.none()
    return TrainerQualification.objects.filter(person_id=person_id).select_related("course").order_by("course__code")


def session_roster(session: TrainingSession) -> QuerySet[Participation]:
    """The session's participations with their people, by name."""
    return session.participations.select_related("person").order_by("person__name_ar")


def session_trainers(session: TrainingSession) -> QuerySet[SessionTrainer]:
    return session.trainers.select_related("person").order_by("role", "person__name_ar")


def is_named_trainer(session: TrainingSession, user) -> bool:
    """Whether ``user``'s person trains ``session``."""
    return session.trainers.filter(person__user=user).exists()


@dataclass(frozen=True)
class Coverage:
    """Named participants against the reported headcount of a session."""

    named_men: int
    named_women: int
    named: int
    reported: int
    unnamed: int
    share: int | None


def session_coverage(session: TrainingSession) -> Coverage:
    named = session.participations.aggregate(
        men=Count("id", filter=Q(person__gender=Gender.MALE)),
        women=Count("id", filter=Q(person__gender=Gender.FEMALE)),
    )
    named_total = named["men"] + named["women"]
    reported = session.headcount_reported
    return Coverage(
        named_men=named["men"],
        named_women=named["women"],
        named=named_total,
        reported=reported,
        unnamed=max(reported - named_total, 0),
        share=round(100 * named_total / reported) if reported else None,
    )


def session_outcomes(session: TrainingSession) -> dict[str, int]:
    """How many participants have each outcome (by its label, in the choices' order)."""
    counts = dict(session.participations.values_list("outcome").annotate(n=Count("id")).order_by())
    return {label: counts[value] for value, label in Outcome.choices if value in counts}


def roster_candidates(session: TrainingSession, query: str) -> list[Person]:
    """People matching ``query`` (service number or name, any Arabic spelling) not yet on the roster."""
    return list(
        Person.objects.search_name(query)
        .exclude(pk__in=session.participations.values("person_id"))
        .select_related("governorate")
        .order_by("name_ar")[:SEARCH_RESULTS_MAX]
    )


def trainings_of(person: Person | None) -> QuerySet[Participation]:
    """A person's own participations, newest first."""
    if person is None:
        return Participation.objects.none()
    return (
        Participation.objects.filter(person=person)
        .select_related("session__course", "session__training_centre")
        .order_by("-session__start_date")
    )


# --- The chain above a person -----------------------------------------------------------------


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


def lineage_chain(person: Person) -> list[ChainLevel]:
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


# --- The tree below a person --------------------------------------------------------------------


def sessions_trained_page(person: Person, page_number) -> Page:
    """A page of the sessions ``person`` trained, newest first, with their participant counts."""
    trained = (
        TrainingSession.objects.filter(trainers__person_id=person.pk)
        .select_related("course")
        .annotate(participants=Count("participations", distinct=True))
        .order_by("-start_date", "-pk")
    )
    return Paginator(trained, SESSIONS_PER_PAGE).get_page(page_number)


def session_trained_by(person: Person, session_pk: int) -> QuerySet[TrainingSession]:
    """The session ``session_pk`` if ``person`` trained it (else empty)."""
    return TrainingSession.objects.select_related("course").filter(
        pk=session_pk, pk__in=SessionTrainer.objects.filter(person_id=person.pk).values("session_id")
    )


def participants_page(
    session: TrainingSession, page_number, *, named: Callable[[list[int]], set[int]]
) -> tuple[Page, list[dict]]:
    """A page of a session's participants, with how many people are below each; ``named`` says which of the
    page's people the reader may see by name (the others are counted, not named)."""
    rows = (
        Participation.objects.filter(session=session)
        .select_related("person", "person__governorate")
        .order_by("person__name_ar", "person_id")
    )
    page = Paginator(rows, PEOPLE_PER_PAGE).get_page(page_number)
    participations = list(page.object_list)
    ids = [p.person_id for p in participations]
    below = lineage.descendant_counts(ids)
    shown = named(ids)
    generations = lineage.generations_of(ids)
    return page, [
        {
            "participation": p,
            "person": p.person if p.person_id in shown else None,
            "person_id": p.person_id,
            "governorate": p.person.governorate,
            "below": below.get(p.person_id, 0),
            "generation": generations.get(p.person_id),
            "gain": None if p.pre_score is None or p.post_score is None else p.post_score - p.pre_score,
        }
        for p in participations
    ]


class ReachPeople:
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


def reach_people_page(person_id: int, total: int, page_number) -> Page:
    return Paginator(ReachPeople(person_id, total), PEOPLE_PER_PAGE).get_page(page_number)


def people_with_governorate(person_ids: list[int]) -> dict[int, Person]:
    return Person.objects.select_related("governorate").in_bulk(person_ids)


# --- The integrity audit ----------------------------------------------------------------------


@dataclass(frozen=True)
class ViolationRow:
    message: str
    session_refs: tuple[tuple[str, int | None], ...]  # (ref, session id when it still exists)
    people: tuple[Person, ...]


def integrity_violations() -> dict[str, list[ViolationRow]]:
    """Every stored breach of the lineage rules, by rule code, with its sessions and people."""
    violations = integrity.audit_stored()
    refs = {ref for v in violations for ref in v.session_refs}
    sessions = dict(TrainingSession.objects.filter(ref__in=refs).values_list("ref", "pk"))
    people = Person.objects.in_bulk({pk for v in violations for pk in v.person_ids})
    grouped: dict[str, list[ViolationRow]] = {}
    for v in violations:
        grouped.setdefault(v.rule, []).append(
            ViolationRow(
                message=v.message,
                session_refs=tuple((ref, sessions.get(ref)) for ref in v.session_refs),
                people=tuple(people[pk] for pk in v.person_ids if pk in people),
            )
        )
    return grouped
