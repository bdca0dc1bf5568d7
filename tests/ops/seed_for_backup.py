"""Run inside a production-profile process: a small cascade with one issued certificate.

A direct session with three participants, a ToT session its master trainer led (a man and a
woman qualified by it), and a cascade session one of them led with three trainees, scored.

Also stores the certificate's PDF and one uploaded media file. Prints the certificate's
verification code and its PDF's SHA-256 on the last line.
"""

from datetime import date, timedelta


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

    def session_of_five_days(ref: str, kind: str, first_day: date, lead):
        return services.session_create(
            ref=ref,
            course=course("MPS-02"),
            kind=kind,
            training_centre=centre,
            start_date=first_day,
            end_date=first_day + timedelta(days=4),
            lead_trainer=lead,
            co_trainers=[],
        )

    session = session_of_five_days("BACKUP-001", SessionKind.DIRECT, date(2023, 3, 5), master)  # no expiry
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
    tot = session_of_five_days("BACKUP-TOT", SessionKind.TOT, date(2023, 4, 2), master)
    graduates = [PersonFactory(gender=gender) for gender in (Gender.MALE, Gender.FEMALE)]
    for graduate in graduates:
        services.participation_record(session=tot, person=graduate, outcome=Outcome.COMPLETED)
    services.session_close(session=tot)
    cascade = session_of_five_days("BACKUP-CAS", SessionKind.CASCADE, date(2023, 6, 4), graduates[1])
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
