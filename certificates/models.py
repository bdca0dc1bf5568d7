"""Certificates: issuing, verification, revocation and the verification log.

Nouns:
- ``Certificate``: proof that a person completed a course. Its source is either a completed
  participation in a closed session (``session``; a ToT session gives a *trainer* certificate
  with an expiry, a cascade or direct session a *participant* certificate) or an e-learning
  completion (``completion_id``). It keeps the name and course as printed, the stored PDF and
  its SHA-256, a random verification code and a serial number.
- ``VerificationLog``: one row per lookup of a well-formed code on the public page.
- ``CertificateBatch``: one request by a staff member to issue every pending certificate of a
  session, a centre, a course, a governorate, a programme year or the whole programme (or to draw
  again, after a design change, the PDFs drawn with an earlier design); Celery tasks fill it in
  chunks, it can be paused and resumed, and it leaves a ZIP of the PDFs.
- ``CertificateDesign``: a site setting with the issuing bodies, signatory titles and extra CSS,
  so an administrator can restyle certificates without code.

Invariants (database constraints):
- one *original* certificate per person, course and session, and one per e-learning completion;
  a correction is a re-issue that references the certificate it replaces, and a certificate is
  replaced at most once, so issuing twice (even concurrently) returns the existing certificate;
- a certificate has exactly one source (a session or an e-learning completion);
- verification codes and serial numbers are unique; a revocation has a date and a reason.
"""

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from cascade.models import TrainingSession
from courses.models import Course
from lms.models import Governorate, Person, TrainingCentre


def private_storage():
    """Certificate PDFs and batch archives live outside the web root; views check permission."""
    return storages["certificates"]


class CertificateKind(models.TextChoices):
    PARTICIPANT = "participant", _("Participant certificate")
    TRAINER = "trainer", _("Trainer certificate")
    ELEARNING = "elearning", _("E-learning certificate")


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class CertificateQuerySet(models.QuerySet):
    def active(self) -> "CertificateQuerySet":
        return self.filter(revoked_at__isnull=True)

    def with_pdf(self) -> "CertificateQuerySet":
        return self.exclude(pdf="")


class Certificate(models.Model):
    code = models.CharField(_("verification code"), max_length=20, unique=True, editable=False)
    serial = models.CharField(_("serial number"), max_length=32, unique=True, null=True, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=CertificateKind.choices)
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="certificates")
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="certificates")
    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
    )
    completion_id = models.PositiveBigIntegerField(_("e-learning completion"), null=True, blank=True)
    # As printed: a later correction of the person's record does not change an issued certificate.
    name_ar = models.CharField(_("name as printed (Arabic)"), max_length=200)
    name_latin = models.CharField(_("name as printed (Latin script)"), max_length=200, blank=True)
    completed_on = models.DateField(_("completed on"))
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)
    pdf = models.FileField(_("PDF"), storage=private_storage, upload_to="certificates/", blank=True, max_length=200)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    # Which design the stored PDF was drawn with (``rendering.design_key``): a batch that draws
    # the PDFs again after a design change keeps the certificate, its code and its verify URL.
    pdf_design = models.CharField(_("PDF drawn with design"), max_length=16, blank=True, editable=False)

    objects = CertificateQuerySet.as_manager()
    # Not content: Wagtail's reference index would add work to every certificate issued.
    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        permissions = [
            ("issue_certificates", _("Can issue certificates in batches")),
            ("revoke_certificate", _("Can revoke certificates")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "course", "session"],
                condition=models.Q(replaces__isnull=True, session__isnull=False),
                name="certificate_once_per_person_course_session",
            ),
            models.UniqueConstraint(
                fields=["completion_id"],
                condition=models.Q(replaces__isnull=True, completion_id__isnull=False),
                name="certificate_once_per_elearning_completion",
            ),
            models.CheckConstraint(
                condition=models.Q(session__isnull=False, completion_id__isnull=True)
                | models.Q(session__isnull=True, completion_id__isnull=False),
                name="certificate_has_one_source",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in CertificateKind]), name="certificate_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True) | ~models.Q(revocation_reason=""),
                name="certificate_revocation_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["session", "person"]), models.Index(fields=["person", "course"])]

    def __str__(self) -> str:
        return f"{self.serial or self.pk} · {self.name_ar}"

    def status_on(self, day) -> str:
        if self.revoked_at is not None:
            return CertificateStatus.REVOKED
        if self.valid_until is not None and self.valid_until < day:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID

    @property
    def status(self) -> str:
        return self.status_on(timezone.localdate())

    def get_status_display(self) -> str:
        return CertificateStatus(self.status).label


