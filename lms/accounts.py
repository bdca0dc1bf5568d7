"""Trainee logins: signing in with a service number, and creating accounts for people in bulk.

A trainee's account is a Django user linked to their ``Person`` (``Person.user``). Its username is
the service number, and ``ServiceNumberBackend`` also accepts the service number for an account
whose username is something else (the demo ``trainee``, accounts made by hand).

Accounts created for imported people have no usable password: the administrator who creates them
gets, once, a set-password link per account to hand over. The link is Django's password-reset
token, so it stops working as soon as the password is set, or after ``PASSWORD_RESET_TIMEOUT``;
it is never stored.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from simple_history.utils import bulk_update_with_history

from lms import roles
from lms.models import Person

BATCH = 1000
# Change reasons on the people's historical rows.
ACCOUNT_CREATED = "trainee account created"
ACCOUNT_DELETED = "trainee account deleted"


class ServiceNumberBackend(ModelBackend):
    """Authenticate a person by their MOI service number and password.

    The usual username login is ``ModelBackend``'s; this backend only adds the service number, so
    a login typed as a username never reaches it unless no username matched.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        number = username.strip()
        person = (
            Person.objects.select_related("user")
            .filter(service_number__in={number, number.upper()}, user__isnull=False)
            .first()
        )
        if person is None:
            # Hash anyway, so a wrong service number takes as long as a wrong password.
            get_user_model()().set_password(password)
            return None
        user = person.user
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


@dataclass(frozen=True)
class TraineeAccount:
    """An account just created: what the administrator hands to the trainee."""

    service_number: str
    name: str
    username: str
    set_password_url: str  # empty when the account was created with a password


@dataclass(frozen=True)
class TraineeAccountsResult:
    created: list[TraineeAccount]
    skipped: list[tuple[str, str]]  # (service number, reason)


def set_password_url(user) -> str:
    """An absolute one-time link for ``user`` to choose a password."""
    path = reverse(
        "lms:set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


@transaction.atomic
def trainee_accounts_create(*, people: QuerySet[Person], password_hash: str = "", actor=None) -> TraineeAccountsResult:
    """Give every person in ``people`` who has no login a trainee account (username = service number).

    Without ``password_hash`` the accounts get no usable password and each comes back with a
    set-password link; with it (the demo data) they all share that hashed password. People whose
    service number is already someone else's username are skipped and reported. Each linked
    person gets a historical row naming ``actor`` (default: the request's user, if any).
    """
    User = get_user_model()
    trainee_group = Group.objects.get(name=roles.TRAINEE)
    candidates = list(people.filter(user__isnull=True).values_list("pk", "service_number", "name_latin"))
    taken: set[str] = set()
    for chunk in _chunks([number for _pk, number, _name in candidates]):
        taken |= set(User.objects.filter(username__in=chunk).values_list("username", flat=True))
    skipped = [(number, "username_taken") for _pk, number, _name in candidates if number in taken]
    wanted = [row for row in candidates if row[1] not in taken]

    created: list[TraineeAccount] = []
    for chunk in _chunks(wanted):
        users = []
        for _pk, number, latin in chunk:
            first_name, _space, last_name = (latin or "").partition(" ")
            users.append(
                User(
                    username=number,
                    # make_password(None) is an unusable password, random per account, so each
                    # set-password token differs and none can be guessed from another.
                    password=password_hash or make_password(None),
                    first_name=first_name[:150],
                    last_name=last_name[:150],
                )
            )
        users = User.objects.bulk_create(users)
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=user.pk, group_id=trainee_group.pk) for user in users]
        )
        # Whole rows, not Person(pk=..., user_id=...): the historical row copies every field.
        linked = Person.objects.in_bulk([pk for pk, _number, _name in chunk])
        for (pk, _number, _name), user in zip(chunk, users, strict=True):
            linked[pk].user_id = user.pk
        bulk_update_with_history(
            list(linked.values()), Person, ["user"], default_user=actor, default_change_reason=ACCOUNT_CREATED
        )
        for (_pk, number, latin), user in zip(chunk, users, strict=True):
            link = "" if password_hash else set_password_url(user)
            created.append(TraineeAccount(number, latin, user.username, link))
    return TraineeAccountsResult(created=created, skipped=skipped)


@transaction.atomic
def trainee_accounts_delete(*, people: QuerySet[Person], actor=None) -> int:
    """Delete the trainee-only logins of ``people`` (staff and trainer accounts stay)."""
    User = get_user_model()
    accounts = User.objects.filter(person__in=people, is_staff=False, is_superuser=False).exclude(
        groups__name__in=[role for role in roles.ROLES if role != roles.TRAINEE]
    )
    account_ids = list(accounts.values_list("pk", flat=True))
    # Deleting a user empties Person.user with one UPDATE (on_delete=SET_NULL), which keeps no
    # history: unlink the people first, with their historical rows.
    unlinked = list(Person.objects.filter(user_id__in=account_ids))
    for person in unlinked:
        person.user_id = None
    bulk_update_with_history(unlinked, Person, ["user"], default_user=actor, default_change_reason=ACCOUNT_DELETED)
    deleted, _by_model = User.objects.filter(pk__in=account_ids).delete()
    return deleted


def _chunks(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
