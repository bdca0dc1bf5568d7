"""Loading the eight courses' content (``courses/content/MPS-0N.json``) into Wagtail pages.

Each file holds one course in Arabic and English: summary, objectives, audience, the two
cross-cutting themes, four modules of two lessons (body paragraphs, key points, a case scenario,
a knowledge check) and a quiz bank. The loader builds the Arabic pages (the source) and their
English translations under each language's course catalogue.

Idempotent by design: every page has a deterministic ``translation_key`` and every StreamField
block a deterministic id (derived from the course code and the content's slugs and refs), so a
re-run finds what exists and creates only what is missing; it never overwrites pages editors
may have changed. Arabic and English share the keys and block ids, which is what the e-learning
records rely on (see ``courses.learning``).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from django.db import transaction
from wagtail.models import Locale, Page

from courses.models import Course, CoursePage, LessonPage, ModulePage

CONTENT_DIR = Path(__file__).resolve().parent / "content"
LANGUAGES = ("ar", "en")
# Namespace for the content's deterministic ids (uuid5 of a path such as "MPS-01/module-1/lesson").
CONTENT_NAMESPACE = uuid.UUID("6f1d4c2e-7a51-4b8e-9a3c-5d2f8e1b0c47")


@dataclass
class LoadReport:
    created: int = 0
    existing: int = 0
    courses: list[str] = field(default_factory=list)


def content_id(*parts: str) -> uuid.UUID:
    """The stable id of a piece of course content (page translation key or block id)."""
    return uuid.uuid5(CONTENT_NAMESPACE, "/".join(parts))


def available_course_codes() -> list[str]:
    return sorted(path.stem for path in CONTENT_DIR.glob("MPS-*.json"))


def read_course_content(code: str) -> dict:
    path = CONTENT_DIR / f"{code}.json"
    if not path.exists():
        raise ValueError(f"No content file for course {code!r} (looked for {path}).")
    return json.loads(path.read_text(encoding="utf-8"))


def page_publish_new[P: Page](parent: Page, page: P) -> P:
    """Add ``page`` under ``parent`` and publish its first revision (so it has history to compare)."""
    parent.add_child(instance=page)
    page.save_revision(log_action=False).publish(log_action=False)
    return page


@transaction.atomic
def course_content_load(*, code: str, catalogues: dict[str, Page], report: LoadReport | None = None) -> LoadReport:
    """Create the missing pages of course ``code`` under ``catalogues`` ({"ar": page, "en": page})."""
    report = report or LoadReport()
    data = read_course_content(code)
    course = Course.objects.get(code=code)
    locales = {language: Locale.objects.get(language_code=language) for language in LANGUAGES}
    module_numbers = {module["slug"]: number for number, module in enumerate(data["modules"], start=1)}
    quiz_bank = [_question_block(question, module_numbers) for question in data["quiz_bank"]]

    for language in LANGUAGES:
        course_page = _ensure(
            report,
            catalogues[language],
            content_id(code),
            locales[language],
            lambda language=language: CoursePage(
                title=getattr(course, f"title_{language}"),
                slug=code.lower(),
                course=course,
                summary=data["summary"][language],
                audience=data["audience"][language],
                objectives=[
                    {
                        "type": "objective",
                        "value": objective[language],
                        "id": str(content_id(code, "objective", str(i))),
                    }
                    for i, objective in enumerate(data["objectives"])
                ],
                theme_human_rights=data["themes"]["human_rights"][language],
                theme_womens_access=data["themes"]["womens_access_to_justice"][language],
                quiz_bank=[_localise_block(block, language) for block in quiz_bank],
            ),
        )
        for module in data["modules"]:
            module_page = _ensure(
                report,
                course_page,
                content_id(code, module["slug"]),
                locales[language],
                lambda module=module, language=language: ModulePage(
                    title=module["title"][language], slug=module["slug"], summary=module["summary"][language]
                ),
            )
            for lesson in module["lessons"]:
                _ensure(
                    report,
                    module_page,
                    content_id(code, module["slug"], lesson["slug"]),
                    locales[language],
                    lambda lesson=lesson, module=module, language=language: LessonPage(
                        title=lesson["title"][language],
                        slug=lesson["slug"],
                        body=_lesson_body(code, module["slug"], lesson, language),
                    ),
                )
    report.courses.append(code)
    return report


def _ensure(report: LoadReport, parent: Page, key: uuid.UUID, locale: Locale, build) -> Page:
    existing = Page.objects.filter(translation_key=key, locale=locale).first()
    if existing is not None:
        report.existing += 1
        return existing
    page = build()
    page.translation_key, page.locale = key, locale
    report.created += 1
    return page_publish_new(parent, page)


def _paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{escape(text)}</p>" for text in texts)


def _lesson_body(code: str, module_slug: str, lesson: dict, language: str) -> list[dict]:
    def block_id(kind: str) -> str:
        return str(content_id(code, module_slug, lesson["slug"], kind))

    check = lesson["knowledge_check"]
    body = [
        {"type": "text", "id": block_id("text"), "value": _paragraphs(lesson["body"][language])},
        {"type": "key_points", "id": block_id("key_points"), "value": {"points": lesson["key_points"][language]}},
    ]
    if scenario := lesson.get("scenario"):  # not every lesson has a case scenario
        body.append(
            {
                "type": "scenario",
                "id": block_id("scenario"),
                "value": {
                    "title": scenario["title"][language],
                    "situation": scenario["situation"][language],
                    "questions": scenario["questions"][language],
                },
            }
        )
    body.append(
        {
            "type": "knowledge_check",
            "id": block_id("knowledge_check"),
            "value": {
                "prompt": check["question"][language],
                "choices": [
                    {"text": choice[language], "is_correct": bool(choice["correct"]), "feedback": ""}
                    for choice in check["choices"]
                ],
                "explanation": check["explanation"][language],
            },
        }
    )
    return body


def _question_block(question: dict, module_numbers: dict[str, int]) -> dict:
    """A quiz-bank block in both languages; ``_localise_block`` picks one."""
    module = question["module"]
    if module is not None and module not in module_numbers:
        raise ValueError(f"Question {question['ref']} names unknown module {module!r}.")
    if not any(choice["correct"] for choice in question["choices"]):
        raise ValueError(f"Question {question['ref']} has no correct answer.")
    return {
        "type": question["kind"],
        "id": str(content_id(question["ref"])),
        "value": {
            "module": module_numbers.get(module) if module else None,
            "prompt": question["question"],
            "choices": [
                {"text": choice, "is_correct": bool(choice["correct"]), "feedback": choice.get("feedback") or {}}
                for choice in question["choices"]
            ],
        },
    }


def _localise_block(block: dict, language: str) -> dict:
    value = block["value"]
    return {
        "type": block["type"],
        "id": block["id"],
        "value": {
            "module": value["module"],
            "prompt": value["prompt"][language],
            "choices": [
                {
                    "text": choice["text"][language],
                    "is_correct": choice["is_correct"],
                    "feedback": choice["feedback"].get(language, ""),
                }
                for choice in value["choices"]
            ],
        },
    }
