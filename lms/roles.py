"""The seven roles, as Django groups, and the model permissions each one carries.

Groups are created by a migration (so they exist on every database); their permissions are
synchronised after every ``migrate`` because permissions only exist once all apps have migrated.
Data scoping (which centre, which governorate) is not a permission: see ``StaffScope`` and the
``*_visible_to`` selectors.
"""

from django.utils.translation import gettext_lazy as _

TRAINEE = "trainee"
TRAINER = "trainer"
CONTENT_REVIEWER = "content_reviewer"
CENTRE_MANAGER = "centre_manager"
GOVERNORATE_OFFICER = "governorate_officer"
DIRECTORATE_AUDITOR = "directorate_auditor"
ADMINISTRATOR = "administrator"

ROLE_LABELS = {
    TRAINEE: _("Trainee"),
    TRAINER: _("Trainer"),
    CONTENT_REVIEWER: _("Content reviewer"),
    CENTRE_MANAGER: _("Training-centre manager"),
    GOVERNORATE_OFFICER: _("Governorate training officer"),
    DIRECTORATE_AUDITOR: _("Directorate auditor"),
    ADMINISTRATOR: _("Administrator"),
}
ROLES = list(ROLE_LABELS)
STAFF_ROLES = [CONTENT_REVIEWER, CENTRE_MANAGER, GOVERNORATE_OFFICER, DIRECTORATE_AUDITOR, ADMINISTRATOR]

_VIEW_PLACES = ["lms.view_governorate", "lms.view_policeunit", "lms.view_station", "lms.view_trainingcentre"]
_VIEW_RECORDS = [
    "lms.view_person",
    "courses.view_course",
    "cascade.view_trainingsession",
    "cascade.view_sessiontrainer",
    "cascade.view_participation",
    "cascade.view_trainerqualification",
    "plans.view_target",
]
_EDIT_SESSIONS = [
    f"cascade.{action}_{model}"
    for model in ("trainingsession", "sessiontrainer", "participation")
    for action in ("add", "change")
]
# Certificates: staff read the certificates of the people they see; centre managers (their centre)
# and the Directorate issue batches; the Directorate revokes and reads the verification log.
_CERTIFICATES_READ = ["certificates.view_certificate"]
_CERTIFICATES_ISSUE = ["certificates.view_certificate", "certificates.issue_certificates"]
# The directorate auditor reads: certificates and who verified them. Revoking, re-issuing and
# starting batches change records, and stay with administrators (and batches with centre managers).
_CERTIFICATES_AUDIT = ["certificates.view_certificate", "certificates.view_verificationlog"]

# Reading the change history kept by the ops app (historical models carry only a view permission).
_READ_HISTORY = [
    f"ops.view_historical{model}"
    for model in (
        "person",
        "trainingsession",
        "sessiontrainer",
        "participation",
        "trainerqualification",
        "target",
        "certificate",
    )
]
# Issuing API tokens (Wagtail's Settings → API tokens) for any account needs auth.change_user.
_ISSUE_API_TOKENS = [f"wagtailcore.{action}_apitoken" for action in ("add", "change", "delete", "view")] + [
    "auth.view_user",
    "auth.change_user",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    TRAINEE: [],
    TRAINER: ["courses.view_course", "lms.view_person", "lms.add_person", *_EDIT_SESSIONS],
    CONTENT_REVIEWER: ["wagtailadmin.access_admin", "courses.view_course"],
    CENTRE_MANAGER: [
        "wagtailadmin.access_admin",
        *_VIEW_PLACES,
        *_VIEW_RECORDS,
        "lms.add_person",
        "lms.change_person",
        *_EDIT_SESSIONS,
        # E-learning: bulk enrolment of the people of the centre's governorate (lms.services).
        "lms.view_enrolment",
        "lms.add_enrolment",
        *_CERTIFICATES_ISSUE,
    ],
    GOVERNORATE_OFFICER: ["wagtailadmin.access_admin", *_VIEW_PLACES, *_VIEW_RECORDS, *_CERTIFICATES_READ],
    DIRECTORATE_AUDITOR: [
        "wagtailadmin.access_admin",
        *_VIEW_PLACES,
        *_VIEW_RECORDS,
        *_CERTIFICATES_AUDIT,
        *_READ_HISTORY,
    ],
    # Administrators get every permission of the project's apps (see sync_role_permissions).
    ADMINISTRATOR: ["wagtailadmin.access_admin", *_READ_HISTORY, *_ISSUE_API_TOKENS],
}
ADMINISTRATOR_APPS = ["courses", "lms", "plans", "cascade", "certificates", "cms"]


def sync_role_permissions(sender=None, using: str = "default", **kwargs) -> None:
    """Create the role groups if missing and set each one's permissions to exactly the table above.

    As a post_migrate receiver it acts only on the signal of the last app with models, when the
    permissions of every app have been created.
    """
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    if sender is not None:
        last_app = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
        if sender.name != last_app.name:
            return

    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=role)
        wanted = Permission.objects.using(using).none()
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted |= Permission.objects.using(using).filter(content_type__app_label=app_label, codename=codename)
        if role == ADMINISTRATOR:
            wanted |= Permission.objects.using(using).filter(content_type__app_label__in=ADMINISTRATOR_APPS)
        group.permissions.set(wanted)
