"""Admin screens for certificates, grouped under one "Certificates" menu.

- Certificates: the list is limited to what the user may see (``certificates_visible_to``);
  certificates are never added, edited or deleted here: they are issued by the services (batch
  page, e-learning completions) and changed only by revocation and re-issue.
- Verification log: read-only, for the Directorate (``certificates.view_verificationlog``).
- Batches: a page to issue every pending certificate of a session, centre or course, with a
  progress bar; see ``certificates.admin_views``.
"""

from django.urls import include, path, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import ListingButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from cascade.demo.services import DEMO_CERTIFICATES_HOOK
from cascade.models import Outcome, Participation, SessionStatus
from certificates import admin_urls
from certificates.codes import code_display
from certificates.models import Certificate, CertificateBatch, VerificationLog
from certificates.selectors import batch_centre_limit, can_revoke, certificates_visible_to
from certificates.services import certificates_issue
from lms.templatetags.identifiers import identifier_html


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Viewing by model permission; no add, change or delete through generic admin forms."""

    def user_has_permission(self, user, action):
        if action in {"add", "change", "delete"}:
            return False
        return super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)


for _model in (Certificate, VerificationLog, CertificateBatch):
    register_permission_policy(_model, ReadOnlyPermissionPolicy(_model))


class CertificateIndexView(IndexView):
    def get_base_queryset(self):
        return certificates_visible_to(self.request.user).select_related("course")

    def get_list_buttons(self, instance):
        buttons = [
            ListingButton(_("PDF"), url=reverse("certificates:pdf", args=[instance.serial]), icon_name="download")
        ]
        if can_revoke(self.request.user) and instance.revoked_at is None:
            buttons.append(
                ListingButton(
                    _("Revoke"), url=reverse("certificates_admin:revoke", args=[instance.pk]), icon_name="cross"
                )
            )
        elif can_revoke(self.request.user) and not hasattr(instance, "replaced_by"):
            buttons.append(
                ListingButton(
                    _("Re-issue"), url=reverse("certificates_admin:reissue", args=[instance.pk]), icon_name="repeat"
                )
            )
        return buttons


class CertificateViewSet(ModelViewSet):
    model = Certificate
    name = "certificates"
    url_namespace = "certificates_list"
    icon = "doc-full"
    index_view_class = CertificateIndexView
    copy_view_enabled = False
    list_display = [
        "serial",
        "name_ar",
        "name_latin",
        Column("course", label=_("course"), accessor="course.code", sort_key="course__code"),
        "kind",
        DateColumn("issued_at", label=_("issued at"), sort_key="issued_at"),
        DateColumn("revoked_at", label=_("revoked at"), sort_key="revoked_at"),
    ]
    list_filter = ["kind", "course"]
    search_fields = ["serial", "name_ar", "name_latin", "code"]
    form_fields = ["revocation_reason"]  # required by ModelViewSet; the policy allows no form


class VerificationLogViewSet(ModelViewSet):
    model = VerificationLog
    name = "certificate-verifications"
    icon = "search"
    copy_view_enabled = False
    list_display = [
        DateColumn("at", label=_("at"), sort_key="at"),
        "code",
        "outcome",
        Column("certificate", label=_("certificate"), accessor="certificate.serial"),
        "client_ip",
        "user_agent",
    ]
    list_filter = ["outcome"]
    search_fields = ["code", "client_ip"]
    form_fields = ["code"]  # required by ModelViewSet; the policy allows no form


class CertificatesGroup(ViewSetGroup):
    menu_label = _("Certificates")
    menu_icon = "doc-full"
    menu_order = 240
    items = (CertificateViewSet, VerificationLogViewSet)


@hooks.register("register_admin_viewset")
def register_certificates_viewsets():
    return CertificatesGroup()


class BatchMenuItem(MenuItem):
    def is_shown(self, request):
        return batch_centre_limit(request.user)[0]


@hooks.register("register_admin_menu_item")
def register_batch_menu_item():
    return BatchMenuItem(
        _("Issue certificates"), reverse("certificates_admin:batch_new"), icon_name="doc-full-inverse", order=241
    )


@hooks.register("register_admin_urls")
def register_certificates_admin_urls():
    return [path("certificates/", include((admin_urls, "certificates_admin"), namespace="certificates_admin"))]


def _html(message, **params) -> SafeString:
    """``message % params`` as HTML: the message and plain parameters escaped, HTML ones (the serial,
    isolated and kept on one line) left as they are."""
    return mark_safe(conditional_escape(message) % {name: conditional_escape(value) for name, value in params.items()})  # noqa: S308


@hooks.register("lms_certificate_links")
def certificate_links_for_my_learning(person):
    """The trainee's current certificates for "My learning" (lms asks through this hook): each as its
    PDF, as its Open Badges 3.0 credential (for a digital wallet) and as its public verify page; a
    session's certificate carries the session, so the page shows it beside that session."""
    from lms.selectors import CertificateLink

    links = []
    for certificate in Certificate.objects.active().filter(person=person).order_by("issued_at"):
        label = _html(
            _("%(kind)s %(serial)s"), kind=certificate.get_kind_display(), serial=identifier_html(certificate.serial)
        )
        code = code_display(certificate.code)
        links += [
            CertificateLink(
                course_id=certificate.course_id,
                label=label,
                url=reverse("certificates:pdf", args=[certificate.serial]),
                session_id=certificate.session_id,
            ),
            CertificateLink(
                course_id=certificate.course_id,
                label=_html(_("%(certificate)s as an Open Badge (for a digital wallet)"), certificate=label),
                url=reverse("certificates:credential", args=[code]),
                session_id=certificate.session_id,
            ),
            CertificateLink(
                course_id=certificate.course_id,
                label=_html(_("Verify %(certificate)s"), certificate=label),
                url=reverse("certificates:verify_code", args=[code]),
                session_id=certificate.session_id,
            ),
        ]
    return links


@hooks.register(DEMO_CERTIFICATES_HOOK)
def demo_certificates_issue(*, person_ids: list[int]) -> int:
    """The certificates the demo logins' people earned (the Directorate issues everyone else's in
    batches), so a fresh demo shows a trainee and the trainers theirs; returns how many were issued."""
    earned = (
        Participation.objects.filter(
            person_id__in=person_ids, outcome=Outcome.COMPLETED, session__status=SessionStatus.CLOSED
        )
        .select_related("person", "session__course")
        .order_by("session__end_date", "pk")
    )
    return len(certificates_issue(participations=list(earned)))
