"""The learner area (``/learn/``): sign-in, catalogue, lessons, quizzes and "My learning".

Every view that touches learning records finds them through the signed-in person
(``request.user.person``): a course URL resolves to *their* enrolment and an attempt URL to
*their* attempt, so another trainee's records answer 404. Views parse input, call one service or
selector and render; the rules live in ``lms.services``.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from wagtail.models import Page

from courses import learning
from courses.models import Course
from lms import services
from lms.forms import BulkEnrolmentForm, LearnerLoginForm
from lms.models import Enrolment, LearningStatement, LessonCompletion, Person, QuizAttempt, QuizKind
from lms.outline import course_plan
from lms.selectors import certificate_links, face_to_face, my_learning
from lms.xapi import statements_as_json_lines

NOT_A_TRAINEE = _("This account is not linked to a person record, so it has no learning records.")
LESSON_RECORDED = _("Lesson complete.")
ENROLLED = _("You are enrolled in %(course)s.")
ALREADY_ENROLLED = _("You were already enrolled in %(course)s.")
BULK_ENROLLED = _("%(enrolled)s people enrolled in %(course)s; %(already)s were enrolled already.")


def trainee_required(view):
    """Signed in (else to the learner sign-in page) and linked to a person (else 403)."""

    @wraps(view)
    @login_required(login_url=reverse_lazy("lms:login"))
    def wrapper(request, *args, **kwargs):
        try:
            person = request.user.person
        except Person.DoesNotExist:
            raise PermissionDenied(NOT_A_TRAINEE) from None
        return view(request, person, *args, **kwargs)

    return wrapper


def _refused(request, error: services.LearningRefused, *, status: int = 409, back: str = ""):
    return render(request, "lms/refused.html", {"message": error.message, "back": back}, status=status)


def _enrolment(person: Person, code: str) -> Enrolment:
    return get_object_or_404(Enrolment.objects.select_related("course", "person"), person=person, course__code=code)


class LearnerLoginView(auth_views.LoginView):
    template_name = "lms/login.html"
    form_class = LearnerLoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        # Each role's own home: "My learning" for a trainee, the workspace for a trainer, …
        return reverse("account_home")


class LearnerLogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("lms:login")


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The one-time link an administrator hands to a trainee whose account was created in bulk."""

    template_name = "lms/set_password.html"
    success_url = reverse_lazy("lms:login")
    post_reset_login = False

    def form_valid(self, form):
        messages.success(self.request, _("Your password is set. Sign in with your service number and it."))
        return super().form_valid(form)


@trainee_required
def my_learning_view(request, person):
    certificates = certificate_links(person)
    context = {
        "person": person,
        "rows": my_learning(person, certificates),
        "sessions": face_to_face(person, certificates),
    }
    return render(request, "lms/my_learning.html", context)


@trainee_required
def catalogue(request, person):
    enrolled = set(Enrolment.objects.filter(person=person).values_list("course_id", flat=True))
    pages = learning.published_course_pages()
    return render(request, "lms/catalogue.html", {"pages": pages, "enrolled": enrolled})


@require_POST
@trainee_required
def enrol(request, person, code):
    course = get_object_or_404(Course, code=code)
    try:
        _enrolment, created = services.enrolment_create(person=person, course=course, enrolled_by=request.user)
    except services.LearningRefused as error:
        return _refused(request, error, status=404)
    messages.success(request, (ENROLLED if created else ALREADY_ENROLLED) % {"course": course.title})
    return redirect("lms:course", code=course.code)


@trainee_required
def course_view(request, person, code):
    enrolment = _enrolment(person, code)
    try:
        standing = services.standing_of(enrolment)
    except services.LearningRefused as error:
        return _refused(request, error, status=404)
    return render(request, "lms/course.html", {"enrolment": enrolment, "standing": standing})


@trainee_required
def lesson_view(request, person, code, key):
    enrolment = _enrolment(person, code)
    plan = course_plan(enrolment.course)
    lesson = plan.lesson(key) if plan else None
    if lesson is None:
        raise Http404(services.LESSON_NOT_IN_COURSE)
    standing = services.standing_of(enrolment, plan)
    if not standing.pre_test_done:
        return _refused(request, services.LearningRefused(services.PRE_TEST_FIRST), status=403, back=code)
    if not standing.module_reached(lesson.module_number):
        refusal = services.LearningRefused(services.MODULE_NOT_REACHED % {"number": lesson.module_number})
        return _refused(request, refusal, status=403, back=code)
    page = get_object_or_404(Page, pk=lesson.page_id).specific
    lessons = plan.lessons
    position = lessons.index(lesson)
    context = {
        "enrolment": enrolment,
        "plan": plan,
        "module": plan.module(lesson.module_number),
        "lesson": lesson,
        "page": page,
        "done": lesson.key in standing.completed_keys,
        "previous": lessons[position - 1] if position else None,
        "next": lessons[position + 1] if position + 1 < len(lessons) else None,
    }
    return render(request, "lms/lesson.html", context)


