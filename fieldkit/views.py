"""Pages of the field kit: the offline workspace's shell, manifest and service worker, what a trainer
takes offline, the conflicts page, and a trainee's lessons saved for reading offline.

Views parse, ask ``cascade.permissions``, call one service or selector and render.
"""

import hashlib
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cascade import permissions
from cascade.models import Outcome
from courses.numbers import western_digits
from fieldkit import selectors, services
from fieldkit.models import ChangeStatus, SyncChange
from lms.models import Enrolment, Person
from lms.outline import course_plan
from lms.services import standing_of
from lms.text import normalize_arabic

CONFLICT_RESOLVED = _("The conflict is resolved.")
# The offline page's words, handed to its script (kept with the page in the phone's cache).
APP_TEXTS = {
    "online": _("Online"),
    "offline": _("Offline: changes are kept on this phone"),
    "pending": _("changes waiting"),
    "taken": _("taken offline"),
    "never": _("No session taken offline yet"),
    "noneOpen": _("You have no open session to take offline; checked"),
    "person": _("Person"),
    "pre": _("Pre-test"),
    "post": _("Post-test"),
    "outcome": _("Outcome"),
    "add": _("Add"),
    "badScore": _("A score is a number from 0 to 100."),
    "newMissing": _("Give the service number, the Arabic name and the gender."),
    "numberTaken": _("This service number is already on the phone: add that person instead."),
    "synced": _("Sent: {applied} applied, {conflicts} conflicts, {refused} refused."),
    "syncFailed": _("Not sent: no connection. The changes stay on this phone."),
    "took": _("{n} sessions are on this phone."),
    "pendingFirst": _("Send the waiting changes before taking the sessions again."),
    "attendance": _("attendance"),
    "present": _("present"),
    "absent": _("absent"),
    "added": _("added to the roster"),
    "newPerson": _("new person"),
    "noMatch": _("Nobody on this phone matches."),
    "otherLogin": _("{n} changes recorded under another login wait on this phone until that login signs in again."),
    "dismiss": _("Dismiss"),
}
SHELL_ASSETS = ["fieldkit/app.js", "fieldkit/app.css", "fieldkit/lessons.js", "css/site.css"]
LESSON_QUEUED = _("Lesson completed. It is kept on this phone and will be sent when the network is back.")
BACK_TO_COURSE = _("Back to the course")
LESSON_TEXTS = {
    "saving": _("Saving…"),
    "saved": _("{n} lessons saved on this phone."),
    "failed": _("Not saved: no connection."),
}


@login_required
def app(request: HttpRequest) -> HttpResponse:
    """The offline workspace's page; it works from the phone's cache once opened."""
    if permissions.trainer_person_id(request.user) is None:
        raise PermissionDenied
    texts = {key: str(text) for key, text in APP_TEXTS.items()}
    texts["outcomes"] = {value: str(label) for value, label in Outcome.choices}
    return render(request, "fieldkit/app.html", {"texts": texts})


def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: installable, opening on the offline workspace."""
    return JsonResponse(
        {
            "name": str(_("MPS field kit")),
            "short_name": str(_("Field kit")),
            "start_url": reverse("fieldkit:app"),
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#1d4e89",
            "dir": "auto",
            "icons": [{"src": static("fieldkit/icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
        },
        content_type="application/manifest+json",
    )


@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, with the addresses of the files it keeps (hashed in production). Served from
    /field/ but allowed the whole site, so that saved lessons under /learn/ open offline too."""
    shell = [reverse("fieldkit:app"), reverse("fieldkit:lessons"), *(static(asset) for asset in SHELL_ASSETS)]
    config = {
        "shell": shell,
        # A new set of files (a release) makes a new cache; the old one is dropped on activation.
        "version": hashlib.sha256(" ".join(shell).encode()).hexdigest()[:12],
        "sync_url": reverse("api:sync"),
        "queued": str(LESSON_QUEUED),
        "back": str(BACK_TO_COURSE),
    }
    response = render(
        request, "fieldkit/sw.js", {"config": json.dumps(config, ensure_ascii=False)}, content_type="text/javascript"
    )
    response["Service-Worker-Allowed"] = "/"
    return response


@never_cache
@login_required
def bundle(request: HttpRequest) -> JsonResponse:
    """What the trainer takes offline (``fieldkit.selectors.offline_bundle``)."""
    trainer_id = permissions.trainer_person_id(request.user)
    if trainer_id is None:
        raise PermissionDenied
    # The phone's copy is tied to the login that took it: another login on the same phone does not see it.
    return JsonResponse({**selectors.offline_bundle(trainer_id), "user": request.user.pk})


def _describe(change: SyncChange) -> str:
    raw = change.payload
    if change.kind == "attendance":
        return f"{raw.get('day')}: {services._yes(bool(raw.get('present')))}"
    if change.kind == "score":
        return f"{services.WHAT.get(raw.get('field'), raw.get('field'))}: {raw.get('value')}"
    if change.kind == "outcome":
        return str(Outcome(raw["outcome"]).label) if raw.get("outcome") in Outcome.values else ""
    if change.kind == "person_create":
        return f"{raw.get('name_ar')} ({raw.get('service_number')})"
    return ""


