"""Issuing, re-issuing and revoking certificates, and the e-learning signal."""

from datetime import UTC, datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cascade.models import Outcome, Participation, SessionKind, TrainerQualification
from certificates import services
from certificates.codes import code_display
from certificates.models import Certificate, CertificateKind, CertificateStatus
from lms.signals import course_completed
from tests.certificates.conftest import closed_session
from tests.factories import PersonFactory, course


def participation_of(closed, person=None) -> Participation:
    return Participation.objects.get(session=closed.session, person=person or closed.completer)


def test_a_completed_participation_gets_one_certificate_however_often_it_is_issued(closed):
    first = services.certificate_issue(participation=participation_of(closed))
    again = services.certificate_issue(participation=participation_of(closed))

    assert first.pk == again.pk
    assert Certificate.objects.count() == 1
    assert first.kind == CertificateKind.PARTICIPANT
    assert first.name_ar == closed.completer.name_ar
    assert first.serial.startswith("MPS-01-")
    assert first.valid_until is None
    assert first.status == CertificateStatus.VALID


def test_an_incomplete_participation_gets_none(closed):
    with pytest.raises(ValidationError) as error:
        services.certificate_issue(participation=participation_of(closed, closed.dropout))
    assert services.NOT_COMPLETED in error.value.messages


def test_an_open_session_gets_none(cascade):
    session = cascade.session(kind=SessionKind.DIRECT, lead=cascade.master)
    person = PersonFactory()
    from cascade.services import participation_record

    participation = participation_record(session=session, person=person, outcome=Outcome.COMPLETED)
    with pytest.raises(ValidationError):
        services.certificate_issue(participation=participation)


def test_a_tot_completer_gets_a_trainer_certificate_expiring_with_their_qualification(cascade):
    tot = closed_session(cascade, kind=SessionKind.TOT)
    certificate = services.certificate_issue(participation=participation_of(tot))

    qualification = TrainerQualification.objects.get(person=tot.completer, source_session=tot.session)
    assert certificate.kind == CertificateKind.TRAINER
    assert certificate.valid_until == qualification.valid_until
    assert certificate.valid_until.year == tot.session.end_date.year + 3


def test_the_database_refuses_a_second_original_for_the_same_session(closed):
    certificate = services.certificate_issue(participation=participation_of(closed))
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            code="X" * 20,
            kind=certificate.kind,
            person=certificate.person,
            course=certificate.course,
            session=certificate.session,
            name_ar="x",
            completed_on=certificate.completed_on,
        )


def test_a_call_that_loses_the_race_returns_the_winners_certificate(closed):
    """Simulates a concurrent call: the first lookup sees nothing, the insert hits the constraint."""
    winner = services.certificate_issue(participation=participation_of(closed))
    real_filter = Certificate.objects.filter
    calls = {"n": 0}

    def first_lookup_misses(*args, **kwargs):
        calls["n"] += 1
        queryset = real_filter(*args, **kwargs)
        return queryset.none() if calls["n"] == 1 else queryset

    with mock.patch.object(Certificate.objects, "filter", side_effect=first_lookup_misses):
        loser = services.certificate_issue(participation=participation_of(closed))
    assert loser.pk == winner.pk
    assert Certificate.objects.count() == 1


def test_revoking_needs_a_reason_and_happens_once(closed, django_user_model):
    certificate = services.certificate_issue(participation=participation_of(closed))
    auditor = django_user_model.objects.create_user("auditor-x")
    with pytest.raises(ValidationError):
        services.certificate_revoke(certificate=certificate, by=auditor, reason="  ")

    revoked = services.certificate_revoke(certificate=certificate, by=auditor, reason="Name misspelt")
    assert revoked.status == CertificateStatus.REVOKED
    with pytest.raises(ValidationError):
        services.certificate_revoke(certificate=revoked, by=auditor, reason="again")


def test_a_reissue_after_correction_gets_a_new_serial_that_references_the_old(closed, django_user_model):
    original = services.certificate_issue(participation=participation_of(closed))
    with pytest.raises(ValidationError):
        services.certificate_reissue(certificate=original)
    services.certificate_revoke(certificate=original, by=None, reason="Name misspelt")
    closed.completer.name_latin = "Zaynab Hussein Ali"
    closed.completer.save()

    original.refresh_from_db()
    replacement = services.certificate_reissue(certificate=original)

    assert replacement.replaces_id == original.pk
    assert replacement.serial != original.serial and replacement.code != original.code
    assert replacement.name_latin == "Zaynab Hussein Ali"
    assert services.certificate_reissue(certificate=original).pk == replacement.pk
    # Issuing for the participation again returns the current certificate of the chain.
    assert services.certificate_issue(participation=participation_of(closed)).pk == replacement.pk


def test_an_elearning_completion_signal_issues_one_certificate_and_renders_it(
    db, django_capture_on_commit_callbacks, certificate_settings
):
    person = PersonFactory(name_ar="حيدر كريم جاسم", name_latin="Haider Kareem Jasim")
    kwargs = {"person": person, "course": course("MPS-05"), "completed_at": datetime(2024, 3, 5, 9, tzinfo=UTC)}

    with django_capture_on_commit_callbacks(execute=True):
        course_completed.send(sender=None, completion_id=41, **kwargs)
    with django_capture_on_commit_callbacks(execute=True):
        course_completed.send(sender=None, completion_id=41, **kwargs)

    certificate = Certificate.objects.get()
    assert certificate.kind == CertificateKind.ELEARNING
    assert certificate.session is None and certificate.completion_id == 41
    assert certificate.pdf and len(certificate.pdf_sha256) == 64
    course_completed.send(sender=None, completion_id=42, **kwargs)
    assert Certificate.objects.count() == 2


def test_my_learning_lists_the_trainees_current_certificates(closed):
    from lms.selectors import certificate_links

    certificate = services.certificate_issue(participation=participation_of(closed))
    links = certificate_links(closed.completer)
    assert [(link.course_id, link.url) for link in links] == [
        (certificate.course_id, f"/certificates/{certificate.serial}.pdf"),
        (certificate.course_id, f"/certificates/credentials/{code_display(certificate.code)}.jwt"),
        (certificate.course_id, f"/verify/{code_display(certificate.code)}/"),
    ]
    assert {link.session_id for link in links} == {closed.session.pk}  # shown beside its session
    services.certificate_revoke(certificate=certificate, by=None, reason="Wrong course")
    assert certificate_links(closed.completer) == []
