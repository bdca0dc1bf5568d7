"""Second-factor pages (verify, enrol an authenticator, new recovery codes), role landing, site icon."""

from urllib.parse import urlencode

import django_otp
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.admin.views.account import LoginView as WagtailLoginView

from ops import landing, second_factor
from ops.forms import CodeForm


def _next_url(request) -> str:
    """The page asked for before the second factor, when it is a page (``landing.is_safe_page``)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if landing.is_safe_page(request, target) else ""


def _landing(request) -> str:
    return landing.after_sign_in(request, _next_url(request))


def _with_next(name: str, request) -> str:
    return f"{reverse(name)}?{urlencode({'next': _next_url(request)})}"


@login_required
def verify(request):
    """Ask for the second factor; an account without one is sent to enrol."""
    if request.user.is_verified():
        return redirect(_landing(request))
    if not second_factor.has_second_factor(request.user):
        return redirect(_with_next("ops:enrol", request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = second_factor.verify(request.user, form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            return redirect(_landing(request))
        form.add_error("code", _("That code is not valid. Wait for a new code in the app, or use a recovery code."))
    return render(request, "ops/verify.html", {"form": form, "next": _next_url(request)})


@login_required
def enrol(request):
    """Enrol an authenticator: scan the QR code, type the code it shows, receive recovery codes."""
    if second_factor.has_second_factor(request.user) and not request.user.is_verified():
        # Only the owner, already past the second factor, may replace it.
        return redirect(_with_next("ops:second_factor", request))
    device = second_factor.start_enrolment(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = second_factor.confirm_enrolment(device, form.cleaned_data["code"])
        if codes is not None:
            django_otp.login(request, device)
            return render(request, "ops/recovery_codes.html", {"codes": codes, "next": _landing(request)})
        form.add_error("code", _("That code does not match. Check the phone's clock and type the newest code."))
    context = {
        "form": form,
        "next": _next_url(request),
        "qr_svg": second_factor.qr_svg(device),
        "secret": second_factor.secret_text(device),
    }
    return render(request, "ops/enrol.html", context)


@require_POST
@login_required
def new_recovery_codes(request):
    """Replace the recovery codes (the old ones stop working); only after the second factor."""
    if not request.user.is_verified():
        return redirect(_with_next("ops:second_factor", request))
    codes = second_factor.issue_recovery_codes(request.user)
    return render(request, "ops/recovery_codes.html", {"codes": codes, "next": _landing(request)})


class SignInView(WagtailLoginView):
    """The administration's sign-in form: afterwards, the page asked for (when it is a page) or the
    person's own home (``landing``). Staff then pass the second factor on the way there."""

    def get_success_url(self):
        return landing.after_sign_in(self.request, self.get_redirect_url())


@login_required
def home(request):
    """Each role's home (the "Staff sign-in" and learner sign-in forms end here)."""
    return redirect(landing.home_url(request.user))


def favicon(request):
    """Browsers ask for ``/favicon.ico`` whatever the page says: send them to the site's icon."""
    return redirect(static("img/favicon.svg"))
