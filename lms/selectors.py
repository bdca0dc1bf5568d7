"""Reads for the learner pages.

Certificates and face-to-face sessions live in layers above ``lms``, so "My learning" asks for them
through Wagtail hooks instead of imports:

- the certificates app registers a function under ``lms_certificate_links`` that takes a ``Person``
  and returns ``CertificateLink``-shaped objects (``course_id``, ``label``, ``url``, and the
  ``session_id`` of a session's certificate, None for an e-learning one);
- the cascade registers one under ``lms_face_to_face_sessions`` that takes a ``Person`` and returns
  ``FaceToFaceSession``-shaped objects, the sessions they took part in, newest first.

With no such hook (or one that fails) the page simply lists none.
"""

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from wagtail import hooks

from lms.models import Enrolment, Person, QuizKind
from lms.outline import course_plan
from lms.services import Standing, standing_of

CERTIFICATE_LINKS_HOOK = "lms_certificate_links"
FACE_TO_FACE_HOOK = "lms_face_to_face_sessions"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CertificateLink:
    course_id: int
    label: str  # HTML-safe when it carries markup (the serial, isolated and unbroken)
    url: str
    session_id: int | None = None  # set for the certificate of a face-to-face session


@dataclass(frozen=True)
class FaceToFaceSession:
    """One face-to-face session the person took part in, as the learner sees it."""

    session_id: int
    course: str
    start_date: date
    end_date: date
    centre: str
    outcome: str
    pre_score: Decimal | None
    post_score: Decimal | None


@dataclass
class FaceToFaceRow:
    session: FaceToFaceSession
    certificates: list = field(default_factory=list)


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


def _from_hooks(hook_name: str, person: Person) -> list:
    found = []
    for provider in hooks.get_hooks(hook_name):
        try:
            found.extend(provider(person))
        except Exception:
            # A failing query of another layer must not take the trainee's learning page down with it.
            logger.exception("Hook %s: %r failed", hook_name, provider)
    return found


def certificate_links(person: Person) -> list:
    return _from_hooks(CERTIFICATE_LINKS_HOOK, person)


def face_to_face(person: Person, certificates: list | None = None) -> list[FaceToFaceRow]:
    """The face-to-face sessions the person took part in, each with its certificate's links."""
    if certificates is None:
        certificates = certificate_links(person)
    return [
        FaceToFaceRow(
            session=session,
            certificates=[link for link in certificates if link.session_id == session.session_id],
        )
        for session in _from_hooks(FACE_TO_FACE_HOOK, person)
    ]


def my_learning(person: Person, certificates: list | None = None) -> list[LearningRow]:
    if certificates is None:
        certificates = certificate_links(person)
    rows = []
    enrolments = Enrolment.objects.filter(person=person).select_related("course", "completion", "person")
    for enrolment in enrolments:
        plan = course_plan(enrolment.course)
        rows.append(
            LearningRow(
                enrolment=enrolment,
                standing=standing_of(enrolment, plan) if plan else None,
                certificates=[
                    link
                    for link in certificates
                    if link.course_id == enrolment.course_id and link.session_id is None  # a session's: on its row
                ],
            )
        )
    return rows
