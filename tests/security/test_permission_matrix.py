"""The permission matrix: for every URL of the URLconf, what each role gets.

``MATRIX`` has one row per group of URLs (a regular expression over the route as the resolver
spells it). Every route must match a row: a new URL with no row fails
``test_every_url_has_a_row``. A row either lists probes (a concrete path, for the role's own or a
foreign object where it matters) with the expected answer for each of the eight roles, or says
why it is not probed (needs an object of another kind, POST-only, or the answer does not depend
on the role).

Answers: ``ok`` (200), ``login`` (sent to a sign-in page), ``deny`` (403 or 404, or the admin's
redirect to its dashboard), ``405`` (method not allowed). Staff are signed in with the second
factor passed; API probes use a token of the same account.
"""

import re
from dataclasses import dataclass, field
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import URLResolver, get_resolver
from wagtail.models import APIToken

from cascade.models import TrainerQualification
from certificates.models import CertificateDesign
from courses.models import CoursePage
from lms import roles
from tests.cascade.personas import build_world, login, trainer_login
from tests.conftest import log_in_verified
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", *roles.ROLES]
ANON, TRAINEE, TRAINER, REVIEWER, MANAGER, OFFICER, AUDITOR, ADMIN = ROLES


def answers(default: str, **by_role: str) -> dict[str, str]:
    return {role: by_role.get(role, default) for role in ROLES}


STAFF_ONLY = answers("ok", anonymous="login", trainee="deny", trainer="deny")
LOGGED_IN = answers("ok", anonymous="login")
EVERYONE = answers("ok")
DIRECTORATE = answers("deny", anonymous="login", directorate_auditor="ok", administrator="ok")
ADMINISTRATORS = answers("deny", anonymous="login", administrator="ok")
LEARNERS = answers("deny", anonymous="login", trainee="ok", trainer="ok")
# The "foreign" session and person belong to another trainer, in the manager's centre and officer's governorate.
IN_MANAGER_AND_OFFICER_SCOPE = answers(
    "deny",
    anonymous="login",
    centre_manager="ok",
    governorate_officer="ok",
    directorate_auditor="ok",
    administrator="ok",
)
COURSE_PAGES = answers("deny", anonymous="login", content_reviewer="ok")
API_NEEDS_TOKEN = {role: ("login" if role == ANON else "ok") for role in ROLES}


@dataclass
class Row:
    route: str  # regular expression over the resolver's route text
    probes: dict[str, dict[str, str]] = field(default_factory=dict)  # path template -> role -> answer
    not_probed: str = ""  # why the row is declared but not requested


