"""One way of writing numbers and dates across the site (``config.formats``): the main pages of
each role, rendered in Arabic from the demo data, never mix thousands separators, decimal marks
or date formats, and print months by their Iraqi names."""

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from config.formats import date_text, number
from imports.columns import PEOPLE
from tests.imports.helpers import csv_bytes

pytestmark = pytest.mark.django_db

IRAQI_MONTHS = (
    "كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران",
    "تموز", "آب", "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول",
)  # fmt: skip
EGYPTIAN_MONTHS = (
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
)

NUMBER = re.compile(r"(?<![\w.,/:-])\d[\d.,]*\d(?![\w/:-])|(?<![\w.,/:-])\d(?![\w.,/:-])")
GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")  # 2,144 or 2,144.5
SPACED_PERCENT = re.compile(r"\d\s+%")  # the site writes 52.5%
OTHER_DATES = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{4}\b|\b\d{4}/\d{1,2}/\d{1,2}\b")


def visible_text(page: str) -> str:
    """What a reader sees: no scripts, styles, tags or attribute values."""
    page = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(page)


def problems(text: str) -> list[str]:
    """What breaks the site's format in ``text``: a comma that does not group thousands (52,50,
    116,7), a dot that does (2.144), a count of four or five digits left ungrouped (2144; years
    and seven-digit service numbers aside), a percent sign set apart from its number (52.5 %), a
    date written otherwise (ISO, d/m/Y, m/d/Y) or an Egyptian month name."""
    found = []
    for token in NUMBER.findall(text):
        token = token.strip(".,")
        if not token or GROUPED.match(token):
            continue
        if "," in token:
            found.append(f"comma not grouping thousands: {token}")
        elif token.count(".") > 1 or re.match(r"^\d{1,3}\.\d{3}$", token):
            found.append(f"dot grouping thousands: {token}")
        elif re.match(r"^\d{4,5}$", token) and not re.match(r"^(19|20)\d\d$", token):
            found.append(f"ungrouped count: {token}")
    found += [f"percent sign apart from its number: {p}" for p in SPACED_PERCENT.findall(text)]
    found += [f"date not in the site format: {d}" for d in OTHER_DATES.findall(text)]
    found += [f"Egyptian month name: {m}" for m in EGYPTIAN_MONTHS if m in text]
    return found


def test_the_checker_catches_each_mixed_format():
    assert problems("2,144 · 116.7 · 52.5 · 7 كانون الأول 2026 · MPS-01 · 2024 Q3") == []
    assert problems("116,7") and problems("52,50") and problems("2.144.500") and problems("2144")
    assert problems("52.5 %") and not problems("52.5%")
    assert problems("2026-12-07") and problems("07/12/2026") and problems("12/7/2026") and problems("7 ديسمبر 2026")


def pages_for(demo_user, verified_login, client, django_user_model, tmp_path, settings) -> dict[str, str]:
    from cascade.models import TrainingSession
    from lms.models import Person

    pages = {}

    def read(url: str) -> str:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="ar")
        assert response.status_code == 200, url
        return response.content.decode()

    verified_login(demo_user("auditor"))
    for url in ("/audit/", "/audit/section/coverage/", "/audit/section/plan/", "/audit/section/cascade/"):
        pages[url] = read(url)
    trainer = Person.objects.get(user__username="trainer.a")
    for url in (f"/cascade/reach/{trainer.pk}/", f"/cascade/lineage/{trainer.pk}/"):
        pages[url] = read(url)
    verified_login(demo_user("trainer.a"))
    pages["/cascade/workspace/"] = read("/cascade/workspace/")
    session = TrainingSession.objects.filter(trainers__person=trainer).order_by("-start_date").first()
    pages["session"] = read(reverse("cascade:workspace_session", args=[session.pk]))
    verified_login(demo_user("trainee"))
    pages["/learn/"] = read("/learn/")
    settings.IMPORTS_DIR = tmp_path / "imports"
    verified_login(demo_user("manager.baghdad"))
    roster = [["8200001", "علي حسن", "Ali Hassan", "M", "", "", "", "Baghdad"]]
    client.post(
        "/admin/imports/",
        {"kind": "people", "file": SimpleUploadedFile("r.csv", csv_bytes([c.name for c in PEOPLE], roster))},
    )
    pages["/admin/imports/"] = read("/admin/imports/")
    return pages


def test_no_page_mixes_number_or_date_formats(
    demo, demo_user, verified_login, client, django_user_model, tmp_path, settings
):
    pages = pages_for(demo_user, verified_login, client, django_user_model, tmp_path, settings)
    assert len(pages) == 10
    found = {url: problems(visible_text(page)) for url, page in pages.items()}
    assert {url: p for url, p in found.items() if p} == {}
    # The figures do print grouped thousands and Iraqi month names where there are any.
    dashboard = visible_text(pages["/audit/"])
    assert re.search(r"\b\d{1,3},\d{3}\b", dashboard)
    assert any(month in dashboard for month in IRAQI_MONTHS)
    with translation.override("ar"):
        assert number(2144) == "2,144" and number(116.66, 1) == "116.7"
        from datetime import date

        assert date_text(date(2026, 12, 7)) == "7 كانون الأول 2026"
    imports_page = visible_text(pages["/admin/imports/"])
    assert any(month in imports_page for month in IRAQI_MONTHS)
