"""From certificate sheets (rendered templates) to PDF bytes, with fonts configured once per process.

- Certificates are laid out together: the sheets of a batch chunk (or one certificate alone) form
  one document, one sheet per page, parsed, styled and laid out once; each page is then written
  as its own PDF with its own title. A batch pays for the style sheet, the fonts' set-up and the
  layout's fixed costs once per chunk instead of once per certificate.

- Fonts come from local files only (``@font-face`` with ``file://`` URLs, see ``FONT_FILES``),
  under family names of our own, and the style sheet gives every element an explicit stack of
  them: otherwise fontconfig quietly pulls fallback fonts into the PDF (``pdffonts`` shows it).
- ``FontConfiguration`` and the parsed style sheet are built once per process and reused:
  parsing ``@font-face`` and loading the fonts is most of a small document's cost.
- Certificates are rendered with a small user-agent style sheet of their own (``PDF_UA_CSS``)
  instead of WeasyPrint's full HTML one: its hundreds of rules (many on ``[dir]`` ancestors,
  which every bilingual block has) cost about a sixth of each render, and it names no font.
- The URL fetcher reads files under the font and static directories and refuses everything else,
  so rendering never touches the network, whatever CSS an administrator adds.
"""

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import CSS, HTML
from weasyprint.pdf.metadata import DocumentMetadata
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

# family → [(weight, file)]. Debian: fonts-hosny-amiri (Arabic, with Latin glyphs) and
# fonts-noto-core (Latin serif; Naskh as a second Arabic face).
FONT_FILES: dict[str, list[tuple[int, str]]] = {
    "MPS Arabic": [
        (400, "/usr/share/fonts/opentype/fonts-hosny-amiri/Amiri-Regular.ttf"),
        (700, "/usr/share/fonts/opentype/fonts-hosny-amiri/Amiri-Bold.ttf"),
    ],
    "MPS Naskh": [
        (400, "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf"),
        (700, "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Bold.ttf"),
    ],
    "MPS Latin": [
        (400, "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf"),
        (700, "/usr/share/fonts/truetype/noto/NotoSerif-Bold.ttf"),
    ],
}
MAX_CACHED_STYLESHEETS = 8
# The document around the sheets; lang and dir as the certificates' first language.
LANGUAGE = "ar"
DOCUMENT_HTML = (
    f'<!doctype html><html lang="{LANGUAGE}" dir="rtl"><head><meta charset="utf-8"></head>'
    "<body>{sheets}</body></html>"
)
# The elements certificate templates use, and bidi by the dir attribute. Nothing else is styled
# by default: a template author adds rules to the certificate's own style sheet.
PDF_UA_CSS = """
html, body, div, p, h1, h2, h3, section, header, footer, article, main, table, tr, td, ul, li { display: block }
table { display: table } tr { display: table-row } td, th { display: table-cell }
head, title, meta, link, style, script, template { display: none }
span, strong, b, em, i, small, a, br, img, svg { display: inline }
strong, b, h1, h2, h3 { font-weight: bold } em, i { font-style: italic }
[dir=rtl i] { direction: rtl } [dir=ltr i] { direction: ltr }
svg:not(:root) { overflow: hidden }
"""


def font_files() -> dict[str, list[tuple[int, str]]]:
    return getattr(settings, "CERTIFICATE_FONT_FILES", FONT_FILES)


def font_face_css() -> str:
    rules = []
    for family, faces in font_files().items():
        for weight, path in faces:
            rules.append(
                f'@font-face {{ font-family: "{family}"; font-weight: {weight}; src: url("{Path(path).as_uri()}"); }}'
            )
    return "\n".join(rules)


class LocalFileFetcher(URLFetcher):
    """Reads ``file://`` URLs under the allowed directories; refuses every other URL."""

    def __init__(self, allowed_roots: list[Path]) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.allowed_roots = [root.resolve() for root in allowed_roots]

    def fetch(self, url, headers=None):
        if not url.startswith("file://"):
            raise ValueError(f"certificate rendering fetches no network resource: {url}")
        path = Path(url.removeprefix("file://").split("?")[0]).resolve()
        if not any(path.is_relative_to(root) for root in self.allowed_roots):
            raise ValueError(f"certificate rendering reads only fonts and static files: {url}")
        return super().fetch(url, headers)


class CertificateHTML(HTML):
    """An HTML document styled by ``PDF_UA_CSS`` instead of WeasyPrint's full user-agent sheet."""

    def _ua_stylesheets(self, forms=False):
        return [renderer().ua_stylesheet]


class _Renderer:
    """Per-process rendering state: the font configuration, parsed style sheets, image cache."""

    def __init__(self) -> None:
        self.font_config = FontConfiguration()
        roots = {Path(path).parent for faces in font_files().values() for _w, path in faces}
        roots |= {Path(p) for p in settings.STATICFILES_DIRS}
        roots |= {Path(p) for p in finders.searched_locations}
        roots.add(Path(__file__).parent / "static")
        self.fetcher = LocalFileFetcher(sorted(roots))
        self.stylesheets: dict[str, CSS] = {}
        self.ua_stylesheet = CSS(string=PDF_UA_CSS, font_config=self.font_config)
        self.image_cache: dict = {}
        self.lock = threading.Lock()

    def stylesheet(self, css_text: str) -> CSS:
        key = hashlib.sha256(css_text.encode()).hexdigest()
        with self.lock:
            sheet = self.stylesheets.get(key)
            if sheet is None:
                if len(self.stylesheets) >= MAX_CACHED_STYLESHEETS:
                    self.stylesheets.clear()
                sheet = CSS(string=css_text, font_config=self.font_config, url_fetcher=self.fetcher)
                self.stylesheets[key] = sheet
            return sheet


_renderer: _Renderer | None = None
_renderer_lock = threading.Lock()


def renderer() -> _Renderer:
    """The process's renderer, created on first use (so each Celery worker process makes its own)."""
    global _renderer
    if _renderer is None:
        with _renderer_lock:
            if _renderer is None:
                _renderer = _Renderer()
    return _renderer


def reset_renderer() -> None:
    """Forget the process's fonts and style sheets (tests and the benchmark's cold path)."""
    global _renderer
    _renderer = None


@dataclass(frozen=True)
class Sheet:
    """One certificate's page: its HTML (one ``.sheet`` element) and its PDF's document information."""

    html: str
    title: str
    author: str
    subject: str


def render_pdfs(*, sheets: Sequence[Sheet], css: str) -> list[bytes]:
    """The PDF of each sheet, styled by ``css``: laid out as one document, written page by page.

    Each sheet must fill exactly one page; a style that splits or merges sheets would attach a
    page to the wrong certificate, so a page count that differs from the sheet count is an error.
    """
    if not sheets:
        return []
    state = renderer()
    html = DOCUMENT_HTML.format(sheets="".join(sheet.html for sheet in sheets))
    document = CertificateHTML(
        string=html, base_url=Path(__file__).parent.as_uri() + "/", url_fetcher=state.fetcher
    ).render(stylesheets=[state.stylesheet(css)], font_config=state.font_config, cache=state.image_cache)
    if len(document.pages) != len(sheets):
        raise ValueError(
            f"{len(sheets)} certificates were laid out on {len(document.pages)} pages: "
            "each certificate must fill exactly one page (check the design's extra CSS)"
        )
    pdfs = []
    for page, sheet in zip(document.pages, sheets, strict=True):
        single = document.copy([page])
        single.metadata = DocumentMetadata(
            title=sheet.title, authors=[sheet.author], description=sheet.subject, lang=LANGUAGE
        )
        pdfs.append(single.write_pdf())
    return pdfs