MATRIX: list[Row] = [
    # --- public --------------------------------------------------------------------------------
    Row(r"^i18n/setlang/$", not_probed="POST-only language switch, same for every role"),
    Row(r"^verify/", {"/verify/": EVERYONE}),
    # Open Badges: the issuer profile, its key and the revocation list are public by design.
    Row(
        r"^certificates/(issuer/|issuer/key\.json|status/revocation/)$",
        {"/certificates/issuer/": EVERYONE, "/certificates/issuer/key.json": EVERYONE},
    ),
    Row(r"^certificates/credentials/", not_probed="one certificate's signed credential: needs its code"),
    Row(r"^account/home/$", not_probed="each role's landing redirect after sign-in (ops.landing)"),
    Row(r"^favicon\.ico$", not_probed="a redirect to the site's icon in the static files, the same for everyone"),
    Row(r"^search/$", {"/search/": EVERYONE}),
    Row(r"^health/", {"/health/live": EVERYONE}),  # /health/ready: tests/ops/test_health.py
    Row(r"^\^\(\(\?:", {"/ar/": EVERYONE}),  # Wagtail pages ("/" redirects to the language's home)
    Row(r"^documents/", not_probed="Wagtail document serving: by the document's collection privacy, not by role"),
    Row(r"^_util/", not_probed="Wagtail page-privacy password and login forms"),
    Row(r"^\^media/", not_probed="media files, served by the web server in production"),
    # --- sign-in and second factor -------------------------------------------------------------
    Row(r"^account/second-factor/", not_probed="second-factor pages: tested in tests/security/test_logins.py"),
    Row(r"^admin/(login|logout|password_reset)/", not_probed="sign-in pages, the same for every role"),
    Row(r"^learn/(sign-in|sign-out|set-password)/", not_probed="learner sign-in pages, the same for every role"),
    # --- learner area (lms) --------------------------------------------------------------------
    # The learner area is for people with a learner record (trainees and trainers), not staff logins.
    Row(r"^learn/$", {"/learn/": LEARNERS}),
    Row(r"^learn/courses/$", {"/learn/courses/": LEARNERS}),
    Row(r"^learn/(courses/<|attempts/)", not_probed="course and attempt pages: need published course pages"),
    Row(
        r"^learn/manage/enrol/$",
        {"/learn/manage/enrol/": answers("deny", anonymous="login", centre_manager="ok", administrator="ok")},
    ),
    Row(
        r"^learn/records/statements",
        {"/learn/records/statements.jsonl": ADMINISTRATORS},
    ),
    # --- certificates --------------------------------------------------------------------------
    Row(r"^certificates/<str:serial>\.pdf$", not_probed="PDF download: tested with the certificates app's scoping"),
    # --- cascade workspace ---------------------------------------------------------------------
    # Every signed-in person has a workspace; it lists only the sessions they may see.
    Row(r"^cascade/workspace/$", {"/cascade/workspace/": LOGGED_IN}),
    Row(
        r"^cascade/workspace/sessions/<int:pk>/$",
        {
            "/cascade/workspace/sessions/{own_session}/": answers(
                "deny", anonymous="login", trainer="ok", directorate_auditor="ok", administrator="ok"
            ),
            "/cascade/workspace/sessions/{foreign_session}/": IN_MANAGER_AND_OFFICER_SCOPE,
        },
    ),
    Row(r"^cascade/workspace/sessions/", not_probed="session writes (POST): cascade permission tests"),
    Row(r"^cascade/my-trainings/$", {"/cascade/my-trainings/": LOGGED_IN}),
    Row(r"^cascade/(lineage|reach)/", not_probed="lineage of one person: cascade permission tests"),
    Row(r"^cascade/audit/$", {"/cascade/audit/": DIRECTORATE}),
    # --- offline field kit -----------------------------------------------------------------------
    # The offline workspace and what it takes offline are a trainer's; the manifest and the service
    # worker are files every visitor's browser may fetch; lessons offline are for people with a record.
    Row(r"^field/(manifest\.webmanifest|sw\.js)$", {"/field/manifest.webmanifest": EVERYONE, "/field/sw.js": EVERYONE}),
    Row(
        r"^field/(|bundle/)$",
        {
            "/field/": answers("deny", anonymous="login", trainer="ok"),
            "/field/bundle/": answers("deny", anonymous="login", trainer="ok"),
        },
    ),
    Row(
        r"^field/conflicts/$",
        {
            "/field/conflicts/": answers(
                "deny",
                anonymous="login",
                trainer="ok",
                trainee="ok",  # their own lesson conflicts
                centre_manager="ok",
                directorate_auditor="ok",
                administrator="ok",
            )
        },
    ),
    Row(
        r"^field/conflicts/<int:pk>/resolve/$", not_probed="POST-only resolution of one's own conflict: tests/fieldkit"
    ),
    Row(r"^field/lessons/$", {"/field/lessons/": LEARNERS}),
    Row(r"^field/lessons/<str:code>\.json$", not_probed="one enrolment's lesson list (404 without it): tests/fieldkit"),
    Row(r"^api/v1/sync/$", not_probed="POST-only sync; a trainer syncs only their own sessions: tests/fieldkit"),
    # --- directorate audit ---------------------------------------------------------------------
    Row(
        r"^audit/$",
        {
            "/audit/": answers(
                "deny",
                anonymous="login",
                centre_manager="ok",
                governorate_officer="ok",
                directorate_auditor="ok",
                administrator="ok",
            )
        },
    ),
    Row(r"^audit/", not_probed="drill-downs and exports: same scope as the dashboard, tested by the audit app"),
    # --- API -----------------------------------------------------------------------------------
    Row(r"^api/v1/schema/$", {"/api/v1/schema/": API_NEEDS_TOKEN}),
    Row(
        r"^api/v1/coverage/$",
        {
            "/api/v1/coverage/": answers(
                "deny",
                anonymous="login",
                centre_manager="ok",
                governorate_officer="ok",
                directorate_auditor="ok",
                administrator="ok",
            )
        },
    ),
    Row(r"^api/v1/\^(courses|certificates|participations)/", {"/api/v1/courses/": API_NEEDS_TOKEN}),
    Row(
        r"^api/v1/\^sessions/",
        {
            "/api/v1/sessions/": API_NEEDS_TOKEN,
            "/api/v1/sessions/{own_session}/": answers(
                "deny", anonymous="login", trainer="ok", directorate_auditor="ok", administrator="ok"
            ),
            "/api/v1/sessions/{foreign_session}/": IN_MANAGER_AND_OFFICER_SCOPE,
        },
    ),
    Row(
        r"^api/v1/\^people/",
        {
            # own_person is trainer A's participant, and the trainee login's own person.
            "/api/v1/people/{own_person}/": answers(
                "deny", anonymous="login", trainee="ok", trainer="ok", directorate_auditor="ok", administrator="ok"
            ),
            "/api/v1/people/{foreign_person}/": IN_MANAGER_AND_OFFICER_SCOPE,
        },
    ),
    # --- admin: screens of this project ---------------------------------------------------------
    Row(r"^admin/$", {"/admin/": STAFF_ONLY}),
    Row(
        r"^admin/people/",
        {"/admin/people/": answers("ok", anonymous="login", trainee="deny", trainer="deny", content_reviewer="deny")},
    ),
    Row(
        r"^admin/(sessions|qualifications|targets|governorates|units|stations|centres)/",
        {"/admin/sessions/": answers("ok", anonymous="login", trainee="deny", trainer="deny", content_reviewer="deny")},
    ),
    Row(r"^admin/(staff-scopes|completion-rules|course_authors)/", {"/admin/staff-scopes/": ADMINISTRATORS}),
    Row(r"^admin/record-history/", {"/admin/record-history/": DIRECTORATE}),
    Row(r"^admin/privacy/", {"/admin/privacy/people/{foreign_person}/export/": ADMINISTRATORS}),
    Row(r"^admin/api-tokens/", {"/admin/api-tokens/": ADMINISTRATORS}),
    Row(r"^admin/(certificates|certificate-verifications)/", not_probed="certificate screens: certificates app tests"),
    Row(r"^admin/imports/", not_probed="import screens: imports app tests"),
    Row(r"^admin/courses/", not_probed="course records: lms admin tests (administrators write, staff read)"),
    # Objects outside a scope: own_person / own_session are trainer A's, in Baghdad, outside the
    # Basra centre manager's centre and the Basra officer's governorate.
    Row(
        r"^admin/(people|sessions)/(edit|inspect|history|usage|delete)/",
        {
            "/admin/people/inspect/{own_person}/": answers(
                "deny", anonymous="login", directorate_auditor="ok", administrator="ok"
            ),
            "/admin/people/inspect/{foreign_person}/": IN_MANAGER_AND_OFFICER_SCOPE,
            "/admin/people/edit/{own_person}/": ADMINISTRATORS,
            "/admin/people/edit/{foreign_person}/": answers(
                "deny", anonymous="login", centre_manager="ok", administrator="ok"
            ),
            # History and usage need a change right (Wagtail's rule): the manager's own people only.
            "/admin/people/history/{own_person}/": ADMINISTRATORS,
            "/admin/people/history/{foreign_person}/": answers(
                "deny", anonymous="login", centre_manager="ok", administrator="ok"
            ),
            "/admin/people/usage/{own_person}/": ADMINISTRATORS,
            "/admin/people/delete/{foreign_person}/": ADMINISTRATORS,
            "/admin/sessions/inspect/{own_session}/": answers(
                "deny", anonymous="login", directorate_auditor="ok", administrator="ok"
            ),
            "/admin/sessions/inspect/{foreign_session}/": IN_MANAGER_AND_OFFICER_SCOPE,
            "/admin/sessions/edit/{own_session}/": ADMINISTRATORS,
            "/admin/sessions/edit/{foreign_session}/": answers(
                "deny", anonymous="login", centre_manager="ok", administrator="ok"
            ),
            "/admin/sessions/history/{own_session}/": ADMINISTRATORS,
            "/admin/sessions/delete/{foreign_session}/": ADMINISTRATORS,
            "/admin/snippets/choose/cascade/trainingsession/chosen/{own_session}/": answers(
                "deny", anonymous="login", directorate_auditor="ok", administrator="ok"
            ),
            "/admin/snippets/choose/cascade/trainingsession/chosen/{foreign_session}/": IN_MANAGER_AND_OFFICER_SCOPE,
        },
    ),
    # --- admin: Wagtail's own screens -----------------------------------------------------------
    Row(r"^admin/users/", {"/admin/users/": ADMINISTRATORS}),
    Row(r"^admin/groups/", {"/admin/groups/": answers("deny", anonymous="login")}),
    # Course pages: the content reviewers hold the page rights (load_courses, courses.authoring);
    # administrators manage people and records, not page content.
    Row(
        r"^admin/(pages|api/main/\^pages)/",
        {
            "/admin/pages/{course_page}/": COURSE_PAGES,
            "/admin/pages/{course_page}/edit/": COURSE_PAGES,
            "/admin/pages/{course_page}/history/": COURSE_PAGES,
            "/admin/pages/search/": COURSE_PAGES,
            "/admin/api/main/pages/{course_page}/": COURSE_PAGES,
        },
    ),
    Row(r"^admin/api/main/\^(images|documents)/", {"/admin/api/main/images/": STAFF_ONLY}),
    Row(
        r"^admin/(choose-|tag-autocomplete|account/|embeds/|images/chooser|documents/chooser)",
        {
            "/admin/choose-page/": STAFF_ONLY,
            "/admin/choose-external-link/": STAFF_ONLY,
            "/admin/tag-autocomplete/": STAFF_ONLY,
            "/admin/account/": STAFF_ONLY,
            "/admin/embeds/chooser/": STAFF_ONLY,
            "/admin/images/chooser/": STAFF_ONLY,
            "/admin/documents/chooser/": STAFF_ONLY,
        },
    ),
    Row(r"^admin/logout/$", not_probed="POST-only sign-out (a GET is refused with 405 and ends the session)"),
    Row(
        r"^admin/snippets/choose/",
        {
            # The roster search finds anyone by name or number (cascade.permissions.can_add_people);
            # officers and auditors choose among the people they read (own_person is outside the
            # Basra officer's governorate); reviewers hold no person permission.
            "/admin/snippets/choose/lms/person/": answers(
                "ok", anonymous="login", trainee="deny", trainer="deny", content_reviewer="deny"
            ),
            "/admin/snippets/choose/lms/person/chosen/{own_person}/": answers(
                "ok",
                anonymous="login",
                trainee="deny",
                trainer="deny",
                content_reviewer="deny",
                governorate_officer="deny",
            ),
            "/admin/snippets/choose/lms/person/chosen/{foreign_person}/": answers(
                "ok", anonymous="login", trainee="deny", trainer="deny", content_reviewer="deny"
            ),
        },
    ),
    Row(r"^admin/snippets/$", {"/admin/snippets/": answers("deny", anonymous="login")}),
    Row(
        r"^admin/(images|documents)/",
        # Only course authors' groups hold image and document rights (courses.authoring).
        {"/admin/images/": answers("deny", anonymous="login"), "/admin/documents/": answers("deny", anonymous="login")},
    ),
    Row(
        r"^admin/(collections|workflows/(list|add|enable|disable|edit|usage|remove|tasks)|sites|locales|redirects)/",
        {
            path: answers("deny", anonymous="login")
            for path in (
                "/admin/collections/",
                "/admin/workflows/list/",
                "/admin/sites/",
                "/admin/locales/",
                "/admin/redirects/",
            )
        },
    ),
    Row(r"^admin/workflows/task_chooser/", {"/admin/workflows/task_chooser/": STAFF_ONLY}),
    Row(
        r"^admin/(reports|forms)/",
        {
            "/admin/reports/site-history/": STAFF_ONLY,
            "/admin/reports/workflow/": COURSE_PAGES,
            "/admin/reports/locked/": answers("deny", anonymous="login", content_reviewer="ok"),
            "/admin/forms/": COURSE_PAGES,
        },
    ),
    Row(
        r"^admin/settings/",
        {"/admin/settings/certificates/certificatedesign/{design}/": ADMINISTRATORS},
    ),
    Row(r"^admin/translation/", not_probed="POST-only translation submission, behind the page rights above"),
    Row(
        r"^admin/(bulk|editing-sessions|dismissibles|block-preview)/",
        not_probed="POST-only or per-object helpers of the editor, behind the page and model rights above",
    ),
    Row(r"^admin/(sprite|jsi18n)/$", not_probed="the admin's icon sprite and JavaScript catalogue: static"),
    Row(r"^admin/(failwhale|test404)/$", not_probed="Wagtail's deliberate error and not-found pages"),
    Row(r"^admin/\^\.\*/\$", not_probed="the admin's catch-all 404"),
]


