"""Public verification page and certificate downloads.

The verification page needs no login and shows only what a checker needs: status, the name as
printed, the course, the issue date and, if revoked, the revocation date. A malformed code
(wrong length, symbol or check symbol) is refused before the database is asked; every lookup
counts against a per-client limit held in the cache, and well-formed lookups are logged.
"""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from certificates.codes import InvalidCode, code_display, code_normalize
from certificates.models import Certificate, VerificationLog, VerificationOutcome
from certificates.selectors import certificates_visible_to
from certificates.services import certificate_pdf_ensure, certificate_pdf_read
from lms.rates import window_exceeded

logger = logging.getLogger(__name__)


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, as settled by ``ops.proxy.ProxyHeadersMiddleware``.

    That middleware runs first and believes forwarding headers only from ``TRUSTED_PROXIES``, so a
    client cannot pick the address it is rate-limited under.
    """
    return request.META.get("REMOTE_ADDR") or None


def _over_rate_limit(ip: str | None) -> bool:
    """Fixed window per client address, counted in the cache (no database)."""
    return window_exceeded(
        f"certificates:verify:{ip or 'unknown'}",
        limit=settings.CERTIFICATE_VERIFY_RATE_LIMIT,
        window=settings.CERTIFICATE_VERIFY_RATE_WINDOW,
    )


_OUTCOME = {
    "valid": VerificationOutcome.VALID,
    "expired": VerificationOutcome.EXPIRED,
    "revoked": VerificationOutcome.REVOKED,
}


@require_GET
def verify(request, code: str | None = None):
    typed = code if code is not None else request.GET.get("code", "").strip()
    context: dict = {"typed": typed}
    if not typed:
        return render(request, "certificates/verify.html", context)
    ip = client_ip(request)
    if _over_rate_limit(ip):
        logger.warning("certificate verification rate limit reached for %s", ip)
        return render(request, "certificates/verify.html", context | {"rate_limited": True}, status=429)
    try:
        normalized = code_normalize(typed)
    except InvalidCode:
        # Refused before any lookup: a typo never costs a query (nor fills the log).
        return render(request, "certificates/verify.html", context | {"malformed": True}, status=400)

    certificate = Certificate.objects.select_related("course").filter(code=normalized).first()
    status = certificate.status_on(timezone.localdate()) if certificate else None
    VerificationLog.objects.create(
        code=normalized,
        certificate=certificate,
        outcome=_OUTCOME[status] if certificate else VerificationOutcome.NOT_FOUND,
        client_ip=ip,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
    )
    context |= {"code": code_display(normalized), "certificate": certificate, "status": status}
    return render(request, "certificates/verify.html", context, status=200 if certificate else 404)


@login_required
@require_GET
def certificate_pdf(request, serial: str):
    """The stored PDF, for the person it belongs to and the staff who may see them; 404 otherwise."""
    certificate = get_object_or_404(
        certificates_visible_to(request.user).select_related("person", "course", "session__training_centre"),
        serial=serial,
    )
    if not certificate.pdf:
        certificate_pdf_ensure(certificate=certificate)
    try:
        data = certificate_pdf_read(certificate=certificate)
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate.serial}.pdf"'
    response["ETag"] = f'"{certificate.pdf_sha256}"'
    response["Cache-Control"] = "private, no-store"
    return response
