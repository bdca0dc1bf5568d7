"""Staff pages in the admin area: batches (start, progress, pause and resume, archive),
revocation and re-issue.

Thin views: they parse the form, call one service or selector and render. A batch's progress
and archive are readable by its owner only (404 for anyone else); pausing and resuming are its
owner's too, while their role still may start batches (``selectors.batch_centre_limit``).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from cascade.models import SessionStatus, TrainingSession
from certificates import services
from certificates.models import BatchScope, BatchStatus, Certificate
from certificates.selectors import batch_centre_limit, batches_owned_by, can_revoke, certificates_visible_to
from config.storage import stored_file_response
from courses.models import Course
from lms.models import Governorate, TrainingCentre


class BatchForm(forms.Form):
    scope = forms.ChoiceField(label=_("Issue certificates for"), choices=BatchScope.choices, widget=forms.RadioSelect)
    session = forms.ModelChoiceField(label=_("Session"), queryset=TrainingSession.objects.none(), required=False)
    training_centre = forms.ModelChoiceField(
        label=_("Training centre"), queryset=TrainingCentre.objects.none(), required=False
    )
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.all(), required=False)
    governorate = forms.ModelChoiceField(label=_("Governorate"), queryset=Governorate.objects.all(), required=False)
    year = forms.TypedChoiceField(label=_("Year the sessions ended"), coerce=int, choices=(), required=False)
    redraw = forms.BooleanField(
        label=_("Also draw again the PDFs drawn with an earlier design"),
        help_text=_(
            "After a change of the certificate design or signatories. Every certificate keeps its serial "
            "number, verification code and verification address."
        ),
        required=False,
    )

    def __init__(self, *args, centre_limit: int | None, **kwargs):
        super().__init__(*args, **kwargs)
        years = TrainingSession.objects.filter(status=SessionStatus.CLOSED).dates("end_date", "year", order="DESC")
        self.fields["year"].choices = [("", "---------"), *((day.year, day.year) for day in years)]
        sessions = TrainingSession.objects.filter(status=SessionStatus.CLOSED).select_related("course")
        centres = TrainingCentre.objects.all()
        if centre_limit is not None:
            sessions = sessions.filter(training_centre_id=centre_limit)
            centres = centres.filter(pk=centre_limit)
            # A governorate is the Directorate's scope.
            self.fields["scope"].choices = [c for c in BatchScope.choices if c[0] != BatchScope.GOVERNORATE]
            del self.fields["governorate"]
        self.fields["session"].queryset = sessions.order_by("-start_date", "ref")
        self.fields["training_centre"].queryset = centres

    def clean(self):
        data = super().clean()
        field = {
            BatchScope.SESSION: "session",
            BatchScope.CENTRE: "training_centre",
            BatchScope.COURSE: "course",
            BatchScope.GOVERNORATE: "governorate",
            BatchScope.YEAR: "year",
        }
        scope = data.get("scope")
        if scope in field and not data.get(field[scope]):
            self.add_error(field[scope], _("Choose one."))
        return data


def _require_batch_access(request) -> int | None:
    allowed, centre_limit = batch_centre_limit(request.user)
    if not allowed:
        raise PermissionDenied
    return centre_limit


def batch_new(request):
    centre_limit = _require_batch_access(request)
    form = BatchForm(request.POST or None, centre_limit=centre_limit)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.batch_start(
                user=request.user,
                scope=form.cleaned_data["scope"],
                session=form.cleaned_data["session"],
                training_centre=form.cleaned_data["training_centre"],
                course=form.cleaned_data["course"],
                governorate=form.cleaned_data.get("governorate"),
                year=form.cleaned_data["year"] or None,
                redraw=form.cleaned_data["redraw"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("certificates_admin:batch_detail", batch.pk)
    recent = batches_owned_by(request.user).select_related("session", "training_centre", "course", "governorate")[:10]
    return TemplateResponse(request, "certificates/admin/batch_new.html", {"form": form, "recent": recent})


def batch_detail(request, pk: int):
    batch = get_object_or_404(batches_owned_by(request.user), pk=pk)
    return TemplateResponse(request, "certificates/admin/batch_detail.html", {"batch": batch})


@require_GET
def batch_status(request, pk: int):
    batch = get_object_or_404(batches_owned_by(request.user), pk=pk)
    done = batch.status == BatchStatus.DONE
    return JsonResponse(
        {
            "status": batch.status,
            "status_label": str(batch.get_status_display()),
            "done": batch.done,
            "total": batch.total,
            "percent": batch.percent,
            "archive_url": reverse("certificates_admin:batch_archive", args=[batch.pk]) if done else None,
            "error": batch.error,
            "can_pause": batch.status in (BatchStatus.QUEUED, BatchStatus.RUNNING),
            "can_resume": batch.status in (BatchStatus.PAUSED, BatchStatus.FAILED),
        },
        headers={"Cache-Control": "no-store"},
    )


def _batch_change(request, pk: int, change, done_message):
    batch = get_object_or_404(batches_owned_by(request.user), pk=pk)
    try:
        change(batch=batch, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done_message)
    return redirect("certificates_admin:batch_detail", batch.pk)


@require_POST
def batch_pause(request, pk: int):
    return _batch_change(
        request, pk, services.batch_pause, _("Batch paused: the chunks being drawn now finish, no others start.")
    )


@require_POST
def batch_resume(request, pk: int):
    return _batch_change(request, pk, services.batch_resume, _("Batch resumed."))


@require_GET
def batch_archive(request, pk: int):
    batch = get_object_or_404(batches_owned_by(request.user).exclude(archive=""), pk=pk)
    try:
        return stored_file_response(
            batch.archive.storage,
            batch.archive.name,
            filename=f"certificates-batch-{batch.pk}.zip",
            content_type="application/zip",
        )
    except FileNotFoundError as exc:
        raise Http404 from exc


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for revocation"), widget=forms.Textarea(attrs={"rows": 4}))


def _certificate_for_directorate(request, pk: int) -> Certificate:
    if not can_revoke(request.user):
        raise PermissionDenied
    return get_object_or_404(certificates_visible_to(request.user).select_related("course"), pk=pk)


def certificate_revoke(request, pk: int):
    certificate = _certificate_for_directorate(request, pk)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.certificate_revoke(certificate=certificate, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Certificate %(serial)s revoked.") % {"serial": certificate.serial})
            return redirect("certificates_list:index")
    return TemplateResponse(request, "certificates/admin/revoke.html", {"certificate": certificate, "form": form})


def certificate_reissue(request, pk: int):
    certificate = _certificate_for_directorate(request, pk)
    if request.method == "POST":
        try:
            replacement = services.certificate_reissue(certificate=certificate)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            services.certificate_pdf_ensure(certificate=replacement)
            messages.success(
                request,
                _("Certificate %(new)s issued in place of %(old)s.")
                % {"new": replacement.serial, "old": certificate.serial},
            )
            return redirect("certificates_list:index")
    return TemplateResponse(request, "certificates/admin/reissue.html", {"certificate": certificate})