# --- admin URLs per model ------------------------------------------------------------------------
# Wagtail's bulk-action, chooser and report URLs are one route each for every model
# ("bulk/<app_label>/<model_name>/<action>/"): these rows are over the concrete path of each model's
# URL, and ``test_every_model_url_has_a_row`` enumerates them from Wagtail's registries.
# Bulk-action pages are probed with the ids of records; an answer other than a refusal must name
# only records the user may act on (tests/security/test_bulk_actions.py).
PER_MODEL: list[Row] = [
    Row(
        r"^/admin/bulk/lms/person/delete/$",
        {"/admin/bulk/lms/person/delete/?id={own_person}&id={foreign_person}": ADMINISTRATORS},
    ),
    Row(
        r"^/admin/bulk/cascade/trainingsession/delete/$",
        {
            "/admin/bulk/cascade/trainingsession/delete/?id={own_session}": ADMINISTRATORS,
            "/admin/bulk/cascade/trainingsession/delete/?id={foreign_session}": ADMINISTRATORS,
        },
    ),
    Row(
        r"^/admin/bulk/cascade/trainerqualification/delete/$",
        {"/admin/bulk/cascade/trainerqualification/delete/?id={foreign_qualification}": ADMINISTRATORS},
    ),
    Row(
        r"^/admin/bulk/auth/user/(delete|assign_role|set_active_state)/$",
        {
            # Administrators change accounts; deleting one is for superusers (Wagtail's delete_user).
            "/admin/bulk/auth/user/delete/?id={other_user}": answers("deny", anonymous="login"),
            "/admin/bulk/auth/user/assign_role/?id={other_user}": ADMINISTRATORS,
            "/admin/bulk/auth/user/set_active_state/?id={other_user}": ADMINISTRATORS,
        },
    ),
    Row(
        r"^/admin/bulk/wagtailcore/page/(delete|move|publish|unpublish)/$",
        {
            # Reviewers publish, move and unpublish course pages; nobody deletes one from the admin.
            "/admin/bulk/wagtailcore/page/delete/?id={course_page}": answers("deny", anonymous="login"),
            **{
                f"/admin/bulk/wagtailcore/page/{action}/?id={{course_page}}": COURSE_PAGES
                for action in ("move", "publish", "unpublish")
            },
        },
    ),
    Row(
        r"^/admin/bulk/(wagtailimages/image|wagtaildocs/document)/(delete|add_tags|add_to_collection)/$",
        not_probed="no image or document exists in the probe world; each is asked per item by Wagtail's own "
        "check (collection rights), and tests/security/test_bulk_actions.py checks that pages name nothing else",
    ),
    Row(
        r"^/admin/snippets/choose/lms/person/",
        not_probed="the people chooser: probed with the admin rows above (choose, chosen)",
    ),
    Row(
        r"^/admin/snippets/choose/cascade/trainingsession/",
        {
            "/admin/snippets/choose/cascade/trainingsession/": answers(
                "ok", anonymous="login", trainee="deny", trainer="deny", content_reviewer="deny"
            ),
            "/admin/snippets/choose/cascade/trainingsession/results/?q={foreign_ref}": answers(
                "ok", anonymous="login", trainee="deny", trainer="deny", content_reviewer="deny"
            ),
        },
    ),
    Row(
        r"^/admin/snippets/choose/cascade/trainerqualification/",
        {
            "/admin/snippets/choose/cascade/trainerqualification/": answers(
                "ok", anonymous="login", trainee="deny", trainer="deny", content_reviewer="deny"
            ),
            "/admin/snippets/choose/cascade/trainerqualification/chosen/{foreign_qualification}/": (
                IN_MANAGER_AND_OFFICER_SCOPE
            ),
        },
    ),
    Row(
        r"^/admin/reports/(locked|workflow|workflow_tasks|aging-pages|page-types-usage)/",
        {
            "/admin/reports/locked/": answers("deny", anonymous="login", content_reviewer="ok"),
            "/admin/reports/workflow/": COURSE_PAGES,
            "/admin/reports/workflow_tasks/": COURSE_PAGES,
            "/admin/reports/aging-pages/": COURSE_PAGES,
            "/admin/reports/page-types-usage/": COURSE_PAGES,
        },
    ),
    Row(r"^/admin/reports/site-history/", {"/admin/reports/site-history/": STAFF_ONLY}),
    Row(r"^/admin/reports/", not_probed="result fragments of the reports above, behind the same view"),
]


