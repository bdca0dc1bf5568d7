"""The Directorate issues a whole course's certificates in one batch: starts it, pauses it, resumes
it and downloads the ZIP (a folder per centre); every PDF's QR code, decoded with zbarimg, opens
a verify page that says valid (expired for a trainer certificate past its term)."""

import re
import shutil
import subprocess
import zipfile
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from certificates import tasks
from certificates.models import Certificate, CertificateKind
from certificates.selectors import eligible_participations
from lms import roles
from tests.browser.conftest import log_in
from tests.certificates.conftest import closed_session
from tests.factories import TrainingCentreFactory, governorate

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Directorate-batch-2026!"


@pytest.fixture
def course_sessions(cascade, settings, tmp_path, live_server):
    """A course taught at two centres: closed sessions with completers at each."""
    settings.STORAGES = {
        **settings.STORAGES,
        "certificates": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    settings.SITE_BASE_URL = live_server.url  # the QR codes point at this server
    closed_session(cascade, extra_completers=2)
    closed_session(cascade, centre=TrainingCentreFactory(governorate=governorate("BA")), extra_completers=1)
    user = get_user_model().objects.create_user(username="director", password=PASSWORD)
    user.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))
    return cascade.course


def qr_url(pdf_path) -> str:
    """The address in the PDF's QR code, as a phone would read it from the printed page."""
    image = pdf_path.with_suffix("")
    subprocess.run(  # noqa: S603 - fixed argv
        [shutil.which("pdftoppm") or "/usr/bin/pdftoppm", "-r", "200", "-png", "-singlefile", pdf_path, image],
        check=True,
    )
    decoded = subprocess.run(  # noqa: S603 - fixed argv
        [shutil.which("zbarimg") or "/usr/bin/zbarimg", "--raw", "-q", f"{image}.png"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert len(decoded) == 1, decoded
    return decoded[0]


def test_the_directorate_pauses_and_resumes_a_course_batch_and_every_qr_verifies(
    live_server, page, screenshot_path, course_sessions, tmp_path
):
    course = course_sessions
    completions = eligible_participations(course=course).count()
    assert completions >= 5
    log_in(page, live_server, "director", PASSWORD, next_url="/admin/certificates/batches/new/")

    page.check("input[name=scope][value=course]")
    page.select_option("select[name=course]", str(course.pk))
    # Hold the batch's task back, as a busy queue would, so that it can be paused before it runs.
    with mock.patch.object(tasks.certificate_batch_run, "delay_on_commit"):
        page.get_by_role("button", name=re.compile("Start issuing|بدء")).click()
        page.wait_for_url(re.compile(r"/admin/certificates/batches/\d+/$"))
        batch = page.locator(".certificate-batch")
        expect(batch).to_have_attribute("data-status", "queued")
        page.locator(".batch-pause button").click()
        page.wait_for_load_state("networkidle")
    expect(page.locator(".batch-status")).to_have_text(re.compile("Paused|موقوفة"))
    expect(page.locator(".batch-pause")).to_be_hidden()
    page.screenshot(path=screenshot_path("certificates-batch-paused"), full_page=True)

    page.locator(".batch-resume button").click()  # the embedded default runs the batch at once
    expect(page.locator(".certificate-batch")).to_have_attribute("data-status", "done", timeout=180_000)
    expect(page.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", "100")
    assert page.locator(".batch-done").inner_text() == str(completions)
    with page.expect_download() as download_info:
        page.locator(".batch-download a").click()
    archive_path = tmp_path / "course.zip"
    download_info.value.save_as(archive_path)

    with zipfile.ZipFile(archive_path) as archive:
        names = sorted(archive.namelist())
        assert len(names) == completions
        assert len({name.split("/")[0] for name in names}) == 2  # a folder per centre
        archive.extractall(tmp_path / "pdfs")
    for name in names:
        url = qr_url(tmp_path / "pdfs" / name)
        assert url.startswith(f"{live_server.url}/verify/"), url
        page.goto(url)
        certificate = Certificate.objects.get(serial=name.split("/")[-1].removesuffix(".pdf"))
        # Valid; the cascade's trainer's ToT certificate (2021) is past its term and says so.
        expected = "expired" if certificate.kind == CertificateKind.TRAINER else "valid"
        assert certificate.status == expected
        assert page.locator("article.result").get_attribute("data-status") == expected, name
    page.screenshot(path=screenshot_path("certificates-batch-qr-verified"), full_page=True)
