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
- A sheet's QR code is drawn by this module, not by WeasyPrint: its modules are filled as
  rectangles straight into the page's content (about 2 KB of operators), in the box the layout
  gave the element of class ``qr``. As inline SVG, parsed and drawn by WeasyPrint in Python, it
  was about a sixth of each certificate's person layer.
"""

import contextlib
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


# The element whose box the QR code fills (a square: the symbol is centred in a wider box).
QR_BOX_CLASS = "qr"
# 72 PDF points per inch / 96 CSS pixels per inch: WeasyPrint's scale from layout to the page.
PT_PER_PX = 0.75


@dataclass(frozen=True)
class Sheet:
    """One certificate's page: its person layer's HTML (one ``.sheet`` element), its background's
    HTML (one ``.sheet``, or empty for a page of one layer), its PDF's document information, and
    a QR code's modules (rows of dark/light, top to bottom) to draw in its ``.qr`` box, if any."""

    html: str
    title: str
    author: str
    subject: str
    background: str = ""
    qr: tuple[tuple[bool, ...], ...] = ()
    qr_colour: tuple[float, float, float] = (0.0, 0.0, 0.0)


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


def _box_of_class(page, name: str):
    """The first box laid out for an element of class ``name`` on a WeasyPrint page, or None."""
    for box in page._page_box.descendants(placeholders=True):  # absolutely placed boxes too
        element = getattr(box, "element", None)
        if element is not None and name in (element.get("class") or "").split():
            return box
    return None


def qr_operators(modules: Sequence[Sequence[bool]], *, x: float, y: float, size: float, colour) -> bytes:
    """PDF operators that fill the dark modules of a QR code as one path of rectangles (a run of
    dark modules in a row is one rectangle), in a square of ``size`` points whose top left corner
    is at (``x``, ``y``) in the page's default space (y upwards)."""
    count = len(modules)
    unit = size / count
    runs = []
    for row, line in enumerate(modules):
        start = None
        for column, dark in enumerate([*line, False]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                runs.append(f"{start} {row} {column - start} 1 re")
                start = None
    red, green, blue = colour
    return (
        f"q {red:.4f} {green:.4f} {blue:.4f} rg {unit:.5f} 0 0 {-unit:.5f} {x:.4f} {y:.4f} cm "
        + " ".join(runs)
        + " f Q"
    ).encode()


def _qr_on_page(page, sheet: Sheet) -> bytes:
    """The operators that draw ``sheet``'s QR code in its page's ``.qr`` box (layout in CSS
    pixels from the top left; the PDF in points from the bottom left)."""
    box = _box_of_class(page, QR_BOX_CLASS)
    if box is None:
        raise ValueError(f'the certificate has a QR code but its template has no element of class "{QR_BOX_CLASS}"')
    side = min(box.width, box.height)
    left = box.content_box_x() + (box.width - side) / 2
    top = box.content_box_y() + (box.height - side) / 2
    return qr_operators(
        sheet.qr, x=left * PT_PER_PX, y=(page.height - top) * PT_PER_PX, size=side * PT_PER_PX, colour=sheet.qr_colour
    )


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


def _split(document_pdf: bytes, sheets: Sequence[Sheet], overlays: Sequence[bytes], backgrounds: dict[str, bytes]):
    """Each page of the person layers' one PDF as a PDF of its own: the page (with the document's
    font subsets, which hold glyphs, not text), its background page drawn under it as a form
    XObject, its overlay (PDF operators in the page's default space) over it, and its own title.

    Writing the chunk's pages as one PDF subsets each font once for the chunk, where writing
    each page alone subset four fonts per certificate: about a quarter of a certificate's time.
    """
    with contextlib.ExitStack() as stack:
        source = stack.enter_context(pikepdf.open(io.BytesIO(document_pdf)))
        forms: dict[str, pikepdf.Object] = {}  # background HTML → its page as a form XObject
        pdfs = []
        for index, (sheet, overlay) in enumerate(zip(sheets, overlays, strict=True)):
            pdf = stack.enter_context(pikepdf.new())
            pdf.pages.append(source.pages[index])
            page = pdf.pages[0]
            under = b"q "
            if sheet.background in backgrounds:
                if sheet.background not in forms:
                    # Open until the last PDF is saved: qpdf copies a foreign stream's data when writing.
                    background = stack.enter_context(pikepdf.open(io.BytesIO(backgrounds[sheet.background])))
                    _retag_fonts(background)
                    forms[sheet.background] = background.pages[0].as_form_xobject()
                form = pdf.copy_foreign(forms[sheet.background])
                name = page.add_resource(form, pikepdf.Name.XObject, prefix="Bg")
                under = b"q " + bytes(name) + b" Do Q q "
            # The person layer's own content is wrapped in q … Q: it changes the coordinate system
            # (WeasyPrint draws from the top left) and the overlay is drawn in the page's.
            page.contents_add(pdf.make_stream(under), prepend=True)
            page.contents_add(pdf.make_stream(b" Q " + overlay))
            pdf.docinfo = pdf.make_indirect(
                pikepdf.Dictionary(
                    Title=pikepdf.String(sheet.title),
                    Author=pikepdf.String(sheet.author),
                    Subject=pikepdf.String(sheet.subject),
                    Producer=source.docinfo.get("/Producer", pikepdf.String("")),
                )
            )
            pdf.Root.Lang = pikepdf.String(LANGUAGE)
            out = io.BytesIO()
            # The font subsets and the background's streams are compressed already: kept as they are.
            pdf.save(
                out, compress_streams=True, stream_decode_level=pikepdf.StreamDecodeLevel.none, deterministic_id=True
            )
            pdfs.append(out.getvalue())
            pdf.close()
        return pdfs


def render_pdfs(*, sheets: Sequence[Sheet], css: str) -> list[bytes]:
    """The PDF of each sheet, styled by ``css``: its person layer laid out and written with the
    others as one document, then split page by page over its (shared) background.

    Each sheet must fill exactly one page (see ``_layout``).
    """
    if not sheets:
        return []
    state = renderer()
    stylesheets = [state.stylesheet(css)]
    backgrounds: dict[str, bytes] = {}
    if all(sheet.background for sheet in sheets):
        backgrounds = _backgrounds([sheet.background for sheet in sheets if sheet.background], css)
        stylesheets.append(state.person_layer_stylesheet)
    document = _layout([sheet.html for sheet in sheets], stylesheets)
    overlays = [
        _qr_on_page(page, sheet) if sheet.qr else b"" for page, sheet in zip(document.pages, sheets, strict=True)
    ]
    return _split(document.write_pdf(), sheets, overlays, backgrounds)
