"""Reads for the learner pages.

Certificates live in a layer above ``lms``, so "My learning" asks for them through a Wagtail hook
instead of an import: the certificates app registers a function under ``lms_certificate_links``
that takes a ``Person`` and returns ``CertificateLink``-shaped objects (``course_id``, ``label``,
``url``). With no such hook (or one that fails) the page simply lists no certificates.
"""

import logging
from dataclasses import dataclass, field

from wagtail import hooks

from lms.models import Enrolment, Person, QuizKind
from lms.outline import course_plan
from lms.services import Standing, standing_of

CERTIFICATE_LINKS_HOOK = "lms_certificate_links"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CertificateLink:
    course_id: int
    label: str
    url: str


@dataclass
class LearningRow:
    """One enrolled course on "My learning"."""

    enrolment: Enrolment
    standing: Standing | None  # None when the course has no live pages any more
    certificates: list = field(default_factory=list)

    @property
    def module_results(self) -> list:
        if self.standing is None:
            return []
        return [
            (module, self.standing.quiz(QuizKind.MODULE, module.number))
            for module in self.standing.plan.modules
            if module.has_quiz
        ]


def certificate_links(person: Person) -> list:
    links = []
    for provider in hooks.get_hooks(CERTIFICATE_LINKS_HOOK):
        try:
            links.extend(provider(person))
        except Exception:
            # A failing certificates query must not take the trainee's learning page down with it.
            logger.exception("Certificate links hook %r failed", provider)
    return links


def my_learning(person: Person) -> list[LearningRow]:
    certificates = certificate_links(person)
    rows = []
    enrolments = Enrolment.objects.filter(person=person).select_related("course", "completion", "person")
    for enrolment in enrolments:
        plan = course_plan(enrolment.course)
        rows.append(
            LearningRow(
                enrolment=enrolment,
                standing=standing_of(enrolment, plan) if plan else None,
                certificates=[link for link in certificates if link.course_id == enrolment.course_id],
            )
        )
    return rows
