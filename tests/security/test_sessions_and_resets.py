"""Staff sessions end after an idle time; the admin's password reset is rationed; ``check --deploy``
passes with only the essential variables set."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import cache

from lms import roles
from tests.cascade.personas import login
from tests.conftest import log_in_verified

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_a_staff_session_expires_after_eight_idle_hours_by_default(client, settings):
    assert settings.STAFF_SESSION_IDLE_HOURS == 8
    manager = login("idle-manager", roles.CENTRE_MANAGER)
    manager.is_staff = True
    manager.save(update_fields=["is_staff"])
    log_in_verified(client, manager)
    client.get("/admin/")
    assert client.session.get_expiry_age() == 8 * 3600
    settings.STAFF_SESSION_IDLE_HOURS = 1
    client.get("/admin/")
    assert client.session.get_expiry_age() == 3600


def test_a_trainee_keeps_the_ordinary_session_length(client, settings):
    trainee = login("idle-trainee", roles.TRAINEE)
    client.force_login(trainee)
    client.get("/learn/")
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_the_admin_password_reset_is_refused_past_its_rate(client, django_user_model, settings):
    cache.clear()
    user = django_user_model.objects.create_user("resetter", email="resetter@example.gov.iq", password=None)
    user.groups.add(Group.objects.get(name=roles.CENTRE_MANAGER))
    answers = [
        client.post("/admin/password_reset/", {"email": "resetter@example.gov.iq"}).status_code
        for _ in range(settings.PASSWORD_RESET_RATE_LIMIT + 2)
    ]
    assert 429 not in answers[: settings.PASSWORD_RESET_RATE_LIMIT]
    assert answers[-2:] == [429, 429]
    assert len(mail.outbox) <= settings.PASSWORD_RESET_RATE_LIMIT
    # Another address from the same client is refused too: the client's own count is spent.
    assert client.post("/admin/password_reset/", {"email": "other@example.gov.iq"}).status_code == 429
    cache.clear()


def test_check_deploy_passes_with_only_the_essential_variables():
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(ROOT),
        "DEBUG": "0",
        "SECRET_KEY": "kX9#mQ2$vL7@pR4!wN8^zT3&yB6*hJ1%cF5(dG0)sA-eU_iO+",
        "ALLOWED_HOSTS": "training.example.gov.iq",
        "CSRF_TRUSTED_ORIGINS": "https://training.example.gov.iq",
        "SITE_URL": "https://training.example.gov.iq",
    }
    done = subprocess.run(  # noqa: S603 - the test's own interpreter and manage.py
        [sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
