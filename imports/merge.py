"""Merging two records of one person: everything that points at the duplicate follows the survivor.

``person_merge`` walks every relation that points at ``lms.Person`` (``Person._meta`` reverse
relations, hidden ones included, so models added later — certificates, enrolments — are covered
without a change here) and moves its rows to the survivor, in one transaction. Where the move
would break a unique constraint (both people in one session, both qualified by one ToT, both
holding one certificate…), the collision is resolved explicitly:

- a participation in the same session: the survivor's row is kept and takes the duplicate's
  values where its own are empty; a completed outcome wins;
- a trainer role in the same session: one row is kept, as lead if either was the lead;
- a qualification from the same ToT: one row is kept, valid from the earlier to the later date;
- any other model: the merge is refused with a message naming the model, so nothing is lost.

The sessions either person took part in are then checked with the cascade's rules
(``cascade.integrity``): a merge that would make someone train themselves or close a cycle in
the lineage is refused and nothing changes. History tables (relations that do nothing on delete)
are left as they were: they record the past. Every tracked row the merge moves, combines, removes
or changes gets its history row, with the merging account as actor and the reason "person merge"
(``ops.history``): a ``QuerySet.update`` would leave no trace of the move. The lineage index
(``cascade.LineageLink``) is derived from sessions, so it is not moved but recomputed for the
survivor and everyone below either person.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from cascade.integrity import sessions_breaches
from cascade.lineage import descendant_ids
from cascade.lineage_upkeep import links_recompute
from cascade.models import (
    LineageLink,
    Outcome,
    Participation,
    SessionTrainer,
    TrainerQualification,
    TrainerRole,
    TrainingSession,
)
from cascade.services import session_draft
from cascade.signals import sessions_note
from lms.models import Person
from ops import history

HISTORY_REASON = "person merge"

SAME_PERSON = _("A person cannot be merged with themselves.")
BOTH_HAVE_ACCOUNTS = _("{survivor} and {duplicate} both have a login account; remove one before merging.")
CANNOT_COMBINE = _(
    "{survivor} and {duplicate} both have a {model} that cannot be combined ({fields}); resolve it before merging."
)


@dataclass
class MergeOutcome:
    survivor_id: int
    moved: dict[str, int] = field(default_factory=dict)
    combined: dict[str, int] = field(default_factory=dict)


# Tables derived from others, rebuilt after the merge rather than moved.
DERIVED = {LineageLink}


def person_relations() -> list:
    """Every relation from another model's foreign key or one-to-one field to Person (derived tables aside)."""
    return [
        relation
        for relation in Person._meta.get_fields(include_hidden=True)
        if relation.auto_created
        and not relation.concrete
        and (relation.one_to_many or relation.one_to_one)
        and relation.field.remote_field.on_delete is not models.DO_NOTHING
        and relation.related_model not in DERIVED
    ]


@transaction.atomic
def person_merge(*, survivor: Person, duplicate: Person, user=None) -> MergeOutcome:
    """Merge ``duplicate`` into ``survivor``; ``user`` (the merging account, else the request's user) is
    recorded as the actor of every history row the merge writes."""
    actor = history.acting_user(user)
    if survivor.pk == duplicate.pk:
        raise ValidationError(SAME_PERSON)
    people = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[survivor.pk, duplicate.pk])}
    survivor, duplicate = people[survivor.pk], people[duplicate.pk]
    session_ids = set(
        Participation.objects.filter(person__in=[survivor, duplicate]).values_list("session_id", flat=True)
    )
    session_ids |= set(
        SessionTrainer.objects.filter(person__in=[survivor, duplicate]).values_list("session_id", flat=True)
    )
    below = descendant_ids([survivor.pk, duplicate.pk]) - {survivor.pk, duplicate.pk}

    outcome = MergeOutcome(survivor_id=survivor.pk)
    for relation in person_relations():
        model, fk = relation.related_model, relation.field
        label = model._meta.label
        rows = model._base_manager.filter(**{fk.name: duplicate})
        if not rows.exists():
            continue
        resolver = _RESOLVERS.get(model)
        if resolver is not None:
            outcome.combined[label] = resolver(survivor, duplicate, actor)
        else:
            _refuse_collisions(model, fk, survivor, duplicate)
        outcome.moved[label] = _move(model._base_manager.filter(**{fk.name: duplicate}), actor, **{fk.name: survivor})

    _keep_identity(survivor, duplicate, actor)
    _mark(duplicate, actor).delete()  # its lineage pairs go with it (on delete cascade)
    links_recompute({survivor.pk, *below})

    sessions = TrainingSession.objects.filter(pk__in=session_ids)
    errors = [
        breach.as_error() for breaches in sessions_breaches([session_draft(s) for s in sessions]) for breach in breaches
    ]
    if errors:
        raise ValidationError(errors)
    sessions_note(session_ids)  # their rows now name the survivor: the figures follow after the commit
    return outcome


