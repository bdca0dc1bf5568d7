"""The PDF: both names in its text, only our fonts embedded, a QR code that reads back the
verification URL, stored once and returned byte for byte."""

import hashlib
import re
import shutil
import subprocess

import pytest

from cascade.models import Participation
from certificates import services
from certificates.codes import code_display
from certificates.pdf import LocalFileFetcher, renderer
from certificates.rendering import verification_url
from tests.certificates.conftest import SITE


def run(*argv: str, **kwargs) -> str:
    assert shutil.which(argv[0]), f"{argv[0]} is missing (Debian: poppler-utils, zbar-tools)"
    return subprocess.run(argv, capture_output=True, text=True, check=True, **kwargs).stdout  # noqa: S603


@pytest.fixture
def stored(closed, tmp_path):
    participation = Participation.objects.get(session=closed.session, person=closed.completer)
    certificate = services.certificate_pdf_ensure(certificate=services.certificate_issue(participation=participation))
    path = tmp_path / "certificate.pdf"
    path.write_bytes(services.certificate_pdf_read(certificate=certificate))
    return certificate, path


def test_the_pdf_text_holds_the_arabic_and_english_names_and_course(stored):
    certificate, path = stored
    text = run("pdftotext", "-layout", str(path), "-")
    assert "Zainab Hussein Ali" in text
    # pdftotext writes right-to-left runs in logical order: the Arabic name reads as typed.
    assert "زينب حسين علي" in text
    assert "Improving the Effectiveness of Local Police" in text
    assert certificate.serial in text
    assert code_display(certificate.code) in text


def test_the_pdf_is_a4_landscape_and_embeds_only_the_certificate_fonts(stored):
    _certificate, path = stored
    info = run("pdfinfo", str(path))
    assert re.search(r"^Pages:\s+1$", info, flags=re.MULTILINE), info
    assert re.search(r"^Page size:\s+841.89 x 595.276 pts \(A4\)$", info, flags=re.MULTILINE), info
    fonts = run("pdffonts", str(path)).splitlines()[2:]
    families = {line.split()[0].split("+", 1)[1] for line in fonts}
    assert families <= {"MPS-Arabic", "MPS-Arabic-Bold", "MPS-Latin", "MPS-Latin-Bold", "MPS-Naskh", "MPS-Naskh-Bold"}
    assert {"MPS-Arabic", "MPS-Latin"} <= families


def test_the_qr_code_on_the_rendered_page_reads_the_verification_url(stored, tmp_path):
    certificate, path = stored
    run("pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(tmp_path / "page"))
    decoded = run("zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")).strip()
    assert decoded == verification_url(certificate.code)
    assert decoded == f"{SITE}/verify/{code_display(certificate.code)}/"


def test_the_stored_pdf_and_its_digest_do_not_change_when_asked_again(stored):
    certificate, path = stored
    again = services.certificate_pdf_ensure(certificate=certificate)
    data = services.certificate_pdf_read(certificate=again)
    assert data == path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == certificate.pdf_sha256


def test_rendering_reuses_one_font_configuration_per_process(closed):
    first = renderer()
    participation = Participation.objects.get(session=closed.session, person=closed.completer)
    services.certificate_pdf_ensure(certificate=services.certificate_issue(participation=participation))
    assert renderer() is first
    assert renderer().font_config is first.font_config


def test_the_fetcher_refuses_the_network_and_files_outside_fonts_and_static(tmp_path):
    fetcher = LocalFileFetcher([tmp_path])
    (tmp_path / "ok.css").write_text("p{}")
    response = fetcher(f"file://{tmp_path}/ok.css")
    assert response.read() == b"p{}"
    response.close()
    for url in ("https://example.org/logo.png", "http://169.254.169.254/", "file:///etc/passwd", "ftp://x/y"):
        with pytest.raises(ValueError):
            fetcher(url)


def test_extra_css_from_the_design_setting_restyles_without_fetching(closed, tmp_path):
    from certificates.models import CertificateDesign

    design = CertificateDesign.load()
    design.extra_css = '.titles h1 { color: #800000; } body { background: url("https://example.org/x.png"); }'
    design.save()
    participation = Participation.objects.get(session=closed.session, person=closed.completer)
    certificate = services.certificate_pdf_ensure(certificate=services.certificate_issue(participation=participation))
    assert services.certificate_pdf_read(certificate=certificate).startswith(b"%PDF")


def test_certificates_rendered_together_get_one_page_pdf_each_with_their_own_name_and_title(cascade, closed, tmp_path):
    from certificates.models import Certificate
    from tests.certificates.conftest import closed_session

    group = closed_session(cascade, extra_completers=2)
    certificates = [
        services.certificate_issue(participation=participation)
        for participation in Participation.objects.filter(session=group.session, outcome="completed")
    ]
    assert len(certificates) == 3
    services.certificate_pdfs_ensure(certificates=certificates)
    for certificate in Certificate.objects.filter(pk__in=[c.pk for c in certificates]).select_related("person"):
        path = tmp_path / f"{certificate.serial}.pdf"
        path.write_bytes(services.certificate_pdf_read(certificate=certificate))
        info = run("pdfinfo", str(path))
        assert re.search(r"^Pages:\s+1$", info, flags=re.MULTILINE), info
        assert re.search(rf"^Title:\s+{re.escape(certificate.serial)} — ", info, flags=re.MULTILINE), info
        text = run("pdftotext", "-layout", str(path), "-")
        assert certificate.serial in text and code_display(certificate.code) in text
        others = [c for c in certificates if c.pk != certificate.pk]
        assert all(other.serial not in text for other in others)


