"""OpenAPI schema generation limited to the project's API (Wagtail's admin API is internal)."""

API_PREFIX = "/api/v1/"


def project_api_only(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: keep only the endpoints under /api/v1/."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(API_PREFIX)]