def model_urls() -> list[str]:
    """Every model's bulk-action URL, every snippet chooser URL and every report URL, as paths."""
    from django.urls import reverse
    from wagtail.admin.views.bulk_action.registry import bulk_action_registry
    from wagtail.snippets.models import get_snippet_models

    bulk_action_registry._scan_for_bulk_actions()
    paths = [
        f"/admin/bulk/{app}/{model}/{action}/"
        for app, models in bulk_action_registry.actions.items()
        for model, actions in models.items()
        for action in actions
    ]
    for model in get_snippet_models():
        opts = model._meta
        paths += [
            f"/admin/snippets/choose/{opts.app_label}/{opts.model_name}/",
            f"/admin/snippets/choose/{opts.app_label}/{opts.model_name}/results/",
            f"/admin/snippets/choose/{opts.app_label}/{opts.model_name}/chosen/1/",
        ]
    resolver = get_resolver()
    paths += (
        [
            reverse(f"wagtailadmin_reports:{name}")
            for name, _patterns in resolver.namespace_dict["wagtailadmin_reports"][1].reverse_dict.items()
            if isinstance(name, str) and not name.endswith("_results")
        ]
        if "wagtailadmin_reports" in resolver.namespace_dict
        else []
    )
    return paths


def routes() -> list[str]:
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    return list(walk(get_resolver().url_patterns))


