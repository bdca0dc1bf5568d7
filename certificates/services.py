"""Issuing, storing, revoking and re-issuing certificates, and batches of them.

Issuing is idempotent by construction: the database allows one original certificate per
person, course and session (and per e-learning completion), so a second or concurrent call
finds the first one's row, whichever process or worker it comes from. Rendering happens outside
any lock; storing the PDF is a conditional update, so two renders of one certificate keep the
first and discard the other. Batches rely on both: a chunk that runs twice (a worker killed and
restarted) changes nothing the first run did.

A batch that draws PDFs again (``redraw``, after a design or signatory change) replaces each
stored PDF of an earlier design in place: the certificate keeps its serial, code and verify URL,
and ``pdf_design`` records the design its PDF was drawn with.
"""

import hashlib
import secrets
import tempfile
import zipfile
from collections.abc import Sequence
from datetime import date, datetime

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cascade.models import Outcome, Participation, SessionKind, TrainerQualification
from cascade.services import qualification_validity_years
from certificates.codes import code_generate
from certificates.models import (
    BatchScope,
    BatchStatus,
    Certificate,
    CertificateBatch,
    CertificateDesign,
    CertificateKind,
    private_storage,
)
from certificates.rendering import certificate_pdfs, design_key
from certificates.selectors import batch_centre_limit, eligible_participations
from courses.models import Course
from lms.models import Governorate, Person, TrainingCentre

NOT_COMPLETED = _("Only a participant who completed a closed session receives a certificate.")
REASON_REQUIRED = _("Give the reason for revoking the certificate.")
ALREADY_REVOKED = _("This certificate is already revoked.")
REISSUE_NEEDS_REVOCATION = _("Revoke the certificate before issuing its replacement.")
BATCH_NOT_ALLOWED = _("You may not issue certificates for this selection.")
BATCH_CHUNK_SIZE = 25
# A whole-programme recount costs a few hundred milliseconds of the database: while chunks of a
# dispatch remain, a batch's progress is recounted at most once per this many seconds.
BATCH_RECOUNT_SECONDS = 5
DESIGN_CHANGED = _(
    "The certificate design changed while this batch was drawing PDFs again: start a new batch to "
    "draw them with the new design."
)
NOT_PAUSABLE = _("Only a queued or running batch can be paused.")
NOT_RESUMABLE = _("Only a paused or failed batch can be resumed.")

_KIND_FOR_SESSION = {
    SessionKind.TOT: CertificateKind.TRAINER,
    SessionKind.CASCADE: CertificateKind.PARTICIPANT,
    SessionKind.DIRECT: CertificateKind.PARTICIPANT,
}


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def _latest(certificate: Certificate) -> Certificate:
    """The newest certificate of a re-issue chain that starts at ``certificate``."""
    while True:
        try:
            certificate = certificate.replaced_by
        except Certificate.DoesNotExist:
            return certificate


def _serial(certificate: Certificate, course_code: str) -> str:
    return f"{course_code}-{timezone.localtime(certificate.issued_at):%Y}-{certificate.pk:06d}"


def _create(**fields) -> Certificate:
    """Insert a certificate and give it its serial, in a savepoint the caller can recover from."""
    with transaction.atomic():
        certificate = Certificate.objects.create(code=code_generate(), **fields)
        certificate.serial = _serial(certificate, certificate.course.code)
        certificate.save(update_fields=["serial"])
    return certificate


# What a certificate's PDF prints besides its own fields, loaded with it (see rendering).
_PRINTED_WITH = ("person", "course", "session__training_centre", "replaces")
# Inserting a chunk's certificates skips rows that conflict; a row skipped for a reason other than
# an existing original (a verification code drawn twice, about 2**-95) is inserted again.
_INSERT_ATTEMPTS = 3


def _source(participation: Participation) -> tuple[int, int, int]:
    return participation.person_id, participation.session.course_id, participation.session_id


def _originals(participations: Sequence[Participation]) -> dict[tuple[int, int, int], Certificate]:
    """The original certificate of each participation that has one, with what it prints: one query."""
    wanted = {_source(participation) for participation in participations}
    found = Certificate.objects.filter(
        replaces__isnull=True,
        session_id__in={session_id for _p, _c, session_id in wanted},
        person_id__in={person_id for person_id, _c, _s in wanted},
    ).select_related(*_PRINTED_WITH)
    return {
        key: certificate
        for certificate in found
        if (key := (certificate.person_id, certificate.course_id, certificate.session_id)) in wanted
    }