@never_cache
@login_required
def conflicts(request: HttpRequest) -> HttpResponse:
    """Unresolved conflicts: a trainer's or a trainee's own (to resolve) and, for a centre manager, their
    centre's; below, the latest resolved ones, with who decided."""
    user = request.user
    staff = permissions.managed_centre_id(user) is not None or permissions.sees_everything(user)
    if permissions.person_of(user) is None and not staff:
        raise PermissionDenied
    visible = services.conflicts_visible_to(user)
    open_rows = list(visible.filter(status=ChangeStatus.CONFLICT).order_by("received_at", "position")[:500])
    resolved = visible.exclude(status__in=[ChangeStatus.CONFLICT, ChangeStatus.APPLIED])
    done_rows = list(resolved.order_by("-resolved_at")[:50])
    people = _people_labels(user, [*open_rows, *done_rows])
    for row in [*open_rows, *done_rows]:
        row.reason = services.reason_message(row.code, row.params)
        row.what = _describe(row)
        row.person_label = people.get(row.person_id_sent or row.person_id_applied, "")
        row.mine_to_resolve = row.user_id == request.user.pk
    for row in open_rows:
        row.names_a_person = row.kind in services.CASCADE_KINDS
        if row.kind == "person_create":
            row.number_recorded, row.existing = _existing_person(user, row.payload)
    return render(
        request,
        "fieldkit/conflicts.html",
        {"open": open_rows, "done": done_rows, "outcomes": Outcome.choices},
    )


def _existing_person(user, payload: dict) -> tuple[bool, Person | None]:
    """Whether a new person's service number is recorded already, and the person holding it when ``user``
    may know who that is: the trainer then uses them instead. Anyone else's name is not told (a service
    number would otherwise name whoever holds it anywhere in the country), unless the name typed for the
    new person is theirs, in any Arabic spelling."""
    number = payload.get("service_number")
    if not isinstance(number, str) or not number.strip():
        return False, None
    person = Person.objects.filter(service_number=western_digits(number.strip())).first()
    if person is None:
        return False, None
    typed = payload.get("name_ar")
    same_name = isinstance(typed, str) and normalize_arabic(typed) == person.name_ar_normalized
    return True, person if same_name or _known_to(user, {person.pk}) else None


def _known_to(user, ids: set[int]) -> set[int]:
    """Of the people ``ids``, those ``user`` may read, or finds in what the field kit hands them."""
    known = set(permissions.people_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    if (trainer_id := permissions.trainer_person_id(user)) is not None and ids - known:
        offered = selectors.people_offered_to(trainer_id).filter(pk__in=ids - known)
        known |= set(offered.values_list("pk", flat=True))
    return known


def _people_labels(user, rows) -> dict[int, str]:
    """The people the changes name: by name and service number when ``user`` may know them, else by id."""
    ids = {r.person_id_sent or r.person_id_applied for r in rows} - {None}
    known = _known_to(user, ids)
    return {p.pk: str(p) if p.pk in known else f"#{p.pk}" for p in Person.objects.filter(pk__in=ids)}


@login_required
@require_POST
def conflict_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(services.conflicts_visible_to(request.user), pk=pk)
    if change.user_id != request.user.pk and not permissions.is_administrator(request.user):
        raise PermissionDenied
    try:
        services.conflict_resolve(
            user=request.user, change=change, choice=request.POST.get("choice", ""), value=request.POST.get("value")
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, CONFLICT_RESOLVED)
    return redirect("fieldkit:conflicts")


@login_required
def lessons(request: HttpRequest) -> HttpResponse:
    """A trainee's courses, each with a button that saves its lessons on the phone for reading offline."""
    person = permissions.person_of(request.user)
    if person is None:
        raise PermissionDenied
    enrolments = Enrolment.objects.filter(person=person).select_related("course")
    texts = {key: str(text) for key, text in LESSON_TEXTS.items()}
    return render(request, "fieldkit/lessons.html", {"enrolments": enrolments, "texts": texts})


@never_cache
@login_required
def lesson_list(request: HttpRequest, code: str) -> JsonResponse:
    """The addresses to save for one course: its lesson pages the trainee may open now (and the
    course page); the images and transcripts on them are saved with each page."""
    person = permissions.person_of(request.user)
    enrolment = get_object_or_404(Enrolment.objects.select_related("course"), person=person, course__code=code)
    plan = course_plan(enrolment.course)
    urls = [reverse("lms:course", args=[code])]
    if plan is not None:
        standing = standing_of(enrolment, plan)
        urls += [
            reverse("lms:lesson", args=[code, lesson.key])
            for lesson in plan.lessons
            if standing.pre_test_done and standing.module_reached(lesson.module_number)
        ]
    return JsonResponse({"course": code, "urls": urls})
