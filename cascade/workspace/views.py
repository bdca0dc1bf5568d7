"""Views of the trainer workspace: parse, check permissions, call one service, render.

Reads go through ``cascade.permissions.sessions_visible_to`` (anything else is a 404, so a
foreign session's existence is not revealed); writes also need ``can_edit_session`` (a visible
session the user may only read, e.g. an auditor's, is a 403).
"""

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from cascade import permissions, selectors, services
from cascade.models import (
    Participation,
    SessionStatus,
    SessionTrainer,
    TrainerRole,
    TrainingSession,
)
from cascade.workspace.forms import (
    AddPersonForm,
    CoTrainerForm,
    NewPersonForm,
    PersonSearchForm,
    ReopenForm,
    RosterRowForm,
    SessionCreateForm,
    SessionEditForm,
    roster_day_choices,
    session_days_present,
    show_breaches,
)
from lms.models import Person

SESSION_CREATED = _("Session {session} is open. Add its participants.")
SESSION_SAVED = _("Session {session} is saved.")
ROSTER_SAVED = _("Attendance, scores and outcomes are saved.")
PARTICIPANT_ADDED = _("{person} is on the roster.")
PARTICIPANT_REMOVED = _("{person} is off the roster.")
PARTICIPANT_RESTORED = _("{person} is back on the roster, with their attendance and scores.")
UNDO_KEY = "workspace-roster-undo-{session}"
CO_TRAINER_ADDED = _("{person} is a co-trainer of this session.")
CO_TRAINER_REMOVED = _("{person} is no longer a co-trainer of this session.")
SESSION_CLOSED_DONE = _("Session {session} is closed.")
SESSION_REOPENED_DONE = _("Session {session} is open again; the reason is in its log.")


def _visible_session(request: HttpRequest, pk: int) -> TrainingSession:
    return get_object_or_404(
        permissions.sessions_visible_to(request.user).select_related("course", "training_centre", "governorate"),
        pk=pk,
    )


def _editable_session(request: HttpRequest, pk: int) -> TrainingSession:
    session = _visible_session(request, pk)
    if not permissions.can_edit_session(request.user, session):
        raise PermissionDenied
    return session


def _session_url(session: TrainingSession) -> str:
    return reverse("cascade:workspace_session", args=[session.pk])


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The workspace's front page: one's qualifications, and the sessions one may see."""
    person = permissions.person_of(request.user)
    trainer_id = permissions.trainer_person_id(request.user)
    status = request.GET.get("status")
    status = status if status in SessionStatus.values else None
    sessions = selectors.workspace_sessions(permissions.sessions_visible_to(request.user), status=status)
    page = Paginator(sessions, 25).get_page(request.GET.get("page"))
    today = timezone.localdate()
    qualifications = selectors.qualifications_of(trainer_id)
    return render(
        request,
        "cascade/workspace/home.html",
        {
            "person": person,
            "is_trainer": trainer_id is not None,
            "qualifications": qualifications,
            "today": today,
            "page": page,
            "status": status,
            "statuses": SessionStatus.choices,
            "has_trainings": person is not None and person.participations.exists(),
        },
    )


@login_required
def session_create(request: HttpRequest) -> HttpResponse:
    trainer_id = permissions.trainer_person_id(request.user)
    if trainer_id is None:
        raise PermissionDenied
    trainer = Person.objects.get(pk=trainer_id)
    form = SessionCreateForm(request.POST or None, trainer=trainer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_create(
                ref=services.session_ref_next(training_centre=data["training_centre"], start_date=data["start_date"]),
                course=data["course"],
                kind=data["kind"],
                training_centre=data["training_centre"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                lead_trainer=trainer,
                headcount_male=data["headcount_male"],
                headcount_female=data["headcount_female"],
                notes=data["notes"],
                created_by=request.user,
            )
        except ValidationError as error:
            show_breaches(error, form=form)
        else:
            messages.success(request, SESSION_CREATED.format(session=session.ref))
            return redirect(_session_url(session))
    return render(request, "cascade/workspace/session_form.html", {"form": form, "session": None})


@login_required
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _editable_session(request, pk)
    initial = {
        "start_date": session.start_date,
        "end_date": session.end_date,
        "headcount_male": session.headcount_male,
        "headcount_female": session.headcount_female,
        "notes": session.notes,
    }
    form = SessionEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(session=session, **form.cleaned_data)
        except ValidationError as error:
            show_breaches(error, form=form)
        else:
            messages.success(request, SESSION_SAVED.format(session=session.ref))
            return redirect(_session_url(session))
    return render(request, "cascade/workspace/session_form.html", {"form": form, "session": session})


def _lineage_url(person_id: int) -> str | None:
    """The person's lineage page, once the lineage pages are installed."""
    try:
        return reverse("cascade:person_lineage", args=[person_id])
    except NoReverseMatch:
        return None