def _latest_of(certificates: list[Certificate]) -> list[Certificate]:
    """``_latest`` of each, one query per step of the longest re-issue chain (usually one)."""
    latest = list(certificates)
    positions = {certificate.pk: [i] for i, certificate in enumerate(latest)}
    while positions:
        replacements = Certificate.objects.filter(replaces_id__in=positions).select_related(*_PRINTED_WITH)
        following: dict[int, list[int]] = {}
        for replacement in replacements:
            for i in positions[replacement.replaces_id]:
                latest[i] = replacement
            following.setdefault(replacement.pk, []).extend(positions[replacement.replaces_id])
        positions = following
    return latest


def _trainer_terms(participations: Sequence[Participation]) -> dict[tuple[int, int], date]:
    """The end of the qualification ``session_close`` granted for each of these ToT completions."""
    tot = [participation for participation in participations if participation.session.kind == SessionKind.TOT]
    if not tot:
        return {}
    qualifications = TrainerQualification.objects.filter(
        person_id__in={participation.person_id for participation in tot},
        source_session_id__in={participation.session_id for participation in tot},
        valid_until__isnull=False,
    ).order_by("pk")
    terms: dict[tuple[int, int], date] = {}
    for qualification in qualifications:
        terms.setdefault((qualification.person_id, qualification.source_session_id), qualification.valid_until)
    return terms


def _trainer_valid_until(participation: Participation, terms: dict[tuple[int, int], date]) -> date:
    """The end of the qualification granted for this ToT, else the default term from the session's end."""
    term = terms.get((participation.person_id, participation.session_id))
    return term or _years_after(participation.session.end_date, qualification_validity_years())


def certificate_issue(*, participation: Participation) -> Certificate:
    """The certificate for a completed participation in a closed session: created once, then returned."""
    return certificates_issue(participations=[participation])[0]


def certificates_issue(*, participations: Sequence[Participation]) -> list[Certificate]:
    """``certificate_issue`` for each participation, in order, in a few queries whatever their number.

    Each certificate comes with what its PDF prints (person, course, session and centre, the
    certificate it replaces). The existing originals are read in one query; the missing ones are
    inserted in one statement that skips any row the unique constraint refuses (a concurrent call,
    or a chunk run twice, inserted it first: that one is kept) and read back, and their serials
    (which need the row's id) are set in one more, in the same transaction, so no reader ever sees
    a certificate without its serial. A re-issued certificate is returned as its latest re-issue.
    Participations need ``person`` and ``session`` (with ``course``) loaded, or cost a query each.
    """
    for participation in participations:
        if participation.outcome != Outcome.COMPLETED or not participation.session.is_closed:
            raise ValidationError(NOT_COMPLETED)
    if not participations:
        return []
    originals = _originals(participations)
    missing = [participation for participation in participations if _source(participation) not in originals]
    if missing:
        terms = _trainer_terms(missing)
        with transaction.atomic():
            for _attempt in range(_INSERT_ATTEMPTS):
                rows = []
                for participation in missing:
                    session, person = participation.session, participation.person
                    kind = _KIND_FOR_SESSION[session.kind]
                    person_id, course_id, session_id = _source(participation)
                    rows.append(
                        Certificate(
                            code=code_generate(),
                            kind=kind,
                            person_id=person_id,
                            course_id=course_id,
                            session_id=session_id,
                            name_ar=person.name_ar,
                            name_latin=person.name_latin,
                            completed_on=session.end_date,
                            valid_until=(
                                _trainer_valid_until(participation, terms) if kind == CertificateKind.TRAINER else None
                            ),
                        )
                    )
                Certificate.objects.bulk_create(rows, ignore_conflicts=True)
                originals |= _originals(missing)
                missing = [participation for participation in missing if _source(participation) not in originals]
                if not missing:
                    break
            else:
                raise IntegrityError(f"could not insert the certificates of participations {[p.pk for p in missing]}")
            without_serial = [certificate for certificate in originals.values() if not certificate.serial]
            for certificate in without_serial:
                certificate.serial = _serial(certificate, certificate.course.code)
            Certificate.objects.bulk_update(without_serial, ["serial"])
    return _latest_of([originals[_source(participation)] for participation in participations])


