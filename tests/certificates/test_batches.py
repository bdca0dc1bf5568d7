"""Batches: who may start one, what it produces, and that running it twice changes nothing."""

import io
import zipfile
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from cascade.models import SessionKind
from certificates import services, tasks
from certificates.models import BatchScope, BatchStatus, Certificate, CertificateBatch
from certificates.selectors import eligible_participations
from tests.certificates.conftest import closed_session
from tests.factories import PersonFactory


def start(user, session, capture):
    with capture(execute=True):
        return services.batch_start(user=user, scope=BatchScope.SESSION, session=session)


def test_a_centre_managers_session_batch_issues_every_completer_once_and_zips_them(
    closed, staff, django_capture_on_commit_callbacks
):
    batch = start(staff["manager"], closed.session, django_capture_on_commit_callbacks)
    batch.refresh_from_db()

    assert batch.status == BatchStatus.DONE and batch.total == 1 and batch.done == 1 and batch.percent == 100
    certificate = Certificate.objects.get()
    assert certificate.person == closed.completer
    with batch.archive.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        assert archive.namelist() == [f"{certificate.serial}.pdf"]
        assert archive.read(f"{certificate.serial}.pdf") == services.certificate_pdf_read(certificate=certificate)


def test_a_centre_manager_may_not_batch_another_centres_session(closed, staff, django_capture_on_commit_callbacks):
    with pytest.raises(PermissionDenied):
        start(staff["other_manager"], closed.session, django_capture_on_commit_callbacks)
    with pytest.raises(PermissionDenied):
        services.batch_start(user=staff["officer"], scope=BatchScope.SESSION, session=closed.session)
    assert not CertificateBatch.objects.exists()


def test_a_centre_managers_course_batch_covers_only_their_centre(
    cascade, closed, staff, django_capture_on_commit_callbacks
):
    elsewhere = closed_session(cascade, centre=staff["other_centre"], ref_person=PersonFactory())
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.batch_start(user=staff["manager"], scope=BatchScope.COURSE, course=cascade.course)
    batch.refresh_from_db()
    at_home = eligible_participations(course=cascade.course, limit_to_centre=closed.session.training_centre)
    assert batch.total == at_home.count() >= 1
    assert Certificate.objects.count() == batch.total
    assert not Certificate.objects.filter(session=elsewhere.session).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.batch_start(user=staff["administrator"], scope=BatchScope.COURSE, course=cascade.course)
    assert Certificate.objects.filter(session=elsewhere.session).count() == 1


def test_a_batch_interrupted_by_a_crash_and_run_again_ends_with_one_certificate_each(
    cascade, staff, django_capture_on_commit_callbacks
):
    """A worker killed mid-chunk: its message is redelivered and the chunk, then the batch, run again."""
    closed = closed_session(cascade, kind=SessionKind.DIRECT, extra_completers=6)
    batch = services.batch_start(user=staff["administrator"], scope=BatchScope.SESSION, session=closed.session)
    assert batch.total == 7
    real_save = services._pdf_file_save
    written = {"n": 0}

    def crash_after_three(certificate, pdf):
        if written["n"] == 3:
            raise SystemExit("worker killed")
        written["n"] += 1
        return real_save(certificate, pdf)

    with (
        mock.patch.object(services, "_pdf_file_save", side_effect=crash_after_three),
        pytest.raises(SystemExit),
        django_capture_on_commit_callbacks(execute=True),  # the chunk task runs when the dispatch commits
    ):
        tasks.certificate_batch_run(batch.pk)
    # The chunk issued all seven and rendered them as one document; it was killed while writing
    # their files, before any certificate recorded its PDF.
    assert Certificate.objects.count() == 7
    assert written["n"] == 3 and not Certificate.objects.with_pdf().exists()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RUNNING and batch.done < batch.total

    # The redelivered chunk and a second start of the whole batch: nothing is issued twice.
    with django_capture_on_commit_callbacks(execute=True):
        tasks.certificate_batch_chunk(batch.pk, services.batch_pending_ids(batch))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.certificate_batch_run(batch.pk)
    tasks.certificate_batch_finish(batch.pk)

    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.done == 7
    assert Certificate.objects.count() == 7
    assert Certificate.objects.with_pdf().count() == 7
    assert sorted(Certificate.objects.values_list("person_id", flat=True)) == sorted(
        closed.session.participations.filter(outcome="completed").values_list("person_id", flat=True)
    )
    with batch.archive.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        assert len(archive.namelist()) == 7


def test_batch_progress_and_archive_are_readable_by_their_owner_only(
    client, closed, staff, verified_login, django_capture_on_commit_callbacks
):
    verified_login(staff["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("certificates_admin:batch_new"), {"scope": "session", "session": closed.session.pk}
        )
    batch = CertificateBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "certificates_admin:batch_detail", args=[batch.pk]
    )
    status = client.get(reverse("certificates_admin:batch_status", args=[batch.pk])).json()
    assert status["percent"] == 100 and status["status"] == "done" and status["archive_url"]
    page = client.get(reverse("certificates_admin:batch_detail", args=[batch.pk])).content.decode()
    assert "certificates/batch.js" in page and "<script>" not in page.replace("<script src", "")
    assert client.get(status["archive_url"]).status_code == 200

    verified_login(staff["administrator"])
    for name in ("batch_detail", "batch_status", "batch_archive"):
        assert client.get(reverse(f"certificates_admin:{name}", args=[batch.pk])).status_code == 404


def test_the_batch_page_refuses_roles_that_may_not_issue(client, staff, verified_login):
    verified_login(staff["officer"])
    refused = client.get(reverse("certificates_admin:batch_new"))
    assert refused.status_code == 302 and refused["Location"] == reverse("wagtailadmin_home")
    verified_login(staff["manager"])
    page = client.get(reverse("certificates_admin:batch_new"))
    assert page.status_code == 200
    assert list(page.context["form"].fields["training_centre"].queryset) == [
        staff["manager"].staff_scope.training_centre
    ]


def test_a_chunk_issues_and_stores_its_certificates_in_the_same_few_queries_whatever_its_size(
    cascade, staff, django_assert_max_num_queries
):
    """Everything a chunk prints (people, sessions, courses, centres, existing certificates) is
    loaded in a few queries and the rows are written in bulk: three certificates or nine, the same
    count."""
    counts = []
    for completers in (2, 8):
        closed = closed_session(cascade, kind=SessionKind.DIRECT, extra_completers=completers)
        batch = services.batch_start(user=staff["administrator"], scope=BatchScope.SESSION, session=closed.session)
        ids = services.batch_pending_ids(batch)
        assert len(ids) == completers + 1
        with django_assert_max_num_queries(20) as captured:
            services.batch_chunk_run(batch=batch, participation_ids=ids)
        counts.append(len(captured))
        assert Certificate.objects.filter(session=closed.session).with_pdf().count() == completers + 1
    assert counts[0] == counts[1], counts
