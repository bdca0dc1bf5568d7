"""The system libraries and fonts certificate PDFs depend on are present."""

import shutil
import subprocess

from weasyprint.text import ffi


def test_weasyprint_subsets_fonts_with_harfbuzz():
    # Without libharfbuzz-subset0 WeasyPrint falls back to a slow path that embeds larger fonts.
    assert ffi.harfbuzz_subset is not None


def test_fontconfig_finds_an_arabic_font():
    fc_list = shutil.which("fc-list")
    assert fc_list, "fc-list is missing (Debian package fontconfig)"

    families = subprocess.run(  # noqa: S603 - fixed argv
        [fc_list, ":lang=ar", "family"], capture_output=True, text=True, check=True
    ).stdout

    assert "Noto Naskh Arabic" in families or "Amiri" in families, families
