"""From certificate sheets (rendered templates) to PDF bytes, with fonts configured once per process.

- A certificate is two layers of one page: a *background* with everything a session's
  certificates share (issuing bodies, titles, course, dates, centre, signatories, frame) and a
  *person* layer with the person's own fields (names, rank, serial, code, QR code). A background
  is laid out and written once per process and reused, as PDF bytes, for every certificate that
  renders the same background HTML; each certificate lays out and writes only its person layer,
  then the background page is drawn under it as a form XObject (pikepdf, i.e. qpdf: about 2 ms).
  Shaping and drawing the shared text was most of each certificate's cost.
- Certificates are laid out together: the person layers of a batch chunk (or one certificate
  alone) form one document, one sheet per page, parsed, styled and laid out once; each page is
  then written as its own PDF with its own title. A batch pays for the style sheet, the fonts'
  set-up and the layout's fixed costs once per chunk instead of once per certificate.

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
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pikepdf
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
# Backgrounds kept per process (PDF bytes, about 30 KB each): one per session and kind of text
# (e.g. the feminine verb), so a worker's chunks of one session reuse theirs.
MAX_CACHED_BACKGROUNDS = 64
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
# The person layer is drawn over its background: it must not paint the page's colour over it.
PERSON_LAYER_CSS = "html, body { background: none !important }"


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
        self.person_layer_stylesheet = CSS(string=PERSON_LAYER_CSS, font_config=self.font_config)
        self.image_cache: dict = {}
        self.backgrounds: dict[str, bytes] = {}
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
    """One certificate's page: its person layer's HTML (one ``.sheet`` element), its background's
    HTML (one ``.sheet``, or empty for a page of one layer) and its PDF's document information."""

    html: str
    title: str
    author: str
    subject: str
    background: str = ""


def _layout(html_sheets: Sequence[str], stylesheets: list[CSS]):
    """One document of these sheets, one page each (a different page count is an error: pages are
    matched to certificates by position, so a style that splits or merges sheets would misfile)."""
    state = renderer()
    document = CertificateHTML(
        string=DOCUMENT_HTML.format(sheets="".join(html_sheets)),
        base_url=Path(__file__).parent.as_uri() + "/",
        url_fetcher=state.fetcher,
    ).render(stylesheets=stylesheets, font_config=state.font_config, cache=state.image_cache)
    if len(document.pages) != len(html_sheets):
        raise ValueError(
            f"{len(html_sheets)} certificates were laid out on {len(document.pages)} pages: "
            "each certificate must fill exactly one page (check the design's extra CSS)"
        )
    return document


def _backgrounds(html_sheets: Sequence[str], css: str) -> dict[str, bytes]:
    """The background PDF of each distinct background HTML: from the process's cache, else laid out
    together and written page by page. The key is the HTML and style sheet themselves, so two
    certificates share a background only if it prints exactly the same."""
    state = renderer()
    keys = {html: hashlib.sha256(f"{css}\0{html}".encode()).hexdigest() for html in dict.fromkeys(html_sheets)}
    with state.lock:
        found = {html: state.backgrounds[key] for html, key in keys.items() if key in state.backgrounds}
    missing = [html for html in keys if html not in found]
    if missing:
        document = _layout(missing, [state.stylesheet(css)])
        made = {html: document.copy([page]).write_pdf() for html, page in zip(missing, document.pages, strict=True)}
        with state.lock:
            if len(state.backgrounds) + len(made) > MAX_CACHED_BACKGROUNDS:
                state.backgrounds.clear()
            state.backgrounds.update({keys[html]: pdf for html, pdf in made.items()})
        found |= made
    return found


def _retag_fonts(pdf: pikepdf.Pdf) -> None:
    """Give the background's font subsets a tag of their own (ROT13 of WeasyPrint's).

    WeasyPrint tags a subset by font, not by glyphs, so both layers would embed two different
    subsets under one name; a viewer that caches fonts by name could then draw missing glyphs.
    """

    def retag(name) -> pikepdf.Name:
        tag, sep, rest = str(name).removeprefix("/").partition("+")
        if not sep:
            return name
        return pikepdf.Name("/" + "".join(chr((ord(c) - 65 + 13) % 26 + 65) for c in tag) + "+" + rest)

    for font in pdf.pages[0].Resources.get("/Font", {}).values():
        for item in [font, *font.get("/DescendantFonts", [])]:
            item.BaseFont = retag(item.BaseFont)
            if "/FontDescriptor" in item:
                item.FontDescriptor.FontName = retag(item.FontDescriptor.FontName)


def _merge(person_pdf: bytes, background_pdf: bytes) -> bytes:
    """The person layer's one-page PDF with the background page drawn under it."""
    with pikepdf.open(io.BytesIO(background_pdf)) as background, pikepdf.open(io.BytesIO(person_pdf)) as pdf:
        _retag_fonts(background)
        page = pdf.pages[0]
        form = pdf.copy_foreign(background.pages[0].as_form_xobject())
        name = page.add_resource(form, pikepdf.Name.XObject, prefix="Bg")
        page.contents_add(pdf.make_stream(b"q " + bytes(name) + b" Do Q"), prepend=True)
        out = io.BytesIO()
        pdf.save(out, compress_streams=True, deterministic_id=True)
        return out.getvalue()


def render_pdfs(*, sheets: Sequence[Sheet], css: str) -> list[bytes]:
    """The PDF of each sheet, styled by ``css``: its person layer laid out with the others as one
    document and written page by page, over its (shared) background.

    Each sheet must fill exactly one page (see ``_layout``).
    """
    if not sheets:
        return []
    state = renderer()
    layered = all(sheet.background for sheet in sheets)
    stylesheets = [state.stylesheet(css)]
    if layered:
        backgrounds = _backgrounds([sheet.background for sheet in sheets], css)
        stylesheets.append(state.person_layer_stylesheet)
    document = _layout([sheet.html for sheet in sheets], stylesheets)
    pdfs = []
    for page, sheet in zip(document.pages, sheets, strict=True):
        single = document.copy([page])
        single.metadata = DocumentMetadata(
            title=sheet.title, authors=[sheet.author], description=sheet.subject, lang=LANGUAGE
        )
        pdf = single.write_pdf()
        pdfs.append(_merge(pdf, backgrounds[sheet.background]) if layered else pdf)
    return pdfs
