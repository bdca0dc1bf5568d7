"""Batches over a governorate, a year or the whole programme; pausing and resuming; drawing the PDFs
again after a design change without changing any certificate's code or verify address."""

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cascade.models import SessionKind
from certificates import services, tasks
from certificates.models import (
    BatchScope,
    BatchStatus,
    Certificate,
    CertificateBatch,
    CertificateDesign,
    private_storage,
)
from certificates.rendering import design_key
from certificates.selectors import eligible_participations
from tests.certificates.conftest import closed_session


def archive_names(batch: CertificateBatch) -> list[str]:
    with batch.archive.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        return sorted(archive.namelist())


@pytest.fixture
def two_centres(cascade, closed, staff):
    """The fixture's session (one completer) and one at another centre in Baghdad (three completers)."""
    elsewhere = closed_session(cascade, kind=SessionKind.DIRECT, centre=staff["other_centre"], extra_completers=2)
    return closed, elsewhere


def test_a_programme_batch_issues_every_completion_and_zips_them_in_a_folder_per_centre(
    two_centres, staff, django_capture_on_commit_callbacks
):
    home, elsewhere = two_centres
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.batch_start(user=staff["administrator"], scope=BatchScope.PROGRAMME)
    batch.refresh_from_db()
    # Every completion of the programme: the two sessions and the ToT that qualified the cascade's trainer.
    assert batch.status == BatchStatus.DONE and batch.total == eligible_participations().count() == 5
    expected = sorted(
        f"{certificate.session.training_centre.code}/{certificate.serial}.pdf"
        for certificate in Certificate.objects.select_related("session__training_centre")
    )
    assert archive_names(batch) == expected
    assert {name.split("/")[0] for name in expected} == {
        home.session.training_centre.code,
        elsewhere.session.training_centre.code,
    }


def test_governorate_and_year_batches_cover_only_their_sessions(two_centres, staff, django_capture_on_commit_callbacks):
    home, elsewhere = two_centres
    with django_capture_on_commit_callbacks(execute=True):
        by_governorate = services.batch_start(
            user=staff["administrator"], scope=BatchScope.GOVERNORATE, governorate=elsewhere.session.governorate
        )
    assert by_governorate.total == 3
    assert set(Certificate.objects.values_list("session_id", flat=True)) == {elsewhere.session.pk}
    year = home.session.end_date.year
    assert services.batch_start(user=staff["administrator"], scope=BatchScope.YEAR, year=year).total == 4
    assert services.batch_start(user=staff["administrator"], scope=BatchScope.YEAR, year=year - 1).total == 1
    assert services.batch_start(user=staff["administrator"], scope=BatchScope.YEAR, year=year + 1).total == 0


def test_a_centre_managers_programme_batch_covers_their_centre_and_a_governorate_is_refused(
    two_centres, staff, django_capture_on_commit_callbacks
):
    home, elsewhere = two_centres
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.batch_start(user=staff["manager"], scope=BatchScope.PROGRAMME)
    centre = home.session.training_centre
    assert batch.total == eligible_participations(training_centre=centre).count() == 2  # with the ToT
    assert batch.limit_to_centre_id == centre.pk
    assert not Certificate.objects.filter(session=elsewhere.session).exists()
    with pytest.raises(PermissionDenied):
        services.batch_start(user=staff["manager"], scope=BatchScope.GOVERNORATE, governorate=home.session.governorate)
    with pytest.raises(PermissionDenied):
        services.batch_start(user=staff["officer"], scope=BatchScope.PROGRAMME)


def test_a_paused_batch_draws_nothing_until_resumed_and_then_finishes(
    two_centres, staff, django_capture_on_commit_callbacks
):
    admin = staff["administrator"]
    with django_capture_on_commit_callbacks(execute=False) as started:
        batch = services.batch_start(user=admin, scope=BatchScope.PROGRAMME)
    with django_capture_on_commit_callbacks(execute=False) as dispatched:
        started[0]()  # the run task splits the batch into chunks
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RUNNING and len(dispatched) == 1

    with pytest.raises(PermissionDenied):
        services.batch_pause(batch=batch, user=staff["manager"])  # not the owner
    services.batch_pause(batch=batch, user=admin)
    dispatched[0]()  # the chunk queued before the pause arrives: it draws nothing
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PAUSED and batch.done == 0 and not Certificate.objects.exists()
    with pytest.raises(ValidationError):
        services.batch_pause(batch=batch, user=admin)

    with django_capture_on_commit_callbacks(execute=True):
        services.batch_resume(batch=batch, user=admin)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.round == 1 and batch.done == batch.total == 5
    # A chunk of the first round delivered late changes nothing.
    tasks.certificate_batch_chunk(batch.pk, services.batch_pending_ids(batch) or [0], round=0)
    assert Certificate.objects.count() == 5
    with pytest.raises(ValidationError):
        services.batch_resume(batch=batch, user=admin)


def test_pause_and_resume_from_the_batch_page(
    client, closed, staff, verified_login, django_capture_on_commit_callbacks
):
    verified_login(staff["manager"])
    with django_capture_on_commit_callbacks(execute=False):
        batch = services.batch_start(user=staff["manager"], scope=BatchScope.SESSION, session=closed.session)
    status = client.get(reverse("certificates_admin:batch_status", args=[batch.pk])).json()
    assert status["can_pause"] and not status["can_resume"]
    assert client.get(reverse("certificates_admin:batch_pause", args=[batch.pk])).status_code == 405
    client.post(reverse("certificates_admin:batch_pause", args=[batch.pk]))
    status = client.get(reverse("certificates_admin:batch_status", args=[batch.pk])).json()
    assert status["status"] == "paused" and status["can_resume"] and not status["can_pause"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("certificates_admin:batch_resume", args=[batch.pk]))
    status = client.get(reverse("certificates_admin:batch_status", args=[batch.pk])).json()
    assert status["status"] == "done" and status["archive_url"]

    verified_login(staff["administrator"])  # another user's batch is not found
    assert client.post(reverse("certificates_admin:batch_pause", args=[batch.pk])).status_code == 404