def _roster_forms(session: TrainingSession, data=None) -> list[RosterRowForm]:
    participations = selectors.session_roster(session)
    days_present = session_days_present(session)
    session_days = session.days
    day_choices = roster_day_choices(session_days)  # formatted once, not once per row
    rows = []
    for participation in participations:
        row = RosterRowForm(
            data,
            participation=participation,
            session_days=session_days,
            days_present=days_present.get(participation.person_id, []),
            day_choices=day_choices,
        )
        row.lineage_url = _lineage_url(participation.person_id)
        rows.append(row)
    return rows


def _roster_entry(row: RosterRowForm) -> services.RosterEntry:
    """The fields of a roster row that the person changed on the page; the others are left as
    stored (None), whatever another save wrote since the page was opened."""
    changed = row.changed_fields()
    data = row.cleaned_data
    return services.RosterEntry(
        person=row.participation.person,
        days_present=row.days_present() if "days" in changed else None,
        pre_score=data["pre_score"] if "pre_score" in changed else None,
        post_score=data["post_score"] if "post_score" in changed else None,
        outcome=data["outcome"] if "outcome" in changed else None,
    )


def _roster_days(session: TrainingSession) -> list[dict]:
    """The grid's columns: each day of the session, and whether it is still to come."""
    today = timezone.localdate()
    return [{"iso": day.isoformat(), "label": date_format(day, "D j/n"), "future": day > today} for day in session.days]


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The session's page: details, coverage, trainers and the roster (a form when it may change)."""
    session = _visible_session(request, pk)
    can_edit = permissions.can_edit_session(request.user, session) and not session.is_closed
    rows = _roster_forms(session, request.POST if request.method == "POST" else None)
    page_errors: list[str] = []
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if all(row.is_valid() for row in rows):
            entries = [_roster_entry(row) for row in rows if row.changed_fields()]
            try:
                services.roster_record(session=session, entries=entries)
            except ValidationError as error:
                page_errors = show_breaches(error, rows={row.participation.person_id: row for row in rows})
            else:
                request.session.pop(UNDO_KEY.format(session=session.pk), None)
                messages.success(request, ROSTER_SAVED)
                return redirect(_session_url(session))
    return render(
        request,
        "cascade/workspace/session_detail.html",
        {
            "session": session,
            "trainers": selectors.session_trainers(session),
            "rows": rows,
            "days": _roster_days(session),
            "today": timezone.localdate(),
            "undo": request.session.get(UNDO_KEY.format(session=session.pk)) if can_edit else None,
            "page_errors": page_errors,
            "can_edit": can_edit,
            "can_reopen": session.is_closed and permissions.can_reopen_session(request.user, session),
            "coverage": selectors.session_coverage(session),
            "co_trainer_form": CoTrainerForm(),
            "reopenings": session.reopenings.select_related("reopened_by"),
            "is_own_session": selectors.is_named_trainer(session, request.user),
        },
    )


