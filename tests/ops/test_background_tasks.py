"""Admin → Reports → Background tasks: administrators see workers, held tasks and stuck jobs."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone, translation

from certificates.models import BatchScope, BatchStatus, CertificateBatch
from imports.models import ImportJob, ImportKind, JobStatus
from imports.services import import_job_run
from lms import roles
from tests.conftest import log_in_verified

pytestmark = pytest.mark.django_db
URL = "/admin/reports/background-tasks/"


def user_with(django_user_model, role, name):
    user = django_user_model.objects.create_user(username=name, password=None, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def test_administrators_see_jobs_not_finished_in_time(client, django_user_model, settings):
    admin = user_with(django_user_model, roles.ADMINISTRATOR, "admin")
    long_ago = timezone.now() - dt.timedelta(minutes=settings.STUCK_JOB_MINUTES + 5)
    stuck = ImportJob.objects.create(
        owner=admin, kind=ImportKind.PEOPLE, original_name="roster-stuck.csv", status=JobStatus.RUNNING
    )
    recent = ImportJob.objects.create(
        owner=admin, kind=ImportKind.PEOPLE, original_name="roster-recent.csv", status=JobStatus.RUNNING
    )
    done = ImportJob.objects.create(
        owner=admin, kind=ImportKind.PEOPLE, original_name="roster-done.csv", status=JobStatus.DONE
    )
    ImportJob.objects.filter(pk__in=[stuck.pk, done.pk]).update(created_at=long_ago)
    batch = CertificateBatch.objects.create(
        owner=admin, scope=BatchScope.YEAR, year=2023, status=BatchStatus.RUNNING, total=60
    )
    CertificateBatch.objects.filter(pk=batch.pk).update(created_at=long_ago)

    log_in_verified(client, admin)
    html = client.get(URL).content.decode()
    assert "roster-stuck.csv" in html
    assert f"#{batch.pk}" in html
    assert "roster-recent.csv" not in html and "roster-done.csv" not in html
    # The embedded default has no broker: the page says so (in the admin's language) instead of listing workers.
    no_broker = "Tasks run in the web process (no Redis broker is configured): nothing can be left behind by a worker."
    with translation.override("ar"):
        assert any(text in html for text in (no_broker, translation.gettext(no_broker)))
    assert recent.pk  # listed only once it is older than STUCK_JOB_MINUTES


@pytest.mark.parametrize("role", [roles.CENTRE_MANAGER, roles.DIRECTORATE_AUDITOR, roles.TRAINER])
def test_other_roles_are_refused(client, django_user_model, role):
    log_in_verified(client, user_with(django_user_model, role, "other"))
    assert client.get(URL).status_code in (302, 403)


def test_an_import_left_running_by_a_dead_worker_runs_again_only_when_its_message_comes_back(django_user_model):
    owner = user_with(django_user_model, roles.ADMINISTRATOR, "owner")
    job = ImportJob.objects.create(owner=owner, kind=ImportKind.PEOPLE, original_name="r.csv", status=JobStatus.RUNNING)
    # A second delivery while the first still runs leaves it alone...
    assert import_job_run(job_id=job.pk).status == JobStatus.RUNNING
    # ...a message put back after its worker died runs it (the file is gone here, so it fails cleanly).
    resumed = import_job_run(job_id=job.pk, resume=True)
    assert resumed.status == JobStatus.FAILED and resumed.finished_at is not None
