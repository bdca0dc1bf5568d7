"""Open Badges 3.0: the issuer's profile and key, the revocation list, and each certificate's
signed credential (see ``certificates.credentials``). All public, like the verify page: a
credential is found by its certificate's verification code, holds no more personal data than
that page shows, and its lookups count against the same per-client limit."""

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from certificates import credentials
from certificates.codes import InvalidCode, code_normalize
from certificates.models import Certificate
from certificates.views import _over_rate_limit, client_ip

JSON_LD = "application/ld+json"


@require_GET
def issuer(request):
    return JsonResponse(
        credentials.issuer_profile(),
        content_type=JSON_LD,
        json_dumps_params={"ensure_ascii": False},
        headers={"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"},
    )


@require_GET
def issuer_key(request):
    return JsonResponse(
        credentials.public_jwk(),
        content_type="application/jwk+json",
        headers={"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"},
    )


@require_GET
def status_list(request):
    return HttpResponse(
        credentials.status_list_jwt(),
        content_type=credentials.MEDIA_TYPE,
        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
    )


@require_GET
def credential(request, code: str):
    if _over_rate_limit(client_ip(request)):
        return HttpResponse(status=429)
    try:
        normalized = code_normalize(code)
    except InvalidCode as exc:
        raise Http404 from exc
    certificate = get_object_or_404(Certificate.objects.select_related("course"), code=normalized)
    response = HttpResponse(credentials.credential_jwt(certificate), content_type=credentials.MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{certificate.serial}.jwt"'
    response["Cache-Control"] = "no-store"
    response["Access-Control-Allow-Origin"] = "*"
    return response
