"""Course content is loaded once per test module (the loader publishes ~26 pages per course and
language), inside a transaction rolled back when the module ends; each test runs in a savepoint."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction

PASSWORD = "a-long-test-password"  # noqa: S105


def load(*codes: str) -> None:
    args = [arg for code in codes for arg in ("--course", code)]
    call_command("load_courses", *args, stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture(scope="module")
def two_courses(django_db_setup, django_db_blocker):
    """MPS-01 and MPS-02 in Arabic and English, with the site shell and workflow."""
    with django_db_blocker.unblock(), transaction.atomic():
        load("MPS-01", "MPS-02")
        yield
        transaction.set_rollback(True)


def make_user(username: str, *groups: str, **fields):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **fields)
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


@pytest.fixture
def trainer_a(db):
    from courses.authoring import course_author_assign
    from courses.models import Course

    user = make_user("author.a", "trainer")
    course_author_assign(course=Course.objects.get(code="MPS-01"), user=user)
    return user


@pytest.fixture
def reviewer(db):
    return make_user("reviewer.x", "content_reviewer", is_staff=True)
