"""Logins for the workspace and permission tests: one per role, scoped like real staff.

Users get no password (hashing one costs about a second); tests sign them in with ``force_login``.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from lms import roles
from lms.models import Person, StaffScope


def login(username: str, role: str, *, person: Person | None = None, centre=None, governorate=None):
    user = get_user_model().objects.create_user(username=username, password=None)
    user.groups.add(Group.objects.get(name=role))
    if person is not None:
        person.user = user
        person.save(update_fields=["user"])
    if centre is not None or governorate is not None:
        StaffScope.objects.create(user=user, training_centre=centre, governorate=governorate)
    return user


def trainer_login(person: Person, username: str = ""):
    return login(username or f"trainer-{person.pk}", roles.TRAINER, person=person)