def test_a_certificate_template_that_makes_two_pages_is_refused_rather_than_misfiled():
    """Pages are matched to certificates by position: one sheet must give exactly one page."""
    from certificates.pdf import Sheet, render_pdfs

    two_pages = Sheet(
        html='<div class="sheet">one</div><div class="sheet">two</div>', title="t", author="a", subject="s"
    )
    one_page = Sheet(html='<div class="sheet">three</div>', title="t", author="a", subject="s")
    css = ".sheet { height: 20mm; } .sheet + .sheet { break-before: page; }"
    assert len(render_pdfs(sheets=[one_page], css=css)) == 1
    with pytest.raises(ValueError, match="exactly one page"):
        render_pdfs(sheets=[two_pages, one_page], css=css)


@pytest.mark.parametrize("url", ["https://mps.example.iq/verify/ABCD-EFGH-JKMN-PQRS-TVWX/", "x" * 150])
def test_the_qr_operators_fill_exactly_the_symbols_dark_modules(url):
    """Replays the rectangles the page's operators fill and compares them with segno's matrix."""
    import segno

    from certificates.pdf import qr_operators
    from certificates.rendering import QR_MASK, qr_modules

    modules = qr_modules(url)
    assert [list(row) for row in modules] == [
        [bool(module) for module in row] for row in segno.make(url, error="m", mask=QR_MASK).matrix
    ]
    size = len(modules)
    operators = qr_operators(modules, x=100, y=500, size=80, colour=(0, 0, 0)).decode()
    assert operators.startswith("q ") and operators.endswith(" f Q")
    unit = float(re.search(r" rg (\S+) 0 0 ", operators).group(1))
    assert unit * size == pytest.approx(80, abs=0.01)
    filled = [[False] * size for _ in range(size)]
    for x, y, width, height in re.findall(r"(\d+) (\d+) (\d+) (\d+) re", operators):
        assert height == "1"
        for column in range(int(x), int(x) + int(width)):
            assert not filled[int(y)][column], "no module is filled twice"
            filled[int(y)][column] = True
    assert filled == [list(row) for row in modules]


@pytest.mark.parametrize(
    ("name", "units"),
    [
        ("Mohammed Abdul-Kareem Al-Hamdani", ["Mohammed", "Abdul-Kareem", "Al-Hamdani"]),
        ("Abdul Rahman Khalil Al Hamdani", ["Abdul Rahman", "Khalil", "Al Hamdani"]),
        ("Ali Abd Al-Ameer", ["Ali", "Abd Al-Ameer"]),
        ("عبد الرحمن خليل آل حمداني", ["عبد الرحمن", "خليل", "آل حمداني"]),
        ("Zainab Hussein Ali", ["Zainab", "Hussein", "Ali"]),
    ],
)
def test_a_name_breaks_only_between_its_units(name, units):
    from certificates.rendering import name_html, name_units

    assert name_units(name) == units
    html = name_html(name)
    for unit in units:
        assert (f'<span class="nobreak">{unit}</span>' in html) == (" " in unit or "-" in unit)
    assert "<" not in name_html("Ali <b>").replace('<span class="nobreak">', "").replace("</span>", "")


def test_a_sessions_certificates_share_a_background_that_holds_none_of_a_persons_fields(cascade):
    """The layers: what a session's certificates share is laid out once per process and reused;
    names, serials, codes and the QR code are only ever in each certificate's own layer."""
    from certificates.models import Certificate, CertificateDesign
    from certificates.pdf import reset_renderer
    from certificates.rendering import certificate_sheet, name_html
    from tests.certificates.conftest import closed_session

    group = closed_session(cascade, extra_completers=3)
    for participation in Participation.objects.filter(session=group.session, outcome="completed"):
        services.certificate_issue(participation=participation)
    certificates = list(Certificate.objects.filter(session=group.session).select_related("person", "course"))
    design = CertificateDesign.load()
    sheets = [certificate_sheet(certificate, design) for certificate in certificates]
    for certificate, sheet in zip(certificates, sheets, strict=True):
        # A name is laid out in units that never break inside a family name ("عبد الغني").
        names = (str(name_html(certificate.name_ar)), str(name_html(certificate.name_latin)))
        for field in (certificate.serial, code_display(certificate.code), *names):
            assert field in sheet.html
            assert all(field not in other.background for other in sheets)
        assert 'class="qr"' in sheet.html and sheet.qr and certificate.course.title_en not in sheet.html
        assert certificate.course.title_en in sheet.background
    # One background per wording (the Arabic verb agrees with the person's gender), not per person.
    genders = {certificate.person.gender == "F" for certificate in certificates}
    assert len({sheet.background for sheet in sheets}) == len(genders)

    reset_renderer()
    services.certificate_pdfs_ensure(certificates=certificates)
    assert len(renderer().backgrounds) == len(genders)


def test_each_layers_font_subsets_have_names_of_their_own(stored):
    """Both layers embed a subset of the same fonts: each subset must be named apart."""
    _certificate, path = stored
    names = [line.split()[0] for line in run("pdffonts", str(path)).splitlines()[2:]]
    assert len(names) == len(set(names)), names
    assert len({name.split("+", 1)[1] for name in names}) < len(names)  # both layers use a font