def _mark(obj: models.Model, actor) -> models.Model:
    """``obj`` with the actor and reason its next save or delete records in its history row."""
    obj._history_user = actor
    obj._change_reason = HISTORY_REASON
    return obj


def _move(queryset: models.QuerySet, actor, **changes) -> int:
    """``queryset.update(**changes)``, with a "changed" history row per row when the model is tracked."""
    if not history.is_tracked(queryset.model):
        return queryset.update(**changes)
    return history.update_with_history(queryset, user=actor, reason=HISTORY_REASON, **changes)


def _keep_identity(survivor: Person, duplicate: Person, actor) -> None:
    """The survivor keeps its own values and takes the duplicate's where its own are empty."""
    if duplicate.user_id:
        if survivor.user_id:
            raise ValidationError(BOTH_HAVE_ACCOUNTS.format(survivor=survivor, duplicate=duplicate))
        user_id = duplicate.user_id
        duplicate.user = None  # the account is one-to-one: off the duplicate before the survivor takes it
        history.bulk_update_with_history([duplicate], ["user"], Person, user=actor, reason=HISTORY_REASON)
        survivor.user_id = user_id
    for name in ("name_latin", "rank", "unit_id", "station_id"):
        if not getattr(survivor, name) and getattr(duplicate, name):
            setattr(survivor, name, getattr(duplicate, name))
    survivor.is_master_trainer = survivor.is_master_trainer or duplicate.is_master_trainer
    _mark(survivor, actor).save()


def _unique_field_sets(model, fk_name: str) -> list[tuple[list[str], models.Q | None]]:
    sets = [
        (list(c.fields), c.condition)
        for c in model._meta.constraints
        if isinstance(c, models.UniqueConstraint) and fk_name in c.fields
    ]
    sets += [(list(together), None) for together in model._meta.unique_together if fk_name in together]
    if model._meta.get_field(fk_name).unique:
        sets.append(([fk_name], None))
    pk = model._meta.pk
    if isinstance(pk, models.CompositePrimaryKey) and fk_name in pk.field_names:
        sets.append((list(pk.field_names), None))
    return sets


def _refuse_collisions(model, fk, survivor: Person, duplicate: Person) -> None:
    for fields, condition in _unique_field_sets(model, fk.name):
        others = [name for name in fields if name != fk.name]
        theirs = model._base_manager.filter(**{fk.name: duplicate})
        mine = model._base_manager.filter(**{fk.name: survivor})
        if condition is not None:
            theirs, mine = theirs.filter(condition), mine.filter(condition)
        clash = (
            mine.exists()
            if not others
            else any(
                mine.filter(**dict(zip(others, values, strict=True))).exists() for values in theirs.values_list(*others)
            )
        )
        if clash:
            raise ValidationError(
                CANNOT_COMBINE.format(
                    survivor=survivor, duplicate=duplicate, model=model._meta.verbose_name, fields=", ".join(fields)
                )
            )


