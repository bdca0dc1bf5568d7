"""Build and remove the demo data; the command and the tests call these."""

from django.db import transaction
from django.db.models import Q, QuerySet
from wagtail import hooks

from cascade import lineage_upkeep
from cascade.demo.accounts import DEMO_LOGINS, TRAINER_LOGINS, demo_accounts_create, demo_accounts_delete
from cascade.demo.build import DEMO_PREFIX, Builder, DemoSummary
from cascade.demo.places import delete_unused_places
from cascade.demo.refresher import refresher_tot_create
from cascade.demo.rows import delete_rows
from cascade.models import Participation, SessionTrainer, TrainerQualification, TrainingSession
from lms.models import Person

# Certificates sit above the cascade, so the builder asks for the demo logins' certificates through this
# hook: each function registered under it takes ``person_ids`` (the people behind the demo logins) and
# returns how many certificates it issued for their completed participations in closed sessions.
DEMO_CERTIFICATES_HOOK = "cascade_demo_certificates"


def demo_people() -> QuerySet[Person]:
    """The demo people: their service numbers carry the demo prefix."""
    return Person.objects.filter(service_number__startswith=DEMO_PREFIX)


@transaction.atomic
def demo_data_build(*, seed: int = 1, scale: int = 1, reset: bool = False) -> DemoSummary:
    """Build the demo data unless it is already there (then nothing changes and ``created`` is False)."""
    if scale < 1:
        raise ValueError("scale must be a positive whole number")
    existing = 0 if reset else demo_people().count()
    if existing:
        return DemoSummary(created=False, seed=seed, scale=scale, people=existing)
    # The builder writes rows in bulk: the lineage index and its counts are rebuilt once at the end.
    with lineage_upkeep.bulk_writes():
        if reset:
            demo_data_reset()
        builder = Builder(seed=seed, scale=scale)
        summary = builder.run()
    summary.logins = demo_accounts_create(first_gen_ids=builder.first_gen_ids)
    # The demo trainers' qualifications lapsed with the years; renew them so they can open a session today.
    trainer_ids = list(Person.objects.filter(user__username__in=TRAINER_LOGINS).values_list("pk", flat=True))
    summary.refresher_sessions = len(refresher_tot_create(person_ids=trainer_ids, prefix=DEMO_PREFIX))
    # Only the demo logins' own certificates: a few dozen at most, so a fresh install shows them at once
    # (each PDF is drawn on its first download); the rest are the Directorate's batches to issue.
    login_people = list(
        Person.objects.filter(user__username__in=[login.username for login in DEMO_LOGINS]).values_list("pk", flat=True)
    )
    summary.certificates = sum(issue(person_ids=login_people) for issue in hooks.get_hooks(DEMO_CERTIFICATES_HOOK))
    return summary


@lineage_upkeep.bulk_writes()
def demo_data_reset() -> None:
    """Delete every demo row: sessions with their trainers, participations and qualifications, people,
    accounts, and the demo places nothing else uses. The lineage index and its counts are rebuilt at the end."""
    sessions = TrainingSession.objects.filter(ref__startswith=DEMO_PREFIX)
    people = demo_people()
    ours = Q(session__in=sessions) | Q(person__in=people)
    delete_rows(TrainerQualification.objects.filter(Q(source_session__in=sessions) | Q(person__in=people)))
    delete_rows(Participation.objects.filter(ours))
    delete_rows(SessionTrainer.objects.filter(ours))
    delete_rows(sessions)
    demo_accounts_delete()
    delete_rows(people)
    delete_unused_places()