def test_every_url_has_a_row():
    missing = [route for route in routes() if not any(re.search(row.route, route) for row in MATRIX)]
    assert not missing, "URLs with no row in the permission matrix:\n" + "\n".join(missing)


def test_every_model_url_has_a_row():
    paths = model_urls()
    assert any(path.startswith("/admin/bulk/lms/person/") for path in paths)
    assert any(path.startswith("/admin/reports/") for path in paths)
    missing = [path for path in paths if not any(re.search(row.route, path) for row in PER_MODEL)]
    assert not missing, "Per-model admin URLs with no row in the permission matrix:\n" + "\n".join(missing)


def _user(role, world):
    if role == ANON:
        return None
    if role == TRAINER:
        return trainer_login(world.trainer_a, username="matrix-trainer")
    if role == TRAINEE:
        return login("matrix-trainee", roles.TRAINEE, person=world.participant_a)
    if role == MANAGER:
        return login("matrix-manager", roles.CENTRE_MANAGER, centre=world.session_b.training_centre)
    if role == OFFICER:
        return login("matrix-officer", roles.GOVERNORATE_OFFICER, governorate=world.session_b.governorate)
    user = login(f"matrix-{role}", role)
    if role in roles.STAFF_ROLES:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user


def _answer(response, signed_in: bool) -> str:
    code = response.status_code
    if code == 200:
        return "ok"
    if code == 405:
        return "405"
    if code == 401:
        return "login"
    if code in (301, 302):
        location = response["Location"]
        to_sign_in = "login" in location or "sign-in" in location
        # The admin sends a signed-in account without access back to its sign-in page: a refusal.
        return "login" if to_sign_in and not signed_in else "deny"
    if code in (403, 404):
        return "deny"
    return f"HTTP {code}"


