"""Certificate journey: a centre manager issues a demo session's certificates in one batch, watches
the progress bar reach 100 %, downloads the ZIP; anyone then checks one printed code on the
public verification page."""

import io
import re
import shutil
import subprocess
import zipfile

import pytest
from django.db.models import Count, Q
from playwright.sync_api import expect

from cascade.demo import DEMO_PASSWORD, demo_data_build
from cascade.models import SessionKind, SessionStatus, TrainingSession
from certificates.models import Certificate
from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "certificates": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    demo_data_build(seed=1, scale=1)
    # A closed demo session of the Baghdad Police Academy (manager.baghdad's centre) with completers.
    # The smallest closed demo session of the Baghdad Police Academy (manager.baghdad's centre) with
    # at least three completers: the embedded default runs the batch inside the request.
    return (
        TrainingSession.objects.filter(
            training_centre__code="TC-BG-01", status=SessionStatus.CLOSED, kind=SessionKind.CASCADE
        )
        .annotate(completers=Count("participations", filter=Q(participations__outcome="completed")))
        .filter(completers__gte=3)
        .order_by("completers", "ref")
        .first()
    )


def test_a_manager_batch_issues_a_session_and_a_printed_code_verifies(
    live_server, page, screenshot_path, demo, tmp_path, settings
):
    session = demo
    completers = session.participations.filter(outcome="completed").count()
    log_in(page, live_server, "manager.baghdad", DEMO_PASSWORD, next_url="/admin/certificates/batches/new/")

    page.check("input[name=scope][value=session]")
    page.select_option("select[name=session]", str(session.pk))
    page.get_by_role("button", name=re.compile("Start issuing|بدء")).click(no_wait_after=True)
    page.wait_for_url(re.compile(r"/admin/certificates/batches/\d+/$"), timeout=120_000)

    bar = page.locator("[role=progressbar]")
    # expect() polls from Playwright's own world: the page's CSP forbids evaluating strings.
    expect(page.locator(".certificate-batch")).to_have_attribute("data-status", "done", timeout=120_000)
    expect(bar).to_have_attribute("aria-valuenow", "100")
    assert bar.get_attribute("aria-valuenow") == "100"
    assert page.locator(".batch-percent").inner_text() == "100"
    assert page.locator(".batch-done").inner_text() == str(completers)
    page.screenshot(path=screenshot_path("certificates-batch-done"), full_page=True)

    with page.expect_download() as download_info:
        page.locator(".batch-download a").click()
    archive_path = tmp_path / "batch.zip"
    download_info.value.save_as(archive_path)
    with zipfile.ZipFile(io.BytesIO(archive_path.read_bytes())) as archive:
        names = sorted(archive.namelist())
        assert len(names) == completers == Certificate.objects.filter(session=session).count()
        first_pdf = tmp_path / names[0]
        first_pdf.write_bytes(archive.read(names[0]))

    # Read the verification code printed on the certificate, as a checker would, and type it in.
    text = subprocess.run(  # noqa: S603 - fixed argv
        [shutil.which("pdftotext") or "/usr/bin/pdftotext", "-layout", str(first_pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    code = re.search(r"\b([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})\b", text).group(1)

    checker = page.context.browser.new_context(locale="ar-IQ", viewport={"width": 360, "height": 780})
    phone = checker.new_page()
    phone.goto(f"{live_server.url}/verify/")
    phone.fill("input[name=code]", code.lower())
    phone.locator("form.verify-form button[type=submit]").click()
    phone.wait_for_load_state("networkidle")
    result = phone.locator("article.result")
    assert result.get_attribute("data-status") == "valid"
    certificate = Certificate.objects.get(serial=names[0].removesuffix(".pdf"))
    assert certificate.name_ar in result.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=screenshot_path("certificates-verify-phone-ar"), full_page=True)
    checker.close()