def change_design(**fields) -> CertificateDesign:
    design = CertificateDesign.load()
    for name, value in fields.items():
        setattr(design, name, value)
    design.save()
    return design


def test_a_redraw_batch_after_a_design_change_keeps_codes_and_records_the_design(
    two_centres, staff, django_capture_on_commit_callbacks
):
    admin = staff["administrator"]
    with django_capture_on_commit_callbacks(execute=True):
        services.batch_start(user=admin, scope=BatchScope.PROGRAMME)
    before = {c.pk: c for c in Certificate.objects.all()}
    old_key = design_key(CertificateDesign.load())
    assert {c.pdf_design for c in before.values()} == {old_key}

    new_key = design_key(change_design(signatory_left_en="Director General of Training"))
    assert new_key != old_key
    # A batch that does not redraw leaves the PDFs as they are.
    with django_capture_on_commit_callbacks(execute=True):
        services.batch_start(user=admin, scope=BatchScope.PROGRAMME)
    assert {c.pdf_sha256 for c in Certificate.objects.all()} == {c.pdf_sha256 for c in before.values()}

    with django_capture_on_commit_callbacks(execute=True):
        batch = services.batch_start(user=admin, scope=BatchScope.PROGRAMME, redraw=True)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.design == new_key and batch.done == 5
    after = {c.pk: c for c in Certificate.objects.all()}
    assert after.keys() == before.keys()
    for pk, certificate in after.items():
        assert (certificate.code, certificate.serial) == (before[pk].code, before[pk].serial)
        assert certificate.pdf_design == new_key and certificate.pdf_sha256 != before[pk].pdf_sha256
        assert services.certificate_pdf_read(certificate=certificate)  # matches its new SHA-256
        assert not private_storage().exists(before[pk].pdf.name)  # the old drawing is gone
    assert len(archive_names(batch)) == 5


def test_a_revoked_certificate_is_not_drawn_again(closed, staff, django_capture_on_commit_callbacks):
    admin = staff["administrator"]
    with django_capture_on_commit_callbacks(execute=True):
        services.batch_start(user=admin, scope=BatchScope.SESSION, session=closed.session)
    certificate = Certificate.objects.get()
    services.certificate_revoke(certificate=certificate, by=admin, reason="Name misspelt")
    change_design(directorate_en="Training Directorate")
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.batch_start(user=admin, scope=BatchScope.SESSION, session=closed.session, redraw=True)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert Certificate.objects.get().pdf_sha256 == certificate.pdf_sha256


def test_a_design_change_during_a_redraw_fails_the_batch_with_a_clear_error(
    closed, staff, django_capture_on_commit_callbacks
):
    admin = staff["administrator"]
    with django_capture_on_commit_callbacks(execute=True):
        services.batch_start(user=admin, scope=BatchScope.SESSION, session=closed.session)
    change_design(directorate_en="Training Directorate")
    with django_capture_on_commit_callbacks(execute=False) as started:
        batch = services.batch_start(user=admin, scope=BatchScope.SESSION, session=closed.session, redraw=True)
    change_design(directorate_en="Training and Qualifications Directorate, MOI")
    with pytest.raises(ValidationError), django_capture_on_commit_callbacks(execute=True):
        started[0]()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and str(services.DESIGN_CHANGED) in batch.error


def test_a_missing_pdf_fails_the_batch_naming_the_certificate_and_a_resume_finishes_it(
    closed, staff, django_capture_on_commit_callbacks
):
    admin = staff["administrator"]
    with django_capture_on_commit_callbacks(execute=True):
        services.batch_start(user=admin, scope=BatchScope.SESSION, session=closed.session)
    certificate = Certificate.objects.get()
    private_storage().delete(certificate.pdf.name)  # lost from the disk
    with pytest.raises(FileNotFoundError), django_capture_on_commit_callbacks(execute=True):
        batch = services.batch_start(user=admin, scope=BatchScope.SESSION, session=closed.session)
    batch = CertificateBatch.objects.latest("pk")
    assert batch.status == BatchStatus.FAILED and certificate.serial in batch.error

    services.certificate_revoke(certificate=certificate, by=admin, reason="PDF lost")
    with django_capture_on_commit_callbacks(execute=True):
        services.batch_resume(batch=batch, user=admin)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.error == "" and archive_names(batch) == []


def test_progress_is_recounted_at_most_every_few_seconds_and_always_after_the_last_chunk(
    cascade, staff, django_capture_on_commit_callbacks
):
    closed = closed_session(cascade, kind=SessionKind.DIRECT, extra_completers=3)
    with django_capture_on_commit_callbacks(execute=False):
        batch = services.batch_start(user=staff["administrator"], scope=BatchScope.SESSION, session=closed.session)
    chunks = services.batch_dispatch(batch=batch, chunk_size=1)
    assert len(chunks) == batch.total == 4
    ready = [services.batch_chunk_run(batch=batch, participation_ids=ids) for ids in chunks]
    # The first recounts; the next two come within BATCH_RECOUNT_SECONDS; the last always recounts.
    assert ready == [1, None, None, 4]
    batch.refresh_from_db()
    assert batch.done == 4
    # A chunk run again (a redelivered message) recounts exactly: nothing is counted twice.
    assert services.batch_chunk_run(batch=batch, participation_ids=chunks[0]) == 4
