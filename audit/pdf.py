"""The programme report as PDF (WeasyPrint): one function from template and context to bytes.

Fonts are the system's Noto Naskh Arabic and Amiri (Debian packages fonts-noto-core and
fonts-hosny-amiri), named in the report's CSS with an explicit stack and loaded from disk. The URL
fetcher reads files under the font and static folders only and fetches nothing from the network.
"""

from functools import cache
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

FONT_DIRS = (Path("/usr/share/fonts"),)


class LocalFilesOnly(URLFetcher):
    """Serve file: URLs under the allowed folders and data: URLs; refuse everything else."""

    def __init__(self, allowed: tuple[Path, ...]) -> None:
        super().__init__(allowed_protocols={"file", "data"})
        self.allowed = tuple(p.resolve() for p in allowed)

    def fetch(self, url, headers=None):
        if url.startswith("file:"):
            path = Path(url.removeprefix("file://").split("?")[0]).resolve()
            if not any(path.is_relative_to(root) for root in self.allowed):
                raise ValueError(f"The report may not read {path}.")
        return super().fetch(url, headers)


@cache
def _font_config() -> FontConfiguration:
    return FontConfiguration()


def render_pdf(template: str, context: dict) -> bytes:
    html = render_to_string(template, context)
    allowed = (*FONT_DIRS, Path(settings.BASE_DIR) / "audit" / "static", Path(settings.BASE_DIR) / "static")
    document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=LocalFilesOnly(allowed))
    return document.write_pdf(font_config=_font_config())