def certificate_issue_for_elearning(
    *, person: Person, course: Course, completed_at: datetime, completion_id: int
) -> Certificate:
    """The certificate for an e-learning completion (``lms.signals.course_completed``), once."""
    existing = Certificate.objects.filter(replaces__isnull=True, completion_id=completion_id).first()
    if existing is not None:
        return _latest(existing)
    try:
        return _create(
            kind=CertificateKind.ELEARNING,
            person=person,
            course=course,
            completion_id=completion_id,
            name_ar=person.name_ar,
            name_latin=person.name_latin,
            completed_on=timezone.localtime(completed_at).date(),
        )
    except IntegrityError:
        existing = Certificate.objects.filter(replaces__isnull=True, completion_id=completion_id).first()
        if existing is None:
            raise
        return _latest(existing)


def certificate_pdf_ensure(*, certificate: Certificate, design: CertificateDesign | None = None) -> Certificate:
    """Render and store the certificate's PDF and SHA-256 unless already stored; never replaces it.

    The stored file is what every later download returns, byte for byte.
    """
    return certificate_pdfs_ensure(certificates=[certificate], design=design)[0]


def certificate_pdfs_ensure(
    *, certificates: list[Certificate], design: CertificateDesign | None = None, redraw: bool = False
) -> list[Certificate]:
    """``certificate_pdf_ensure`` for several certificates, rendered together as one document.

    Each certificate still gets its own PDF file; the ones already stored are left as they are,
    unless ``redraw``: then a current (not revoked) certificate whose PDF was drawn with another
    design gets a new PDF in place of the old one.
    """
    design = design or CertificateDesign.load()
    key = design_key(design)
    pending = [
        certificate
        for certificate in certificates
        if not certificate.pdf or (redraw and certificate.revoked_at is None and certificate.pdf_design != key)
    ]
    if pending:
        _pdfs_store(list(zip(pending, certificate_pdfs(pending, design), strict=True)), key)
    return certificates


def _pdf_file_save(certificate: Certificate, pdf: bytes) -> str:
    """Write one PDF to the private storage under a new name; returns the name."""
    issued = timezone.localtime(certificate.issued_at)
    # A random part keeps a concurrent render of the same certificate from overwriting this file.
    return private_storage().save(
        f"certificates/{issued:%Y/%m}/{certificate.serial}-{secrets.token_hex(6)}.pdf", ContentFile(pdf)
    )


def _pdfs_store(drawn: list[tuple[Certificate, bytes]], design: str) -> None:
    """Store each ``pdf`` (drawn with ``design``) as its certificate's PDF: the files first, then
    every row in one update.

    A first PDF is kept unless another render stored one first (that one stays). A PDF drawn
    again replaces the one this process read, only if it is still the stored one, and the old
    file is removed once the change is committed. The rows are locked (in id order) while they are
    compared and written, so two renders of one certificate cannot both win.
    """
    storage = private_storage()
    files = [
        (certificate, _pdf_file_save(certificate, pdf), hashlib.sha256(pdf).hexdigest()) for certificate, pdf in drawn
    ]
    with transaction.atomic():
        stored_now = dict(
            Certificate.objects.select_for_update()
            .filter(pk__in=[certificate.pk for certificate, _name, _digest in files])
            .order_by("pk")
            .values_list("pk", "pdf")
        )
        won, lost = [], []
        for certificate, name, digest in files:
            previous = certificate.pdf.name or ""
            if stored_now.get(certificate.pk) == previous:
                certificate.pdf.name, certificate.pdf_sha256, certificate.pdf_design = name, digest, design
                won.append(certificate)
                if previous:
                    transaction.on_commit(lambda previous=previous: storage.delete(previous))
            else:
                lost.append((certificate, name))
        Certificate.objects.bulk_update(won, ["pdf", "pdf_sha256", "pdf_design"])
    for _certificate, name in lost:
        storage.delete(name)
    if lost:
        kept = {
            row["pk"]: row
            for row in Certificate.objects.filter(pk__in=[c.pk for c, _n in lost]).values(
                "pk", "pdf", "pdf_sha256", "pdf_design"
            )
        }
        for certificate, _name in lost:
            row = kept[certificate.pk]
            certificate.pdf.name, certificate.pdf_sha256, certificate.pdf_design = (
                row["pdf"],
                row["pdf_sha256"],
                row["pdf_design"],
            )


