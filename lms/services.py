"""Workflows of the e-learning platform: enrolment, lesson progress, quizzes and course completion.

Safety on bad connections and bad input:
- Progress writes are idempotent: a lesson completion is ``get_or_create`` on a unique
  constraint, so the same completion posted twice (a retry on a flaky connection, the scroll
  script and the button together) is one record and one statement.
- A quiz attempt is created when the quiz is served, with a one-time token; submitting consumes
  the token under a row lock, so a replayed submission finds nothing to grade. Submissions after
  the attempt limit, for a module not yet reached, or whose question ids differ from those served
  are refused with a ``LearningRefused`` carrying a message, and nothing is written.
- Completing a course creates one ``CourseCompletion`` and sends ``lms.signals.course_completed``
  once the transaction commits (the certificates app issues the certificate).

Order: the pre-test comes first (when the course has a quiz bank), then modules one by one: a
module is reached when every lesson of the one before is complete and, if the course's rule asks
for passed module quizzes, its quiz passed. The post-test is open once the last module is
finished the same way.
"""

import random
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses import learning
from courses.models import Course
from lms import xapi
from lms.models import (
    CompletionRule,
    CourseCompletion,
    Enrolment,
    LessonCompletion,
    Person,
    QuizAttempt,
    QuizKind,
)
from lms.outline import CoursePlan, ModuleRef, course_plan
from lms.scopes import people_enrollable_by
from lms.signals import course_completed

NOT_OPEN = _("This course is not open on the e-learning platform.")
LESSON_NOT_IN_COURSE = _("This lesson is not part of the course.")
PRE_TEST_FIRST = _("Take the pre-test before starting the lessons.")
MODULE_NOT_REACHED = _("Module %(number)s opens once you have finished the modules before it.")
MODULE_LESSONS_FIRST = _("Finish every lesson of module %(number)s before taking its quiz.")
POST_TEST_NOT_OPEN = _("The post-test opens once you have finished every module.")
ATTEMPTS_USED = _("You have used all %(limit)s attempts at this quiz.")
ALREADY_PASSED = _("You have already passed this quiz.")
NO_QUESTIONS = _("This quiz has no questions yet.")
ATTEMPT_REPLAYED = _("These answers were already submitted; your result is below.")
ATTEMPT_TOKEN_INVALID = _("This quiz form is no longer valid. Open the quiz again.")
QUESTIONS_TAMPERED = _("The answers do not match the questions you were given. Nothing was recorded.")
ANSWER_EVERY_QUESTION = _("Answer every question before submitting.")
QUIZ_CHANGED = _("The quiz was changed while you were answering. Open it again.")
NOT_IN_SCOPE = _("You may not enrol these people (outside your scope): %(numbers)s.")
UNKNOWN_SERVICE_NUMBERS = _("Unknown service numbers (line: value): %(rows)s.")
NO_SERVICE_NUMBERS = _("Give at least one service number.")
PRE_TEST_ATTEMPTS = 1


