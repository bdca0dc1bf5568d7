"""Run inside a production-profile process: a small cascade with one issued certificate.

Also stores the certificate's PDF and one uploaded media file. Prints the certificate's
verification code and its PDF's SHA-256 on the last line.
"""

from datetime import date


def main() -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from cascade import services
    from cascade.models import Outcome, Participation, SessionKind
    from certificates.services import certificate_issue, certificate_pdf_ensure
    from tests.factories import MasterTrainerFactory, PersonFactory, TrainingCentreFactory, course

    centre = TrainingCentreFactory()
    master = MasterTrainerFactory()
    session = services.session_create(
        ref="BACKUP-001",
        course=course("MPS-02"),
        kind=SessionKind.DIRECT,  # a participant certificate: no expiry
        training_centre=centre,
        start_date=date(2023, 3, 5),
        end_date=date(2023, 3, 9),
        lead_trainer=master,
        co_trainers=[],
    )
    people = [PersonFactory() for _ in range(3)]
    participations = [
        services.participation_record(
            session=session, person=person, outcome=Outcome.COMPLETED, pre_score=50, post_score=90
        )
        for person in people
    ]
    services.session_close(session=session)
    certificate = certificate_issue(participation=Participation.objects.get(pk=participations[0].pk))
    certificate = certificate_pdf_ensure(certificate=certificate)
    default_storage.save("documents/attendance.txt", ContentFile("قائمة الحضور".encode()))
    print(certificate.code, certificate.pdf_sha256)


if __name__ == "__main__":
    import django

    django.setup()
    main()