@require_POST
@trainee_required
def lesson_complete(request, person, code, key):
    """Idempotent: the scroll script and the button may both post, any number of times."""
    enrolment = _enrolment(person, code)
    wants_json = "application/json" in request.headers.get("Accept", "")
    method = (
        LessonCompletion.Method.SCROLLED if request.POST.get("method") == "scrolled" else LessonCompletion.Method.BUTTON
    )
    try:
        _completion, created = services.lesson_complete(enrolment=enrolment, lesson_key=key, method=method)
    except services.LearningRefused as error:
        if wants_json:
            return JsonResponse({"completed": False, "error": str(error.message)}, status=409)
        return _refused(request, error, back=code)
    if wants_json:
        return JsonResponse({"completed": True, "created": created})
    messages.success(request, LESSON_RECORDED)
    return redirect("lms:course", code=code)


@never_cache
@trainee_required
def quiz_view(request, person, code, kind, number=0):
    enrolment = _enrolment(person, code)
    try:
        attempt = services.quiz_attempt_open(enrolment=enrolment, kind=kind, module_number=number)
    except services.LearningRefused as error:
        return _refused(request, error, status=403 if kind != QuizKind.PRE_TEST else 409, back=code)
    return _render_quiz(request, attempt)


def _render_quiz(request, attempt: QuizAttempt, *, error=None, status: int = 200):
    context = {
        "attempt": attempt,
        "enrolment": attempt.enrolment,
        "questions": services.served_questions(attempt),
        "rule": services.CompletionRule.for_course(attempt.enrolment.course),
        "error": error,
    }
    return render(request, "lms/quiz.html", context, status=status)


@require_POST
@trainee_required
def attempt_submit(request, person, pk):
    attempt = get_object_or_404(
        QuizAttempt.objects.select_related("enrolment__course"), pk=pk, enrolment__person=person
    )
    answers = {key[2:]: value for key, value in request.POST.items() if key.startswith("q-")}
    try:
        services.quiz_attempt_submit(
            attempt_id=attempt.pk, person=person, token=request.POST.get("token", ""), answers=answers
        )
    except services.LearningRefused as error:
        if error.message == services.ANSWER_EVERY_QUESTION:
            return _render_quiz(request, attempt, error=error.message, status=400)
        if error.message == services.ATTEMPT_REPLAYED:
            messages.info(request, error.message)
            return redirect("lms:attempt", pk=attempt.pk)
        status = 400 if error.message == services.QUESTIONS_TAMPERED else 409
        return _refused(request, error, status=status, back=attempt.enrolment.course.code)
    return redirect("lms:attempt", pk=attempt.pk)


@trainee_required
def attempt_view(request, person, pk):
    attempt = get_object_or_404(
        QuizAttempt.objects.select_related("enrolment__course", "enrolment__person"),
        pk=pk,
        enrolment__person=person,
        submitted_at__isnull=False,
    )
    standing = services.standing_of(attempt.enrolment)
    context = {
        "attempt": attempt,
        "enrolment": attempt.enrolment,
        "feedback": services.attempt_feedback(attempt) if services.answers_shown(attempt, standing) else [],
        "standing": standing,
        "quiz": standing.quiz(attempt.kind, attempt.module_number),
    }
    return render(request, "lms/attempt.html", context)


@login_required(login_url=reverse_lazy("lms:login"))
def bulk_enrol(request):
    """Training-centre managers (people of their centre's governorate) and administrators."""
    if not request.user.has_perm("lms.add_enrolment"):
        raise PermissionDenied
    form = BulkEnrolmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.enrolments_bulk_create(
                actor=request.user, course=form.cleaned_data["course"], service_numbers=form.numbers()
            )
        except ValidationError as error:
            form.add_error("service_numbers", error)
        else:
            messages.success(
                request,
                BULK_ENROLLED
                % {
                    "enrolled": len(result.enrolled),
                    "already": len(result.already),
                    "course": form.cleaned_data["course"].title,
                },
            )
            return HttpResponseRedirect(request.path)
    return render(request, "lms/bulk_enrol.html", {"form": form})


@login_required(login_url=reverse_lazy("lms:login"))
def statements_export(request):
    """Every learning statement as JSON lines, for administrators (a Learning Record Store import)."""
    if not request.user.has_perm("lms.view_learningstatement"):
        raise PermissionDenied
    response = StreamingHttpResponse(
        statements_as_json_lines(LearningStatement.objects.all()), content_type="application/x-ndjson; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="learning-statements.jsonl"'
    return response