def certificate_pdf_read(*, certificate: Certificate) -> bytes:
    """The stored PDF, checked against its SHA-256 (a changed file on disk is an error, not a download)."""
    with private_storage().open(certificate.pdf.name, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != certificate.pdf_sha256:
        raise ValueError(f"certificate {certificate.serial}: stored PDF does not match its SHA-256")
    return data


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, by, reason: str) -> Certificate:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        raise ValidationError(ALREADY_REVOKED)
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = by
    certificate.revocation_reason = reason
    certificate.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    return certificate


def certificate_reissue(*, certificate: Certificate) -> Certificate:
    """A new certificate (new serial and code) replacing a revoked one, with the person's current name.

    Used after a correction of the person's record. Idempotent: a certificate is replaced once.
    """
    if certificate.revoked_at is None:
        raise ValidationError(REISSUE_NEEDS_REVOCATION)
    try:
        return certificate.replaced_by
    except Certificate.DoesNotExist:
        pass
    person = certificate.person
    try:
        return _create(
            kind=certificate.kind,
            person=person,
            course_id=certificate.course_id,
            session_id=certificate.session_id,
            completion_id=certificate.completion_id,
            name_ar=person.name_ar,
            name_latin=person.name_latin,
            completed_on=certificate.completed_on,
            valid_until=certificate.valid_until,
            replaces=certificate,
        )
    except IntegrityError:
        return Certificate.objects.get(replaces=certificate)


# --- Batches ---------------------------------------------------------------------------------

_TARGET_FIELD = {
    BatchScope.SESSION: "session",
    BatchScope.CENTRE: "training_centre",
    BatchScope.COURSE: "course",
    BatchScope.GOVERNORATE: "governorate",
    BatchScope.YEAR: "year",
}
# Scopes that span several centres: their ZIP holds one folder per centre.
_SPANS_CENTRES = {BatchScope.COURSE, BatchScope.GOVERNORATE, BatchScope.YEAR, BatchScope.PROGRAMME}


def batch_start(
    *,
    user,
    scope: str,
    session=None,
    training_centre: TrainingCentre | None = None,
    course: Course | None = None,
    governorate: Governorate | None = None,
    year: int | None = None,
    redraw: bool = False,
) -> CertificateBatch:
    """Record a batch for ``user`` and queue its task once the transaction commits.

    Who may start one is decided by ``selectors.batch_centre_limit`` alone. A centre manager may
    choose only their own centre or one of its sessions, and a batch of theirs over a course, a
    year or the programme covers only their centre; a governorate is the Directorate's. The
    Directorate may choose anything. ``redraw`` also draws again every PDF of an earlier design.
    """
    from certificates.tasks import certificate_batch_run

    targets = {
        BatchScope.SESSION: session,
        BatchScope.CENTRE: training_centre,
        BatchScope.COURSE: course,
        BatchScope.GOVERNORATE: governorate,
        BatchScope.YEAR: year,
        BatchScope.PROGRAMME: True,
    }
    if scope not in targets or targets[scope] is None:
        raise ValidationError({"scope": _("Choose what to issue certificates for.")})
    allowed, limit = batch_centre_limit(user)
    if not allowed:
        raise PermissionDenied(BATCH_NOT_ALLOWED)
    if limit is not None and (
        (scope == BatchScope.SESSION and session.training_centre_id != limit)
        or (scope == BatchScope.CENTRE and training_centre.pk != limit)
        or scope == BatchScope.GOVERNORATE
    ):
        raise PermissionDenied(BATCH_NOT_ALLOWED)
    with transaction.atomic():
        batch = CertificateBatch(
            owner=user,
            scope=scope,
            limit_to_centre_id=limit if scope in _SPANS_CENTRES else None,
            redraw=redraw,
            design=design_key(CertificateDesign.load()),
        )
        if scope in _TARGET_FIELD:
            setattr(batch, _TARGET_FIELD[scope], targets[scope])
        batch.total = batch_participations(batch).count()
        batch.save()
        certificate_batch_run.delay_on_commit(batch.pk)
    return batch


def batch_participations(batch: CertificateBatch) -> QuerySet[Participation]:
    return eligible_participations(
        session=batch.session,
        training_centre=batch.training_centre,
        course=batch.course,
        governorate=batch.governorate,
        year=batch.year,
        limit_to_centre=batch.limit_to_centre,
    )