def test_every_probe_gives_the_declared_answer(client, cascade):
    world = build_world(cascade)
    values = {
        # Own: trainer A's session and participant; foreign to trainer A, inside the manager's centre.
        "own_session": world.session_a.pk,
        "foreign_session": world.session_b.pk,
        "own_person": world.participant_a.pk,
        "foreign_person": world.participant_b.pk,
    }
    PersonFactory()
    # The course pages (and the reviewers' page rights) exist as load_courses makes them.
    call_command("load_courses", "--course", "MPS-01", stdout=StringIO())
    values["design"] = CertificateDesign.load().pk
    values["course_page"] = CoursePage.objects.get(course__code="MPS-01", locale__language_code="ar").pk
    values["foreign_qualification"] = TrainerQualification.objects.filter(person=world.trainer_b).first().pk
    values["foreign_ref"] = world.session_b.ref
    values["other_user"] = trainer_login(world.co_trainer, username="matrix-other").pk
    unexpected = []
    for role in ROLES:
        user = _user(role, world)
        client.logout()
        headers = {}
        if user is not None:
            log_in_verified(client, user)
            _token, raw = APIToken.create_token(user=user, name="matrix")
            headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        for row in MATRIX + PER_MODEL:
            for template, expected in row.probes.items():
                path = template.format(**values)
                extra = headers if path.startswith("/api/") else {}
                got = _answer(client.get(path, **extra), signed_in=user is not None)
                if got != expected[role]:
                    unexpected.append(f"{role:20} {path:45} expected {expected[role]:6} got {got}")
    assert not unexpected, "Unexpected answers:\n" + "\n".join(unexpected)
