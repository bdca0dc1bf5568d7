"""The OpenAPI schema: only the project's API (Wagtail's admin API is internal), its token scheme,
and the error answers every endpoint can give."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

API_PREFIX = "/api/v1/"


def project_api_only(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: keep only the endpoints under /api/v1/."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(API_PREFIX)]


ERROR_DESCRIPTIONS = {
    "400": "A filter value is not valid.",
    "401": "No valid token (Authorization: Bearer <token>).",
    "403": "The token's account may not read this.",
    "404": "Not found, or outside the token account's scope (an object, or a code given as filter).",
}


# Django refuses NUL characters in form text (400); free-text filters say so in the schema.
NO_NUL_CHARACTERS = "^[^\\x00]*$"


class ApiSchema(AutoSchema):
    """Documents the error answers every endpoint can give, so clients (and schemathesis) expect
    them, and that text filters may not contain NUL characters."""

    def _get_parameters(self):
        parameters = super()._get_parameters()
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if schema.get("type") == "string" and "enum" not in schema and "format" not in schema:
                schema.setdefault("pattern", NO_NUL_CHARACTERS)
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = ["400", "401", "403", "404"]
        error = {
            "type": "object",
            "properties": {"detail": {"type": "string"}},
            "additionalProperties": True,
        }
        for code in codes:
            responses.setdefault(
                code,
                {"content": {"application/json": {"schema": error}}, "description": ERROR_DESCRIPTIONS[code]},
            )
        return responses


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token issued by an administrator (admin → Settings → API tokens).",
        }
