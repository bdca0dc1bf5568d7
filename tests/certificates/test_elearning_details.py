"""An e-learning certificate names what was completed online, not the face-to-face course's hours."""

from datetime import UTC, datetime

from certificates.models import Certificate, CertificateDesign, CertificateKind
from certificates.rendering import certificate_sheet
from lms.signals import course_completed
from tests.factories import PersonFactory
from tests.lms.conftest import build_course


def test_the_elearning_certificate_prints_its_lessons_not_the_classroom_hours(
    db, django_capture_on_commit_callbacks, certificate_settings
):
    course = build_course(code="MPS-02", modules=2, lessons=3)
    course.hours = 37
    course.save(update_fields=["hours"])
    person = PersonFactory(name_ar="حيدر كريم جاسم", name_latin="Haider Kareem Jasim")
    with django_capture_on_commit_callbacks(execute=True):
        course_completed.send(
            sender=None, completion_id=7, person=person, course=course, completed_at=datetime(2024, 3, 5, tzinfo=UTC)
        )
    certificate = Certificate.objects.get(kind=CertificateKind.ELEARNING)
    sheet = certificate_sheet(certificate, CertificateDesign.load())
    html = sheet.html + sheet.background
    assert "37 hours" not in html and "ساعة" not in html  # the face-to-face hours
    assert "All 6 lessons of its 2 modules" in html
    assert "عدد الدروس: ٦" in html and "عدد الوحدات: ٢" in html
