"""Merging two records of one person: everything that points at the duplicate follows the survivor.

``person_merge`` walks every relation that points at ``lms.Person`` (``Person._meta`` reverse
relations, hidden ones included, so models added later — certificates, enrolments — are covered
without a change here) and moves its rows to the survivor, in one transaction. Where the move
would break a unique constraint (both people in one session, both qualified by one ToT, both
holding one certificate…), the collision is resolved explicitly: the cascade's records
(participations, trainer roles, qualifications) are moved and combined by the cascade's writer
(``cascade.writer.person_records_merge``, which says how); for any other model the merge is
refused with a message naming the model, so nothing is lost.

The sessions either person took part in are then checked with the cascade's rules
(``cascade.writer.person_merge_finish``): a merge that would make someone train themselves or
close a cycle in the lineage is refused and nothing changes. History tables (relations that do nothing on delete)
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

from cascade.lineage import descendant_ids
from cascade.models import LineageLink, Participation, SessionTrainer
from cascade.writer import PERSON_RECORDS, person_merge_finish, person_records_merge
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
        rows = model._base_manager.filter(**{fk.name: duplicate})
        if model in PERSON_RECORDS or not rows.exists():
            continue
        _refuse_collisions(model, fk, survivor, duplicate)
        outcome.moved[model._meta.label] = _move(rows, actor, **{fk.name: survivor})
    outcome.combined, moved = person_records_merge(
        survivor=survivor, duplicate=duplicate, user=actor, reason=HISTORY_REASON
    )
    outcome.moved |= moved

    _keep_identity(survivor, duplicate, actor)
    _mark(duplicate, actor).delete()  # its lineage pairs go with it (on delete cascade)
    person_merge_finish(
        survivor=survivor, people_below=below, session_ids=session_ids, user=actor, reason=HISTORY_REASON
    )
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
