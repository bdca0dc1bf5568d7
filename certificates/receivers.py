"""Receivers of the signals sent by the layers below (connected in ``CertificatesConfig.ready``)."""

from certificates.services import certificate_issue_for_elearning
from certificates.tasks import certificate_render


def issue_elearning_certificate(sender, *, person, course, completed_at, completion_id, **kwargs) -> None:
    """An e-learning completion earns its certificate once; the PDF is rendered in the background."""
    certificate = certificate_issue_for_elearning(
        person=person, course=course, completed_at=completed_at, completion_id=completion_id
    )
    if not certificate.pdf:
        certificate_render.delay_on_commit(certificate.pk)
