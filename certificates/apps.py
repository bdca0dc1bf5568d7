from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")

    def ready(self) -> None:
        from certificates.receivers import issue_elearning_certificate
        from lms.signals import course_completed

        # lms sits below certificates in the layers, so it announces completions by signal.
        course_completed.connect(issue_elearning_certificate, dispatch_uid="certificates.elearning_certificate")
