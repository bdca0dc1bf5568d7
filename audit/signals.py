"""Keep the participation facts equal to the cascade's records.

The cascade's writers send ``cascade.signals.sessions_changed`` once per committed transaction,
naming the sessions written and every session whose stored generation the write moved; the facts
of exactly those sessions are refreshed (``audit.tasks.sessions_facts_refresh``: at once where
tasks run eagerly, the embedded default; on a worker otherwise), and until then they are noted as
not yet counted (``audit.services.sessions_pending_note``). A wholesale load or restore
(``everything``) rebuilds every fact and the national pages. No receiver here follows model saves:
the writers say what changed, whatever path wrote it (bulk writes included).

Changed targets of the national plan (``plans.signals.targets_changed``, sent by the admin's plan
form and the targets import) retire the stored dashboards; an anonymised person drops
every rendered page.
"""

from django.db import transaction
from django.dispatch import receiver

from cascade.signals import sessions_changed
from ops.signals import person_anonymised
from plans.signals import targets_changed


@receiver(sessions_changed, dispatch_uid="audit_sessions_changed")
def sessions_changed_received(sender, session_ids: frozenset[int], everything: bool = False, **kwargs) -> None:
    from audit.services import sessions_pending_note
    from audit.tasks import facts_rebuild, sessions_facts_refresh

    # Noted before the refresh is queued: until it has run, the pages say what is not yet counted.
    sessions_pending_note(session_ids=session_ids, everything=everything)
    if everything:
        facts_rebuild.delay()
    elif session_ids:
        sessions_facts_refresh.delay(sorted(session_ids))


@receiver(targets_changed, dispatch_uid="audit_targets_changed")
def targets_changed_received(sender, **kwargs) -> None:
    """Changed plan lines change targets shown with the stored figures: retire them after the commit
    (no figure is derived from them: the targets are read as they are)."""
    from audit.services import facts_version_bump

    transaction.on_commit(facts_version_bump)


@receiver(person_anonymised, dispatch_uid="audit_person_anonymised")
def person_anonymised_received(sender, person_id: int, **kwargs) -> None:
    """Stored pages print trainers' names as they were when rendered: none may outlive an
    anonymisation, not even as a retired page, so they are all dropped (the stored figures hold
    ids only and stay)."""
    from audit.models import DashboardPage

    DashboardPage.objects.all().delete()
