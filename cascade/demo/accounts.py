"""Demo login accounts: one per role, scoped like real staff, sharing one password.

Trainer and trainee accounts are linked to people of the demo cascade: ``trainer.a`` and
``trainer.b`` are generation-1 trainers who lead cascade sessions at the centres that
``manager.baghdad`` and ``manager.basra`` manage; ``trainee`` completed a session ``trainer.a`` led.
Demo accounts carry an e-mail address in the reserved ``.invalid`` domain, which is how a reset
tells them from real accounts with the same username.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db.models import Count

from cascade.models import Outcome, Participation, SessionKind, SessionStatus, SessionTrainer, TrainerRole
from lms import roles
from lms.accounts import trainee_accounts_create, trainee_accounts_delete
from lms.models import Governorate, Person, StaffScope, TrainingCentre

DEMO_PASSWORD = "mps-demo-2024"  # noqa: S105 — published on purpose: demo accounts only
DEMO_EMAIL_DOMAIN = "demo.invalid"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    description: str
    display_name: str = ""
    centre: str = ""  # training-centre code the account is scoped to
    governorate: str = ""  # governorate code the account is scoped to


DEMO_LOGINS = (
    DemoLogin(
        "admin", roles.ADMINISTRATOR, "Administrator: every screen and record (superuser)", "Programme Administrator"
    ),
    DemoLogin(
        "reviewer", roles.CONTENT_REVIEWER, "Content reviewer: reviews and publishes course pages", "Noor Al-Musawi"
    ),
    DemoLogin(
        "manager.baghdad",
        roles.CENTRE_MANAGER,
        "Training-centre manager, Baghdad Police Academy",
        "Haider Al-Saadi",
        centre="TC-BG-01",
    ),
    DemoLogin(
        "manager.basra",
        roles.CENTRE_MANAGER,
        "Training-centre manager, Basra Police Academy",
        "Ammar Al-Kaabi",
        centre="TC-BA-01",
    ),
    DemoLogin(
        "officer.ninewa",
        roles.GOVERNORATE_OFFICER,
        "Governorate training officer, Ninewa",
        "Yousif Al-Hamdani",
        governorate="NI",
    ),
    DemoLogin(
        "auditor",
        roles.DIRECTORATE_AUDITOR,
        "Training and Qualifications Directorate auditor: every governorate, read-only",
        "Zainab Al-Ani",
    ),
    DemoLogin(
        "trainer.a", roles.TRAINER, "Generation-1 trainer leading cascade sessions at the Baghdad Police Academy"
    ),
    DemoLogin("trainer.b", roles.TRAINER, "Generation-1 trainer leading cascade sessions at the Basra Police Academy"),
    DemoLogin("trainee", roles.TRAINEE, "Police officer trained in cascade sessions led by trainer.a"),
)


# The trainer accounts, linked to generation-1 trainers of the demo cascade.
TRAINER_LOGINS = ("trainer.a", "trainer.b")


def demo_logins() -> list[DemoLogin]:
    """The demo accounts, for the setup script and the README to print."""
    return list(DEMO_LOGINS)


def demo_accounts_create(*, first_gen_ids: set[int]) -> list[str]:
    """Create the demo accounts that do not exist yet; return the usernames created.

    ``first_gen_ids`` are the generation-1 trainers, among whom the trainer accounts are chosen.
    An existing account with a demo username is left alone.
    """
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing is slow on purpose
    groups = {group.name: group for group in Group.objects.filter(name__in={login.role for login in DEMO_LOGINS})}
    taken = set(
        User.objects.filter(username__in=[login.username for login in DEMO_LOGINS]).values_list("username", flat=True)
    )
    people = _linked_people(first_gen_ids)
    names = dict(Person.objects.filter(id__in=people.values()).values_list("id", "name_latin"))
    created = []
    for login in DEMO_LOGINS:
        if login.username in taken:
            continue
        person_id = people.get(login.username)
        first_name, _space, last_name = (names.get(person_id) or login.display_name).partition(" ")
        user = User.objects.create(
            username=login.username,
            email=f"{login.username}@{DEMO_EMAIL_DOMAIN}",
            password=password,
            first_name=first_name,
            last_name=last_name,
            is_staff=login.role in roles.STAFF_ROLES,
            is_superuser=login.role == roles.ADMINISTRATOR,
        )
        user.groups.add(groups[login.role])
        if login.centre:
            StaffScope.objects.create(user=user, training_centre=TrainingCentre.objects.get(code=login.centre))
        elif login.governorate:
            StaffScope.objects.create(user=user, governorate=Governorate.objects.get(code=login.governorate))
        if person_id:
            Person.objects.filter(pk=person_id).update(user=user)
        created.append(login.username)
    # Every other demo person gets a trainee login too (username = service number, same password).
    trainees = trainee_accounts_create(
        people=Person.objects.filter(service_number__startswith="DEMO-", is_master_trainer=False),
        password_hash=password,
    )
    created += [account.username for account in trainees.created]
    return created


def demo_accounts_delete() -> int:
    """Delete the demo accounts (their scopes go with them; their people stay, unlinked)."""
    User = get_user_model()
    deleted, _by_model = User.objects.filter(
        username__in=[login.username for login in DEMO_LOGINS], email__endswith=f"@{DEMO_EMAIL_DOMAIN}"
    ).delete()
    return deleted + trainee_accounts_delete(people=Person.objects.filter(service_number__startswith="DEMO-"))


def _linked_people(first_gen_ids: set[int]) -> dict[str, int]:
    """The people behind trainer.a, trainer.b and trainee."""
    linked = {}
    for username, centre in zip(TRAINER_LOGINS, ("TC-BG-01", "TC-BA-01"), strict=True):
        leads = (
            SessionTrainer.objects.filter(
                role=TrainerRole.LEAD, session__kind=SessionKind.CASCADE, session__training_centre__code=centre
            )
            .values_list("person_id", "person__service_number")
            .annotate(sessions=Count("id"))
            .order_by("-sessions", "person__service_number")
        )
        found = next((pid for pid, _number, _n in leads if pid in first_gen_ids), None)
        if found:
            linked[username] = found
    if "trainer.a" not in linked:
        return linked
    trainee = (
        Participation.objects.filter(
            session__kind=SessionKind.CASCADE,
            session__status=SessionStatus.CLOSED,
            session__trainers__person_id=linked["trainer.a"],
            session__trainers__role=TrainerRole.LEAD,
            outcome=Outcome.COMPLETED,
            person__trainer_roles__isnull=True,
        )
        .order_by("person__service_number")
        .values_list("person_id", flat=True)
        .first()
    )
    if trainee:
        linked["trainee"] = trainee
    return linked