class LearningRefused(Exception):
    """A trainee's request that the rules refuse; ``message`` says why and nothing was written."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


# --- Enrolment -------------------------------------------------------------------------------


def published_course_ids() -> set[int]:
    return {page.course_id for page in learning.published_course_pages()}


def enrolment_create(*, person: Person, course: Course, enrolled_by=None) -> tuple[Enrolment, bool]:
    """Enrol ``person`` in a published course; enrolling twice returns the existing enrolment."""
    if course.pk not in published_course_ids():
        raise LearningRefused(NOT_OPEN)
    return Enrolment.objects.get_or_create(
        person=person,
        course=course,
        defaults={"enrolled_by": enrolled_by, "source": Enrolment.Source.SELF},
    )


@dataclass(frozen=True)
class BulkEnrolmentResult:
    enrolled: list[str] = field(default_factory=list)  # service numbers newly enrolled
    already: list[str] = field(default_factory=list)  # service numbers enrolled before


@transaction.atomic
def enrolments_bulk_create(*, actor, course: Course, service_numbers: list[str]) -> BulkEnrolmentResult:
    """Enrol the people with these service numbers (one per list item) in ``course``, all or none.

    Unknown numbers and people outside ``actor``'s scope (``people_enrollable_by``) are refused
    with a ValidationError naming them; nothing is written then.
    """
    if course.pk not in published_course_ids():
        raise ValidationError(NOT_OPEN)
    wanted = {}
    for line, raw in enumerate(service_numbers, start=1):
        number = raw.strip()
        if number:
            wanted.setdefault(number, line)
    if not wanted:
        raise ValidationError(NO_SERVICE_NUMBERS)
    found = dict(Person.objects.filter(service_number__in=wanted).values_list("service_number", "pk"))
    unknown = [f"{line}: {number}" for number, line in wanted.items() if number not in found]
    if unknown:
        raise ValidationError(UNKNOWN_SERVICE_NUMBERS, params={"rows": ", ".join(unknown)})
    allowed = set(people_enrollable_by(actor).filter(pk__in=found.values()).values_list("pk", flat=True))
    refused = [number for number, pk in found.items() if pk not in allowed]
    if refused:
        raise ValidationError(NOT_IN_SCOPE, params={"numbers": ", ".join(refused)})
    before = set(
        Enrolment.objects.filter(course=course, person_id__in=found.values()).values_list("person_id", flat=True)
    )
    Enrolment.objects.bulk_create(
        [
            Enrolment(person_id=pk, course=course, source=Enrolment.Source.MANAGER, enrolled_by=actor)
            for pk in found.values()
            if pk not in before
        ],
        ignore_conflicts=True,  # a trainee enrolling themselves at the same moment is not an error
    )
    return BulkEnrolmentResult(
        enrolled=[number for number, pk in found.items() if pk not in before],
        already=[number for number, pk in found.items() if pk in before],
    )


# --- Where a trainee stands --------------------------------------------------------------------


@dataclass
class QuizStanding:
    kind: str
    module_number: int
    limit: int
    attempts: list[QuizAttempt]  # submitted, oldest first

    @property
    def used(self) -> int:
        return len(self.attempts)

    @property
    def passed(self) -> bool:
        return any(attempt.passed for attempt in self.attempts)

    @property
    def best_score(self) -> Decimal | None:
        return max((attempt.score for attempt in self.attempts), default=None)

    @property
    def last_score(self) -> Decimal | None:
        return self.attempts[-1].score if self.attempts else None

    @property
    def exhausted(self) -> bool:
        return self.used >= self.limit and not self.passed


@dataclass(frozen=True)
class ModuleStatus:
    module: ModuleRef
    reached: bool
    lessons_done: bool
    quiz: QuizStanding | None  # None when the module has no quiz


@dataclass
class Standing:
    """An enrolment's progress against its course's plan and rule (read from two queries)."""

    enrolment: Enrolment
    plan: CoursePlan
    rule: CompletionRule
    completed_keys: set
    quizzes: dict  # (kind, module_number) → QuizStanding

    def quiz(self, kind: str, module_number: int = 0) -> QuizStanding:
        limit = PRE_TEST_ATTEMPTS if kind == QuizKind.PRE_TEST else self.rule.max_attempts
        return self.quizzes.get((kind, module_number)) or QuizStanding(kind, module_number, limit, [])

    @property
    def post_quiz(self) -> QuizStanding:
        return self.quiz(QuizKind.POST_TEST)

    @property
    def pre_test_done(self) -> bool:
        return self.plan.bank_size == 0 or self.quiz(QuizKind.PRE_TEST).used > 0

    def module_lessons_done(self, number: int) -> bool:
        module = self.plan.module(number)
        return module is not None and all(lesson.key in self.completed_keys for lesson in module.lessons)

    def module_finished(self, number: int) -> bool:
        """Lessons done and, when the rule asks for it, the quiz passed."""
        module = self.plan.module(number)
        if module is None or not self.module_lessons_done(number):
            return False
        return not (module.has_quiz and self.rule.require_module_quizzes) or self.quiz(QuizKind.MODULE, number).passed

    def module_reached(self, number: int) -> bool:
        return self.pre_test_done and all(self.module_finished(n) for n in range(1, number))

    @property
    def modules_finished(self) -> bool:
        return all(self.module_finished(module.number) for module in self.plan.modules)

    @property
    def post_test_open(self) -> bool:
        return self.plan.bank_size > 0 and self.pre_test_done and self.modules_finished

    @property
    def lessons_total(self) -> int:
        return len(self.plan.lessons)

    @property
    def lessons_done(self) -> int:
        return sum(1 for lesson in self.plan.lessons if lesson.key in self.completed_keys)

    @property
    def percent(self) -> int:
        return round(100 * self.lessons_done / self.lessons_total) if self.lessons_total else 0

    @property
    def pre_score(self) -> Decimal | None:
        return self.quiz(QuizKind.PRE_TEST).last_score

    @property
    def post_score(self) -> Decimal | None:
        return self.quiz(QuizKind.POST_TEST).best_score

    @property
    def gain(self) -> Decimal | None:
        if self.pre_score is None or self.post_score is None:
            return None
        return self.post_score - self.pre_score

    @property
    def module_statuses(self) -> list["ModuleStatus"]:
        return [
            ModuleStatus(
                module=module,
                reached=self.module_reached(module.number),
                lessons_done=self.module_lessons_done(module.number),
                quiz=self.quiz(QuizKind.MODULE, module.number) if module.has_quiz else None,
            )
            for module in self.plan.modules
        ]

    def rules_met(self) -> bool:
        rule = self.rule
        if rule.require_all_modules and not all(self.module_lessons_done(m.number) for m in self.plan.modules):
            return False
        if rule.require_module_quizzes and not all(
            self.quiz(QuizKind.MODULE, m.number).passed for m in self.plan.modules if m.has_quiz
        ):
            return False
        return not (rule.require_post_test and self.plan.bank_size and not self.post_quiz.passed)

    def next_step(self) -> tuple[str, object]:
        """What the trainee should do next: ("pre_test", None), ("lesson", LessonRef),
        ("quiz", module number), ("post_test", None), ("done", None) or ("blocked", module number)."""
        if not self.pre_test_done:
            return "pre_test", None
        for module in self.plan.modules:
            for lesson in module.lessons:
                if lesson.key not in self.completed_keys:
                    return "lesson", lesson
            if not self.module_finished(module.number):
                if self.quiz(QuizKind.MODULE, module.number).exhausted:
                    return "blocked", module.number
                return "quiz", module.number
        post = self.quiz(QuizKind.POST_TEST)
        if self.plan.bank_size and not post.passed and not post.exhausted:
            return "post_test", None
        return "done", None


def standing_of(enrolment: Enrolment, plan: CoursePlan | None = None) -> Standing:
    plan = plan or course_plan(enrolment.course)
    if plan is None:
        raise LearningRefused(NOT_OPEN)
    rule = CompletionRule.for_course(enrolment.course)
    keys = set(enrolment.lesson_completions.values_list("lesson_key", flat=True))
    quizzes: dict = {}
    for attempt in enrolment.quiz_attempts.filter(submitted_at__isnull=False).order_by("number"):
        slot = (attempt.kind, attempt.module_number)
        if slot not in quizzes:
            limit = PRE_TEST_ATTEMPTS if attempt.kind == QuizKind.PRE_TEST else rule.max_attempts
            quizzes[slot] = QuizStanding(attempt.kind, attempt.module_number, limit, [])
        quizzes[slot].attempts.append(attempt)
    return Standing(enrolment=enrolment, plan=plan, rule=rule, completed_keys=keys, quizzes=quizzes)


# --- Lessons ---------------------------------------------------------------------------------


@transaction.atomic
def lesson_complete(*, enrolment: Enrolment, lesson_key: uuid.UUID, method: str) -> tuple[LessonCompletion, bool]:
    """Record that the trainee finished a lesson; the second report of the same lesson changes nothing."""
    standing = standing_of(enrolment)
    lesson = standing.plan.lesson(lesson_key)
    if lesson is None:
        raise LearningRefused(LESSON_NOT_IN_COURSE)
    if lesson_key in standing.completed_keys:
        return enrolment.lesson_completions.get(lesson_key=lesson_key), False
    _require_module_reached(standing, lesson.module_number)
    completion, created = LessonCompletion.objects.get_or_create(
        enrolment=enrolment,
        lesson_key=lesson_key,
        defaults={"module_number": lesson.module_number, "method": method},
    )
    if created:
        xapi.statement_record(
            person=enrolment.person,
            verb=xapi.VERB_COMPLETED,
            object_id=xapi.lesson_iri(standing.plan.code, lesson_key),
            activity_type=xapi.ACTIVITY_LESSON,
            name=lesson.title,
            timestamp=completion.completed_at,
            parent_id=xapi.course_iri(standing.plan.code),
        )
        standing.completed_keys.add(lesson_key)
        _completion_check(standing)
    return completion, created


def _require_module_reached(standing: Standing, number: int) -> None:
    if not standing.pre_test_done:
        raise LearningRefused(PRE_TEST_FIRST)
    if not standing.module_reached(number):
        raise LearningRefused(MODULE_NOT_REACHED % {"number": number})


# --- Quizzes ---------------------------------------------------------------------------------


def _check_quiz_open(standing: Standing, kind: str, module_number: int) -> None:
    """Raise LearningRefused unless the trainee may take (another) attempt at this quiz now."""
    if kind == QuizKind.MODULE:
        if standing.plan.module(module_number) is None:
            raise LearningRefused(NO_QUESTIONS)
        _require_module_reached(standing, module_number)
        if not standing.module_lessons_done(module_number):
            raise LearningRefused(MODULE_LESSONS_FIRST % {"number": module_number})
    elif kind == QuizKind.POST_TEST and not standing.post_test_open:
        raise LearningRefused(POST_TEST_NOT_OPEN)
    quiz = standing.quiz(kind, module_number)
    if kind != QuizKind.PRE_TEST and quiz.passed:
        raise LearningRefused(ALREADY_PASSED)
    if quiz.used >= quiz.limit:
        raise LearningRefused(ATTEMPTS_USED % {"limit": quiz.limit})


def _questions(course: Course, kind: str, module_number: int) -> list[learning.Question]:
    return learning.quiz_questions(course, module_number if kind == QuizKind.MODULE else None)


def test_form_size(bank_size: int) -> int:
    """How many questions a pre- or post-test form has: half the course's bank, so the two forms
    never share a question."""
    return max(1, bank_size // 2)


def _form_questions(enrolment: Enrolment, kind: str, questions: list[learning.Question]) -> list[str]:
    """The question ids of a new attempt, in random order.

    Module quizzes serve their module's questions. The pre-test draws a form of half the bank; the
    post-test draws its form from the questions this trainee's pre-test did not ask, so the gain
    between the two measures learning rather than memory of the same questions.
    """
    ids = [question.id for question in questions]
    if kind == QuizKind.MODULE:
        random.shuffle(ids)
        return ids
    size = test_form_size(len(ids))
    if kind == QuizKind.POST_TEST:
        asked = set()
        for served in QuizAttempt.objects.filter(enrolment=enrolment, kind=QuizKind.PRE_TEST).values_list(
            "question_ids", flat=True
        ):
            asked.update(served)
        ids = [qid for qid in ids if qid not in asked]
    return random.sample(ids, min(size, len(ids)))


def choice_order(attempt: QuizAttempt, question: learning.Question) -> list[learning.Choice]:
    """The question's choices in the order this attempt shows them: shuffled per attempt (seeded by
    its one-time token, so a reload shows the same order and another attempt a new one)."""
    choices = list(question.choices)
    random.Random(f"{attempt.token}:{question.id}").shuffle(choices)  # noqa: S311 — an order, not a secret
    return choices


def served_questions(attempt: QuizAttempt) -> list[tuple[learning.Question, list[learning.Choice]]]:
    """The attempt's questions in served order, each with its choices in the attempt's order."""
    bank = {
        question.id: question for question in _questions(attempt.enrolment.course, attempt.kind, attempt.module_number)
    }
    return [(bank[qid], choice_order(attempt, bank[qid])) for qid in attempt.question_ids if qid in bank]


def answers_shown(attempt: QuizAttempt, standing: "Standing") -> bool:
    """Whether the attempt's result page may show right and wrong answers: never for a pre-test
    before the post-test is taken (its questions must teach nothing), always for the others."""
    return attempt.kind != QuizKind.PRE_TEST or standing.post_quiz.used > 0


def quiz_attempt_open(*, enrolment: Enrolment, kind: str, module_number: int = 0) -> QuizAttempt:
    """The attempt to serve: the open (unsubmitted) one, or a new one with a fresh token and the
    questions drawn for it in random order. Reloading the quiz page serves the same attempt."""
    module_number = module_number if kind == QuizKind.MODULE else 0
    standing = standing_of(enrolment)
    _check_quiz_open(standing, kind, module_number)
    slot = {"enrolment": enrolment, "kind": kind, "module_number": module_number}
    existing = QuizAttempt.objects.filter(submitted_at__isnull=True, **slot).first()
    if existing:
        return existing
    ids = _form_questions(enrolment, kind, _questions(enrolment.course, kind, module_number))
    if not ids:
        raise LearningRefused(NO_QUESTIONS)
    try:
        with transaction.atomic():
            return QuizAttempt.objects.create(
                number=standing.quiz(kind, module_number).used + 1, token=uuid.uuid4(), question_ids=ids, **slot
            )
    except IntegrityError:
        # Another tab opened this attempt number a moment ago: serve that one.
        return QuizAttempt.objects.get(submitted_at__isnull=True, **slot)


@dataclass(frozen=True)
class AnswerFeedback:
    question: learning.Question
    chosen: learning.Choice | None
    correct: bool


def quiz_attempt_submit(*, attempt_id: int, person: Person, token: str, answers: dict[str, str]) -> QuizAttempt:
    """Grade a served attempt once. ``answers`` maps question id → chosen choice id (as sent).

    Raises ``QuizAttempt.DoesNotExist`` for an attempt that is not ``person``'s (a 404 for the
    view) and ``LearningRefused`` for a replay, a stale token, a quiz no longer open or answers
    that do not match the served questions; in every refusal nothing is written.
    """
    with transaction.atomic():
        attempt = (
            QuizAttempt.objects.select_for_update()
            .select_related("enrolment__course", "enrolment__person")
            .get(pk=attempt_id, enrolment__person=person)
        )
        if attempt.submitted_at is not None:
            raise LearningRefused(ATTEMPT_REPLAYED)
        if str(attempt.token) != str(token).strip():
            raise LearningRefused(ATTEMPT_TOKEN_INVALID)
        enrolment = attempt.enrolment
        standing = standing_of(enrolment)
        _check_quiz_open(standing, attempt.kind, attempt.module_number)
        served = list(attempt.question_ids)
        if set(answers) - set(served):
            raise LearningRefused(QUESTIONS_TAMPERED)
        if set(served) - {qid for qid, value in answers.items() if str(value).strip()}:
            raise LearningRefused(ANSWER_EVERY_QUESTION)
        bank = {question.id: question for question in _questions(enrolment.course, attempt.kind, attempt.module_number)}
        if any(qid not in bank for qid in served):
            raise LearningRefused(QUIZ_CHANGED)
        chosen: dict[str, int] = {}
        for qid in served:
            try:
                choice_id = int(str(answers[qid]).strip())
            except ValueError:
                raise LearningRefused(QUESTIONS_TAMPERED) from None
            if choice_id not in {choice.id for choice in bank[qid].choices}:
                raise LearningRefused(QUESTIONS_TAMPERED)
            chosen[qid] = choice_id
        right = sum(1 for qid in served if chosen[qid] in bank[qid].correct_choice_ids)
        score = (Decimal(100 * right) / len(served)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        passed = score >= standing.rule.pass_mark
        now = timezone.now()
        # The conditional update is the token's consumption: exactly one submission wins.
        consumed = QuizAttempt.objects.filter(pk=attempt.pk, submitted_at__isnull=True).update(
            submitted_at=now, answers=chosen, score=score, passed=passed
        )
        if consumed != 1:
            raise LearningRefused(ATTEMPT_REPLAYED)
        attempt.refresh_from_db()
        _record_attempt_statement(standing.plan, attempt)
        slot = (attempt.kind, attempt.module_number)
        quiz = standing.quiz(attempt.kind, attempt.module_number)
        standing.quizzes[slot] = QuizStanding(quiz.kind, quiz.module_number, quiz.limit, [*quiz.attempts, attempt])
        _completion_check(standing)
    return attempt


def _record_attempt_statement(plan: CoursePlan, attempt: QuizAttempt) -> None:
    if attempt.kind == QuizKind.PRE_TEST:
        verb, success = xapi.VERB_SCORED, None
    else:
        verb, success = (xapi.VERB_PASSED if attempt.passed else xapi.VERB_FAILED), bool(attempt.passed)
    xapi.statement_record(
        person=attempt.enrolment.person,
        verb=verb,
        object_id=xapi.quiz_iri(plan.code, attempt.kind, attempt.module_number),
        activity_type=xapi.ACTIVITY_ASSESSMENT,
        name=f"{plan.code} {attempt.get_kind_display()} {attempt.module_number or ''}".strip(),
        timestamp=attempt.submitted_at,
        parent_id=xapi.course_iri(plan.code),
        score=attempt.score,
        success=success,
    )


def attempt_feedback(attempt: QuizAttempt) -> list[AnswerFeedback]:
    """Per served question: the answer given, whether it was right, and (through the choice) its feedback."""
    bank = {
        question.id: question for question in _questions(attempt.enrolment.course, attempt.kind, attempt.module_number)
    }
    rows = []
    for qid in attempt.question_ids:
        question = bank.get(qid)
        if question is None:
            continue
        chosen_id = attempt.answers.get(qid)
        chosen = next((choice for choice in question.choices if choice.id == chosen_id), None)
        rows.append(AnswerFeedback(question, chosen, chosen is not None and chosen.is_correct))
    return rows


# --- Completion ------------------------------------------------------------------------------


def _completion_check(standing: Standing) -> CourseCompletion | None:
    """Create the course completion when the rules are met (once), and announce it after commit."""
    if not standing.rules_met():
        return None
    enrolment = standing.enrolment
    completion, created = CourseCompletion.objects.get_or_create(
        enrolment=enrolment,
        defaults={"completed_at": timezone.now(), "pre_score": standing.pre_score, "post_score": standing.post_score},
    )
    if not created:
        return completion
    xapi.statement_record(
        person=enrolment.person,
        verb=xapi.VERB_COMPLETED,
        object_id=xapi.course_iri(standing.plan.code),
        activity_type=xapi.ACTIVITY_COURSE,
        name=standing.plan.title,
        timestamp=completion.completed_at,
        score=standing.post_score,
    )
    person, course = enrolment.person, enrolment.course
    transaction.on_commit(
        lambda: course_completed.send(
            sender=CourseCompletion,
            person=person,
            course=course,
            completed_at=completion.completed_at,
            completion_id=completion.pk,
        )
    )
    return completion
