"""What a certificate says: the template for its kind and the words and figures printed on it.

A certificate is printed in Arabic and English side by side whatever the reader's language, so
its wording lives in the templates (``certificates/pdf/*.html``, overridable from the project's
``templates/`` directory) and its issuing bodies, signatory titles and extra CSS in the
``CertificateDesign`` setting that an administrator edits in the Wagtail admin.
"""

import functools
import hashlib
import re
from collections.abc import Sequence
from datetime import date

import segno
from django.conf import settings
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from certificates.codes import code_display
from certificates.models import Certificate, CertificateDesign, CertificateKind
from certificates.pdf import Sheet, font_face_css, render_pdfs
from lms.models import Rank
from lms.outline import course_plan

TEMPLATES = {
    CertificateKind.PARTICIPANT: "certificates/pdf/participant.html",
    CertificateKind.TRAINER: "certificates/pdf/trainer.html",
    CertificateKind.ELEARNING: "certificates/pdf/elearning.html",
}
BASE_TEMPLATE = "certificates/pdf/base.html"  # what the kinds' templates extend
STYLESHEET = "certificates/pdf/certificate.css"

# Iraqi (Levantine) month names, as MOI documents print them.
ARABIC_MONTHS = (
    "كانون الثاني",
    "شباط",
    "آذار",
    "نيسان",
    "أيار",
    "حزيران",
    "تموز",
    "آب",
    "أيلول",
    "تشرين الأول",
    "تشرين الثاني",
    "كانون الأول",
)
ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def arabic_digits(value) -> str:
    return str(value).translate(_ARABIC_INDIC)


def arabic_date(day: date) -> str:
    return arabic_digits(f"{day.day} {ARABIC_MONTHS[day.month - 1]} {day.year}")


def english_date(day: date) -> str:
    return f"{day.day} {ENGLISH_MONTHS[day.month - 1]} {day.year}"


def verification_url(code: str) -> str:
    """The absolute address the QR code holds (SITE_BASE_URL + the public verify page)."""
    return settings.SITE_BASE_URL + reverse("certificates:verify_code", args=[code_display(code)])


# Any of the eight QR masks decodes the same; letting segno score all eight for the "best" one
# was about a twentieth of a certificate's rendering time.
QR_MASK = 0
QR_COLOUR = (0x14 / 255, 0x21 / 255, 0x3D / 255)  # the certificate's navy, #14213d