def _ready(batch: CertificateBatch) -> Exists:
    """A participation is done when its certificate has a stored PDF and, for a batch that draws
    again, no current certificate of it has a PDF of another design than the batch's."""
    of_participation = {"person_id": OuterRef("person_id"), "session_id": OuterRef("session_id")}
    ready = Exists(Certificate.objects.filter(replaces__isnull=True, **of_participation).exclude(pdf=""))
    if batch.redraw:
        ready &= ~Exists(Certificate.objects.active().filter(**of_participation).exclude(pdf_design=batch.design))
    return ready


def batch_pending_ids(batch: CertificateBatch) -> list[int]:
    """Participations in the batch whose certificate is not issued, not stored or not yet redrawn."""
    return [pk for pk, _session_id in _pending(batch)]


def _pending(batch: CertificateBatch) -> list[tuple[int, int]]:
    """(participation, session) of what is pending, a session's participations together."""
    return list(
        batch_participations(batch).exclude(_ready(batch)).order_by("session_id", "pk").values_list("pk", "session_id")
    )


def batch_chunks(pending: list[tuple[int, int]], chunk_size: int) -> list[list[int]]:
    """Split (participation, session) pairs, grouped by session, into chunks of at most
    ``chunk_size``, keeping each session in one chunk when it fits: a session's certificates share
    one background, laid out once by the worker that draws the chunk (see ``certificates.pdf``),
    so a session split between two chunks (and two workers) would have it laid out twice."""
    sessions: dict[int, list[int]] = {}
    for pk, session_id in pending:
        sessions.setdefault(session_id, []).append(pk)
    chunks: list[list[int]] = []
    current: list[int] = []
    for ids in sessions.values():
        if current and len(current) + len(ids) > chunk_size:
            chunks.append(current)
            current = []
        while len(ids) > chunk_size:  # a session larger than a chunk fills chunks of its own
            chunks.append(ids[:chunk_size])
            ids = ids[chunk_size:]
        current.extend(ids)
    if current:
        chunks.append(current)
    return chunks


def batch_dispatch(*, batch: CertificateBatch, chunk_size: int = BATCH_CHUNK_SIZE) -> list[list[int]]:
    """Split what is still pending into chunks (one task each, so workers share the batch), each
    session's participations in one chunk when they fit (``batch_chunks``).

    A paused batch (or one already done) gets no chunks.
    """
    if batch.status not in (BatchStatus.QUEUED, BatchStatus.RUNNING):
        return []
    chunks = batch_chunks(_pending(batch), chunk_size)
    CertificateBatch.objects.filter(pk=batch.pk, status=BatchStatus.QUEUED).update(status=BatchStatus.RUNNING)
    cache.set(_cache_key(batch, "chunks"), len(chunks), timeout=7 * 24 * 3600)
    return chunks


def _cache_key(batch: CertificateBatch, name: str) -> str:
    return f"certificates:batch:{batch.pk}:{batch.created_at.timestamp():.6f}:{batch.round}:{name}"


def batch_chunk_wanted(*, batch: CertificateBatch, round: int | None) -> bool:
    """Whether a chunk queued for ``round`` should run: not once the batch is paused, failed or
    done, nor after a resume (that dispatched what was pending again under a new round)."""
    if batch.status not in (BatchStatus.QUEUED, BatchStatus.RUNNING):
        return False
    return round is None or round == batch.round


def batch_chunk_run(*, batch: CertificateBatch, participation_ids: list[int]) -> int | None:
    """Issue and store the certificates of these participations; returns how many of the batch are
    now ready, or None when the progress was recounted by another chunk moments ago.

    The last chunk of a dispatch (counted down in the cache) always recounts, exactly; so does
    every chunk when the count is not in the cache. A chunk run twice counts down twice, which only
    makes a recount come early: the batch finishes on the exact count.
    """
    design = CertificateDesign.load()
    if batch.redraw and design_key(design) != batch.design:
        raise ValidationError(DESIGN_CHANGED)
    participations = (
        batch_participations(batch)
        .filter(pk__in=participation_ids)
        .select_related("person", "session__course")
        .order_by("pk")
    )
    # Issued (or found) with what every certificate prints in a few queries, then one document
    # for the whole chunk.
    certificates = certificates_issue(participations=list(participations))
    certificate_pdfs_ensure(certificates=certificates, design=design, redraw=batch.redraw)
    try:
        remaining = cache.decr(_cache_key(batch, "chunks"))
    except ValueError:  # not in the cache (evicted, or a chunk not sent by batch_dispatch)
        remaining = 0
    if remaining > 0 and not cache.add(_cache_key(batch, "recounted"), 1, timeout=BATCH_RECOUNT_SECONDS):
        return None
    return batch_progress_refresh(batch=batch)


