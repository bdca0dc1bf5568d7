"""Keep the participation facts current on the cascade's write paths.

Any saved or deleted session, session trainer or participation schedules a refresh of that
session's facts once the transaction commits (``delay_on_commit``: nothing is done for a write
that rolls back). A changed target of the national plan retires the stored dashboards; an
anonymised person drops every rendered page. Bulk
loads that bypass the ORM (the demo builder) are covered by the periodic full rebuild and by
``manage.py audit_refresh``.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from cascade.models import Participation, SessionTrainer, TrainingSession
from lms.signals import person_anonymised
from plans.models import Target


@receiver([post_save, post_delete], sender=TrainingSession, dispatch_uid="audit_session_changed")
def session_changed(sender, instance: TrainingSession, **kwargs) -> None:
    _schedule(instance.pk)


@receiver([post_save, post_delete], sender=Participation, dispatch_uid="audit_participation_changed")
@receiver([post_save, post_delete], sender=SessionTrainer, dispatch_uid="audit_trainer_changed")
def session_row_changed(sender, instance, **kwargs) -> None:
    _schedule(instance.session_id)


@receiver([post_save, post_delete], sender=Target, dispatch_uid="audit_target_changed")
def target_changed(sender, instance: Target, **kwargs) -> None:
    """A changed plan line changes targets shown with the stored figures: retire them."""
    from audit.services import facts_version_bump

    transaction.on_commit(facts_version_bump)


@receiver(person_anonymised, dispatch_uid="audit_person_anonymised")
def person_anonymised_received(sender, person_id: int, **kwargs) -> None:
    """Stored pages print trainers' names as they were when rendered: none may outlive an
    anonymisation, not even as a retired page, so they are all dropped (the stored figures hold
    ids only and stay)."""
    from audit.models import DashboardPage

    DashboardPage.objects.all().delete()


def _schedule(session_id: int | None) -> None:
    from audit.tasks import session_facts_refresh

    if session_id:
        session_facts_refresh.delay_on_commit(session_id)