def qr_modules(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code of ``url`` (error correction M) as rows of modules, dark = True, without its
    quiet zone: ``certificates.pdf`` fills them into the sheet's ``.qr`` box, whose white
    surroundings on the page are the quiet zone."""
    return tuple(tuple(bool(module) for module in row) for row in segno.make(url, error="m", mask=QR_MASK).matrix)


# Words that belong to the next one: a family or compound name never breaks after them
# ("Al Hamdani", "Abdul Kareem", "عبد الكريم", "أبو بكر").
NAME_PARTICLES = frozenset(
    {"al", "el", "ul", "bin", "ben", "ibn", "bint", "abu", "abo", "abd", "abdul", "abdel", "abdal", "um", "umm"}
    | {"آل", "ال", "بن", "ابن", "بنت", "أبو", "ابو", "أم", "ام", "عبد"}
)


def name_units(name: str) -> list[str]:
    """A name split where a line may break: between words, never inside a hyphenated name
    ("Al-Hamdani") nor after a particle ("Al Hamdani", "Abdul Kareem", "عبد الكريم")."""
    units: list[str] = []
    glue = False
    for word in name.split():
        if glue and units:
            units[-1] = f"{units[-1]} {word}"
        else:
            units.append(word)
        glue = word.casefold().rstrip("-‐") in NAME_PARTICLES
    return units


def name_html(name: str):
    """The name as HTML in which no family name breaks: each unit of several parts (a hyphen or
    a particle) in a ``.nobreak`` span (``white-space: nowrap``; a non-breaking hyphen would need a
    glyph every font may lack, and would not read back as the hyphen that was typed)."""
    return mark_safe(  # noqa: S308 - every part is escaped
        " ".join(
            format_html('<span class="nobreak">{}</span>', unit) if (" " in unit or "-" in unit) else escape(unit)
            for unit in name_units(name)
        )
    )


@functools.cache
def _rank_label_pair(rank: str) -> tuple[str, str]:
    label = dict(Rank.choices).get(rank, rank)  # as get_rank_display: an unknown value prints as stored
    with translation.override("ar"):
        rank_ar = str(label)
    with translation.override("en"):
        rank_en = str(label)
    return rank_ar, rank_en


def _rank_labels(certificate: Certificate) -> tuple[str, str]:
    rank = certificate.person.rank
    return _rank_label_pair(rank) if rank else ("", "")


def certificate_context(certificate: Certificate, design: CertificateDesign) -> dict:
    course = certificate.course
    session = certificate.session
    rank_ar, rank_en = _rank_labels(certificate)
    issued_on = timezone.localtime(certificate.issued_at).date()
    url = verification_url(certificate.code)
    context = {
        "certificate": certificate,
        "design": design,
        "female": certificate.person.gender == "F",
        "name_ar": certificate.name_ar,
        "name_latin": certificate.name_latin,
        "name_ar_html": name_html(certificate.name_ar),
        "name_latin_html": name_html(certificate.name_latin or certificate.name_ar),
        "rank_ar": rank_ar,
        "rank_en": rank_en,
        # What the name's line holds, in characters, so the template can set a long one smaller.
        "name_ar_length": len(f"{rank_ar} {certificate.name_ar}"),
        "name_en_length": len(f"{rank_en} {certificate.name_latin or certificate.name_ar}"),
        "course_code": course.code,
        "course_title_ar": course.title_ar,
        "course_title_en": course.title_en,
        "hours_ar": arabic_digits(course.hours),
        "hours_en": course.hours,
        "issued_on_ar": arabic_date(issued_on),
        "issued_on_en": english_date(issued_on),
        "completed_on_ar": arabic_date(certificate.completed_on),
        "completed_on_en": english_date(certificate.completed_on),
        "serial": certificate.serial,
        "code": code_display(certificate.code),
        "verification_url": url,
        "replaces_serial": certificate.replaces.serial if certificate.replaces_id else "",
    }
    if session is not None:
        context |= {
            "centre_ar": session.training_centre.name_ar,
            "centre_en": session.training_centre.name_en,
            "start_ar": arabic_date(session.start_date),
            "start_en": english_date(session.start_date),
            "end_ar": arabic_date(session.end_date),
            "end_en": english_date(session.end_date),
            "session_ref": session.ref,
        }
    if certificate.kind == CertificateKind.ELEARNING:
        # The face-to-face hours belong to the session's course; an e-learning certificate names
        # what was completed online instead: every lesson of every module.
        plan = course_plan(course)
        modules = len(plan.modules) if plan else 0
        lessons = len(plan.lessons) if plan else 0
        context |= {
            "modules_ar": arabic_digits(modules),
            "modules_en": modules,
            "lessons_ar": arabic_digits(lessons),
            "lessons_en": lessons,
        }
    if certificate.valid_until:
        context |= {
            "valid_until_ar": arabic_date(certificate.valid_until),
            "valid_until_en": english_date(certificate.valid_until),
        }
    return context


def certificate_css(design: CertificateDesign) -> str:
    return "\n".join([font_face_css(), render_to_string(STYLESHEET), design.extra_css])


DESIGN_FIELDS = (
    "ministry_ar",
    "ministry_en",
    "directorate_ar",
    "directorate_en",
    "signatory_left_ar",
    "signatory_left_en",
    "signatory_right_ar",
    "signatory_right_en",
)


def design_key(design: CertificateDesign) -> str:
    """A short fingerprint of everything a certificate is drawn from besides its own fields: the
    design setting, the style sheet (fonts included) and the templates' source. Stored with each
    PDF (``Certificate.pdf_design``), so a batch can find the PDFs drawn with an earlier design."""
    digest = hashlib.sha256(certificate_css(design).encode())
    for field in DESIGN_FIELDS:
        digest.update(b"\0" + str(getattr(design, field)).encode())
    for name in [BASE_TEMPLATE, *TEMPLATES.values()]:
        digest.update(b"\0" + get_template(name).template.source.encode())
    return digest.hexdigest()[:16]


# Whitespace that holds a line break, between two tags: the template's indentation. Each such run
# becomes an anonymous box for WeasyPrint to style and lay out (about a third of a person layer's
# layout); a space within a line (between a label and its value) has no line break and stays.
_INDENTATION = re.compile(r">\s*\n\s*<")


def _render_layer(template: str, context: dict) -> str:
    return _INDENTATION.sub("><", render_to_string(template, context))


def certificate_sheet(certificate: Certificate, design: CertificateDesign) -> Sheet:
    """The certificate's two layers (see ``certificates.pdf``), from one template: the background
    for what the session's certificates share, the person layer for this person's fields."""
    context = certificate_context(certificate, design)
    template = TEMPLATES[certificate.kind]
    return Sheet(
        html=_render_layer(template, context | {"layer": "person"}),
        background=_render_layer(template, context | {"layer": "background"}),
        title=f"{certificate.serial} — {certificate.name_latin or certificate.name_ar}",
        author=design.directorate_en,
        subject=f"{context['course_code']} {context['course_title_en']}",
        qr=qr_modules(context["verification_url"]),
        qr_colour=QR_COLOUR,
    )


def certificate_pdfs(certificates: Sequence[Certificate], design: CertificateDesign | None = None) -> list[bytes]:
    """Each certificate's PDF bytes, in order, laid out as one document (not stored; see
    ``services.certificate_pdfs_ensure``)."""
    design = design or CertificateDesign.load()
    sheets = [certificate_sheet(certificate, design) for certificate in certificates]
    return render_pdfs(sheets=sheets, css=certificate_css(design))