@login_required
def participant_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Find a person by service number or name (any Arabic spelling) and add them, or create one."""
    session = _editable_session(request, pk)
    search = PersonSearchForm(request.GET or None)
    results: list[Person] = []
    if search.is_valid():
        results = selectors.roster_candidates(session, search.cleaned_data["q"])
    new_person = NewPersonForm(
        request.POST if request.POST.get("action") == "create" else None,
        initial=_new_person_initial(search, session),
        prefix="new",
    )
    add_error = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "create":
                if new_person.is_valid():
                    participation = services.participant_create(session=session, person=new_person.instance)
                    return _added(request, session, participation.person)
            else:
                add = AddPersonForm(request.POST)
                if add.is_valid():
                    person = add.cleaned_data["person"]
                    services.participation_record(session=session, person=person)
                    return _added(request, session, person)
                add_error = add.errors
        except ValidationError as error:
            if request.POST.get("action") == "create":
                show_breaches(error, form=new_person)
            else:
                add_error = error.messages
    return render(
        request,
        "cascade/workspace/participant_add.html",
        {
            "session": session,
            "search": search,
            "results": results,
            "searched": search.is_valid(),
            "new_person": new_person,
            "existing": new_person.existing if new_person.is_bound else None,
            "add_error": add_error,
        },
    )


def _new_person_initial(search: PersonSearchForm, session: TrainingSession) -> dict:
    initial = {"governorate": session.governorate_id}
    if search.is_valid():
        text = search.cleaned_data["q"]
        initial["service_number" if any(ch.isdigit() for ch in text) else "name_ar"] = text
    return initial


def _apply(request: HttpRequest, action, *, success: str) -> None:
    """Run one service call; the rules it breaks become error messages, otherwise ``success`` shows."""
    try:
        action()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)


def _added(request: HttpRequest, session: TrainingSession, person: Person) -> HttpResponse:
    """Back to the same search, so the next person of the results can be added straight away."""
    messages.success(request, PARTICIPANT_ADDED.format(person=person))
    url = reverse("cascade:workspace_participant_add", args=[session.pk])
    query = request.GET.get("q", "").strip()
    return redirect(f"{url}?{urlencode({'q': query})}" if query else url)


@login_required
def participant_remove(request: HttpRequest, pk: int, person_pk: int) -> HttpResponse:
    """Confirm first (what the removal takes away), then remove; the session page offers an undo."""
    session = _editable_session(request, pk)
    participation = get_object_or_404(Participation.objects.select_related("person"), session=session, person=person_pk)
    days = sorted(session_days_present(session).get(participation.person_id, []))
    if request.method == "POST":
        try:
            services.participation_remove(session=session, person=participation.person)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            request.session[UNDO_KEY.format(session=session.pk)] = {
                "person": participation.person_id,
                # Apart, so that the roster's note keeps the service number isolated and on one line.
                "name_ar": participation.person.name_ar,
                "service_number": participation.person.service_number,
                "days_present": [day.isoformat() for day in days] if days else None,
                "days_attended": participation.days_attended,
                "pre_score": None if participation.pre_score is None else str(participation.pre_score),
                "post_score": None if participation.post_score is None else str(participation.post_score),
                "outcome": participation.outcome,
            }
        return redirect(_session_url(session))
    return render(
        request,
        "cascade/workspace/participant_remove.html",
        {"session": session, "participation": participation, "days": days},
    )


@login_required
@require_POST
def participant_restore(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo the last removal: the person is back with the attendance, scores and outcome they had."""
    session = _editable_session(request, pk)
    removed = request.session.pop(UNDO_KEY.format(session=session.pk), None)
    if removed:
        person = get_object_or_404(Person, pk=removed["person"])
        days = removed["days_present"]
        _apply(
            request,
            lambda: services.participation_record(
                session=session,
                person=person,
                days_present=[date.fromisoformat(day) for day in days] if days else None,
                days_attended=None if days else removed["days_attended"],
                pre_score=None if removed["pre_score"] is None else Decimal(removed["pre_score"]),
                post_score=None if removed["post_score"] is None else Decimal(removed["post_score"]),
                outcome=removed["outcome"],
            ),
            success=PARTICIPANT_RESTORED.format(person=person),
        )
    return redirect(_session_url(session))


@login_required
@require_POST
def co_trainer_add(request: HttpRequest, pk: int) -> HttpResponse:
    session = _editable_session(request, pk)
    form = CoTrainerForm(request.POST)
    if form.is_valid():
        person = form.cleaned_data["service_number"]
        try:
            services.session_trainer_add(session=session, person=person, role=TrainerRole.CO_TRAINER)
        except ValidationError as error:
            show_breaches(error, form=form)
        else:
            messages.success(request, CO_TRAINER_ADDED.format(person=person))
            return redirect(_session_url(session))
    for message in [m for errors in form.errors.values() for m in errors]:
        messages.error(request, message)
    return redirect(_session_url(session) + "#trainers")


@login_required
@require_POST
def co_trainer_remove(request: HttpRequest, pk: int, person_pk: int) -> HttpResponse:
    session = _editable_session(request, pk)
    row = get_object_or_404(SessionTrainer.objects.select_related("person"), session=session, person=person_pk)
    _apply(
        request,
        lambda: services.session_trainer_remove(session=session, person=row.person),
        success=CO_TRAINER_REMOVED.format(person=row.person),
    )
    return redirect(_session_url(session) + "#trainers")


@login_required
def session_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then close: the record locks, completions count, ToT graduates become trainers."""
    session = _editable_session(request, pk)
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.session_close(session=session)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, SESSION_CLOSED_DONE.format(session=session.ref))
            return redirect(_session_url(session))
    outcomes = selectors.session_outcomes(session)
    return render(
        request,
        "cascade/workspace/session_close.html",
        {"session": session, "errors": errors, "outcomes": outcomes, "coverage": selectors.session_coverage(session)},
    )


@login_required
def session_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    session = _visible_session(request, pk)
    if not permissions.can_reopen_session(request.user, session):
        raise PermissionDenied
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_reopen(session=session, reopened_by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            show_breaches(error, form=form)
        else:
            messages.success(request, SESSION_REOPENED_DONE.format(session=session.ref))
            return redirect(_session_url(session))
    return render(request, "cascade/workspace/session_reopen.html", {"session": session, "form": form})


@login_required
def my_trainings(request: HttpRequest) -> HttpResponse:
    """A person's own participations: course, session, dates, attendance, scores and outcome."""
    person = permissions.person_of(request.user)
    participations = selectors.trainings_of(person)
    context = {"person": person, "participations": participations, "today": timezone.localdate()}
    # A trainee reads their own trainings here and is not offered the sessions they do not run.
    context["uses_workspace"] = permissions.uses_workspace(request.user)
    return render(request, "cascade/workspace/my_trainings.html", context)