class VerificationOutcome(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    NOT_FOUND = "not_found", _("No such certificate")


class VerificationLog(models.Model):
    """A lookup of a well-formed code. Malformed codes never reach the database (nor this log)."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    code = models.CharField(_("code looked up"), max_length=20)
    certificate = models.ForeignKey(
        Certificate,
        verbose_name=_("certificate"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="verifications",
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=VerificationOutcome.choices)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)

    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["-at"]
        verbose_name = _("certificate verification")
        verbose_name_plural = _("certificate verifications")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} · {self.code} · {self.get_outcome_display()}"


class BatchScope(models.TextChoices):
    SESSION = "session", _("A session")
    CENTRE = "centre", _("A training centre")
    COURSE = "course", _("A course")
    GOVERNORATE = "governorate", _("A governorate")
    YEAR = "year", _("A programme year")
    PROGRAMME = "programme", _("The whole programme")


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class CertificateBatch(models.Model):
    """Issue every pending certificate of a session, centre, course, governorate, year or the whole
    programme, and zip the PDFs.

    ``total`` is the number of eligible completions when the batch was started; ``done`` is how
    many of them have a certificate with its PDF (drawn with the batch's design, for a batch that
    draws PDFs again), recounted from the database after a chunk at most every few seconds and
    always after the last one (so a chunk that runs twice after a worker crash does not count
    twice). ``round`` counts the dispatches: pausing stops the chunks already queued (they find the
    batch paused), resuming dispatches what is still pending under the next round, and a chunk of
    an earlier round does nothing.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.CASCADE, related_name="+"
    )
    scope = models.CharField(_("scope"), max_length=16, choices=BatchScope.choices)
    session = models.ForeignKey(
        TrainingSession, verbose_name=_("session"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    training_centre = models.ForeignKey(
        TrainingCentre,
        verbose_name=_("training centre"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    governorate = models.ForeignKey(
        Governorate, verbose_name=_("governorate"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The calendar year in which the sessions ended.
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    redraw = models.BooleanField(
        _("draw again the PDFs of an earlier design"),
        default=False,
        help_text=_("Certificates keep their serial numbers, codes and verification addresses."),
    )
    design = models.CharField(_("design"), max_length=16, blank=True, editable=False)
    round = models.PositiveIntegerField(_("dispatch round"), default=0, editable=False)
    # A centre manager's batch of a course, a year or the programme covers only their own centre.
    limit_to_centre = models.ForeignKey(
        TrainingCentre, on_delete=models.CASCADE, null=True, blank=True, related_name="+", editable=False
    )
    status = models.CharField(_("status"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    total = models.PositiveIntegerField(_("certificates"), default=0)
    done = models.PositiveIntegerField(_("certificates ready"), default=0)
    archive = models.FileField(_("ZIP archive"), storage=private_storage, upload_to="batches/", blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("certificate batch")
        verbose_name_plural = _("certificate batches")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope="session", session__isnull=False)
                | models.Q(scope="centre", training_centre__isnull=False)
                | models.Q(scope="course", course__isnull=False)
                | models.Q(scope="governorate", governorate__isnull=False)
                | models.Q(scope="year", year__isnull=False)
                | models.Q(scope="programme"),
                name="certificate_batch_scope_has_target",
            ),
            models.CheckConstraint(
                condition=models.Q(done__lte=models.F("total")), name="certificate_batch_done_le_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} · {self.target} · {self.get_status_display()}"

    @property
    def target(self):
        return {
            "session": self.session,
            "centre": self.training_centre,
            "course": self.course,
            "governorate": self.governorate,
            "year": self.year,
            "programme": _("every completed participation"),
        }[self.scope]

    @property
    def percent(self) -> int:
        if self.status == BatchStatus.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0


@register_setting(icon="doc-full")
class CertificateDesign(BaseGenericSetting):
    """What an administrator may change on every certificate without touching code."""

    ministry_ar = models.CharField(_("ministry (Arabic)"), max_length=200, default="جمهورية العراق — وزارة الداخلية")
    ministry_en = models.CharField(
        _("ministry (English)"), max_length=200, default="Republic of Iraq — Ministry of Interior"
    )
    directorate_ar = models.CharField(_("directorate (Arabic)"), max_length=200, default="مديرية التدريب والتأهيل")
    directorate_en = models.CharField(
        _("directorate (English)"), max_length=200, default="Training and Qualifications Directorate"
    )
    signatory_left_ar = models.CharField(
        _("first signatory title (Arabic)"), max_length=200, default="مدير التدريب والتأهيل"
    )
    signatory_left_en = models.CharField(
        _("first signatory title (English)"), max_length=200, default="Director of Training and Qualifications"
    )
    signatory_right_ar = models.CharField(
        _("second signatory title (Arabic)"), max_length=200, default="مدير مركز التدريب"
    )
    signatory_right_en = models.CharField(
        _("second signatory title (English)"), max_length=200, default="Director of the Training Centre"
    )
    extra_css = models.TextField(
        _("extra CSS"),
        blank=True,
        help_text=_(
            "Added after the certificate's own style sheet: colours, sizes, borders. "
            "Only local fonts are available and no file is fetched from the network."
        ),
    )

    class Meta:
        verbose_name = _("certificate design")
