"""The read-only REST API (``/api/v1/``) other Ministry systems connect to.

Every endpoint is scoped exactly as the pages are (``cascade.permissions``), and is authenticated
by a token an administrator issues (``api.models.ApiToken``: only a hash is stored, so a token is
shown once, when issued). The OpenAPI schema is served at ``/api/v1/schema/``.
"""