def batch_progress_refresh(*, batch: CertificateBatch) -> int:
    """Recount ready certificates from the database (a chunk run twice does not count twice)."""
    ready = batch_participations(batch).filter(_ready(batch)).count()
    CertificateBatch.objects.filter(pk=batch.pk).update(done=min(ready, batch.total))
    return ready


def _owned_batch_for_update(*, batch: CertificateBatch, user) -> CertificateBatch:
    if batch.owner_id != getattr(user, "pk", None) or not batch_centre_limit(user)[0]:
        raise PermissionDenied(BATCH_NOT_ALLOWED)
    return CertificateBatch.objects.select_for_update().get(pk=batch.pk)


@transaction.atomic
def batch_pause(*, batch: CertificateBatch, user) -> CertificateBatch:
    """Stop a queued or running batch after the chunks being drawn now; its owner only."""
    batch = _owned_batch_for_update(batch=batch, user=user)
    if batch.status not in (BatchStatus.QUEUED, BatchStatus.RUNNING):
        raise ValidationError(NOT_PAUSABLE)
    batch.status = BatchStatus.PAUSED
    batch.save(update_fields=["status"])
    return batch


@transaction.atomic
def batch_resume(*, batch: CertificateBatch, user) -> CertificateBatch:
    """Go on with a paused (or failed) batch: what is still pending is dispatched under a new round."""
    from certificates.tasks import certificate_batch_run

    batch = _owned_batch_for_update(batch=batch, user=user)
    if batch.status not in (BatchStatus.PAUSED, BatchStatus.FAILED):
        raise ValidationError(NOT_RESUMABLE)
    batch.status = BatchStatus.QUEUED
    batch.round += 1
    batch.error = ""
    batch.save(update_fields=["status", "round", "error"])
    certificate_batch_run.delay_on_commit(batch.pk)
    return batch


def batch_archive_certificates(batch: CertificateBatch) -> QuerySet[Certificate]:
    """The batch's certificates as they stand: current (not revoked), with their PDFs."""
    participations = batch_participations(batch)
    return (
        Certificate.objects.active()
        .with_pdf()
        .filter(Exists(participations.filter(person_id=OuterRef("person_id"), session_id=OuterRef("session_id"))))
        .order_by("session__training_centre__code", "serial")
    )


def batch_archive_name(batch: CertificateBatch, serial: str, centre_code: str | None) -> str:
    """A certificate's file in the ZIP: in a folder per training centre for a batch that spans several."""
    if batch.scope in _SPANS_CENTRES:
        return f"{centre_code}/{serial}.pdf"
    return f"{serial}.pdf"


def batch_finish(*, batch: CertificateBatch) -> CertificateBatch:
    """Zip the batch's PDFs once everything is ready; a second call finds it done and returns."""
    if batch_participations(batch).exclude(_ready(batch)).exists():
        return batch
    with transaction.atomic():
        batch = CertificateBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status in (BatchStatus.DONE, BatchStatus.PAUSED):
            return batch
        storage = private_storage()
        with tempfile.TemporaryFile() as spool:
            # PDFs are already compressed: storing them keeps the archive fast to build.
            with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
                rows = batch_archive_certificates(batch).values_list("serial", "pdf", "session__training_centre__code")
                for serial, pdf_name, centre_code in rows.iterator(chunk_size=500):
                    try:
                        with storage.open(pdf_name, "rb") as pdf:
                            archive.writestr(batch_archive_name(batch, serial, centre_code), pdf.read())
                    except FileNotFoundError as exc:
                        raise FileNotFoundError(f"certificate {serial}: its stored PDF {pdf_name} is missing") from exc
            spool.seek(0)
            batch.archive.save(f"batch-{batch.pk}-{secrets.token_hex(6)}.zip", File(spool), save=False)
        batch.done = batch.total
        batch.status = BatchStatus.DONE
        batch.finished_at = timezone.now()
        batch.save(update_fields=["archive", "done", "status", "finished_at"])
    return batch


def batch_fail(*, batch_id: int, error: str) -> None:
    CertificateBatch.objects.filter(pk=batch_id).exclude(status=BatchStatus.DONE).update(
        status=BatchStatus.FAILED, error=error[:2000]
    )