def _combine_participations(survivor: Person, duplicate: Person, actor) -> int:
    mine = {p.session_id: p for p in Participation.objects.filter(person=survivor)}
    combined = 0
    for theirs in Participation.objects.filter(person=duplicate, session_id__in=list(mine)):
        kept = mine[theirs.session_id]
        _drop_repeated_below(theirs, kept, actor)
        kept.days_attended = max(kept.days_attended, theirs.days_attended)
        kept.pre_score = kept.pre_score if kept.pre_score is not None else theirs.pre_score
        kept.post_score = kept.post_score if kept.post_score is not None else theirs.post_score
        if Outcome.COMPLETED in (kept.outcome, theirs.outcome):
            kept.outcome = Outcome.COMPLETED
        for relation in _children(Participation):
            _move(
                relation.related_model._base_manager.filter(**{relation.field.name: theirs}),
                actor,
                **{relation.field.name: kept},
            )
        _mark(theirs, actor).delete()
        _mark(kept, actor).save()
        combined += 1
    return combined


def _children(model) -> list:
    return [
        r
        for r in model._meta.get_fields(include_hidden=True)
        if r.auto_created
        and not r.concrete
        and (r.one_to_many or r.one_to_one)
        and r.field.remote_field.on_delete is not models.DO_NOTHING
    ]


def _drop_repeated_below(theirs: Participation, kept: Participation, actor) -> None:
    """Rows under the duplicate's participation (attendance days…) that the kept one already has are dropped."""
    for relation in _children(Participation):
        model, fk = relation.related_model, relation.field
        for fields, condition in _unique_field_sets(model, fk.name):
            others = [name for name in fields if name != fk.name]
            below_theirs = model._base_manager.filter(**{fk.name: theirs})
            below_mine = model._base_manager.filter(**{fk.name: kept})
            if condition is not None:
                below_theirs, below_mine = below_theirs.filter(condition), below_mine.filter(condition)
            if not others:
                clash = below_theirs.exists() and below_mine.exists()
            else:
                clash = any(
                    below_mine.filter(**dict(zip(others, values, strict=True))).exists()
                    for values in below_theirs.values_list(*others)
                )
            if clash:
                # The same fact recorded under both records (a day attended twice): keep one.
                for values in below_theirs.values_list(*others) if others else []:
                    _drop(below_theirs.filter(**dict(zip(others, values, strict=True))), actor)
                if not others:
                    _drop(below_theirs, actor)


def _drop(queryset: models.QuerySet, actor) -> None:
    if history.is_tracked(queryset.model):
        history.delete_with_history(queryset, user=actor, reason=HISTORY_REASON)
    else:
        queryset.delete()


def _combine_trainer_roles(survivor: Person, duplicate: Person, actor) -> int:
    mine = {t.session_id: t for t in SessionTrainer.objects.filter(person=survivor)}
    combined = 0
    for theirs in SessionTrainer.objects.filter(person=duplicate, session_id__in=list(mine)):
        kept = mine[theirs.session_id]
        was_lead = theirs.role == TrainerRole.LEAD
        _mark(theirs, actor).delete()
        if was_lead and kept.role != TrainerRole.LEAD:
            kept.role = TrainerRole.LEAD
            _mark(kept, actor).save(update_fields=["role"])
        combined += 1
    return combined


def _combine_qualifications(survivor: Person, duplicate: Person, actor) -> int:
    mine = {(q.course_id, q.source_session_id): q for q in TrainerQualification.objects.filter(person=survivor)}
    combined = 0
    for theirs in TrainerQualification.objects.filter(person=duplicate):
        kept = mine.get((theirs.course_id, theirs.source_session_id))
        if kept is None:
            continue
        kept.valid_from = min(kept.valid_from, theirs.valid_from)
        if kept.valid_until is not None:
            kept.valid_until = None if theirs.valid_until is None else max(kept.valid_until, theirs.valid_until)
        _mark(theirs, actor).delete()
        _mark(kept, actor).save(update_fields=["valid_from", "valid_until"])
        combined += 1
    return combined


_RESOLVERS = {
    Participation: _combine_participations,
    SessionTrainer: _combine_trainer_roles,
    TrainerQualification: _combine_qualifications,
}
