"""Run inside a production-profile process: a small cascade with one issued certificate.

A direct session with three participants, a ToT session its master trainer led (a man and a
woman qualified by it), and a cascade session one of them led with three trainees, scored.

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
    from lms.models import Gender
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
    tot = services.session_create(
        ref="BACKUP-TOT",
        course=course("MPS-02"),
        kind=SessionKind.TOT,
        training_centre=centre,
        start_date=date(2023, 4, 2),
        end_date=date(2023, 4, 6),
        lead_trainer=master,
        co_trainers=[],
    )
    graduates = [PersonFactory(gender=gender) for gender in (Gender.MALE, Gender.FEMALE)]
    for graduate in graduates:
        services.participation_record(session=tot, person=graduate, outcome=Outcome.COMPLETED)
    services.session_close(session=tot)
    cascade = services.session_create(
        ref="BACKUP-CAS",
        course=course("MPS-02"),
        kind=SessionKind.CASCADE,
        training_centre=centre,
        start_date=date(2023, 6, 4),
        end_date=date(2023, 6, 8),
        lead_trainer=graduates[1],
        co_trainers=[],
    )
    for pre, post in ((40, 70), (55, 80), (60, 65)):
        services.participation_record(
            session=cascade, person=PersonFactory(), outcome=Outcome.COMPLETED, pre_score=pre, post_score=post
        )
    default_storage.save("documents/attendance.txt", ContentFile("قائمة الحضور".encode()))
    print(certificate.code, certificate.pdf_sha256)


if __name__ == "__main__":
    import django

    django.setup()
    main()
