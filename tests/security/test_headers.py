"""Every response carries the security headers; the production profile passes ``check --deploy``."""

from pathlib import Path

import pytest

from ops.admin_scripts import rewrite_inline_initialisers
from tests.conftest import log_in_verified
from tests.production.processes import manage, output_of, production_env

pytestmark = pytest.mark.django_db


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/admin/login/", "/account/second-factor/"])
def test_pages_carry_a_csp_without_inline_scripts_and_nosniff(client, path):
    response = client.get(path, follow=True)
    directives = csp_directives(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_admin_widget_scripts_reach_the_browser_as_data_not_inline_scripts(client, django_user_model):
    log_in_verified(client, django_user_model.objects.create_superuser(username="admin", password=None))
    html = client.get("/admin/sessions/add/").content.decode()
    assert 'data-admin-init="new:InlinePanel"' in html
    assert 'data-admin-init="call:initDateChooser"' in html
    assert "initDateChooser(" not in html
    assert "new InlinePanel(" not in html
    assert "ops/admin_init.js" in html


def test_only_known_initialisers_are_rewritten():
    html = (
        '<script>initDateChooser("id_start", {"format": "Y-m-d"});</script>'
        '<script>alert("x")</script>'
        '<script>new SnippetChooser("id_p", {"modalUrl": "/admin/snippets/choose/lms/person/</script>"});</script>'
    )
    out = rewrite_inline_initialisers(html)
    assert (
        '<script type="application/json" data-admin-init="call:initDateChooser">["id_start", {"format": "Y-m-d"}]'
        in out
    )
    assert '<script>alert("x")</script>' in out  # unknown: left inline, so the CSP blocks it


def test_a_panel_initialiser_keeps_its_options():
    options = r"{\u0022type\u0022: \u0022InlinePanel\u0022, \u0022formsetPrefix\u0022: \u0022id_trainers\u0022}"
    html = f'<script>\n (function() {{\n var panel = new InlinePanel(JSON.parse("{options}"));\n }})();\n </script>'
    out = rewrite_inline_initialisers(html)
    assert out == (
        '<script type="application/json" data-admin-init="new:InlinePanel">'
        '[{"type": "InlinePanel", "formsetPrefix": "id_trainers"}]</script>'
    )


def test_hsts_on_secure_requests_with_the_production_values(settings, client):
    # The production profile's defaults with DEBUG off (config/settings.py); the test profile has DEBUG on.
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get("/admin/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_check_deploy_reports_nothing_with_the_production_settings(tmp_path):
    """``manage.py check --deploy`` as production runs it: DEBUG off, TLS proxy, SMTP, Redis.

    The deploy checks include HSTS, secure session and CSRF cookies, SSL redirect and the secret key.
    """
    example = dict(
        line.split("=", 1)
        for line in (Path(__file__).resolve().parents[2] / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    env = production_env(
        var_dir=tmp_path,
        ALLOWED_HOSTS=example["ALLOWED_HOSTS"],
        CSRF_TRUSTED_ORIGINS=example["CSRF_TRUSTED_ORIGINS"],
        TRUSTED_PROXIES=example["TRUSTED_PROXIES"],
        SECURE_SSL_REDIRECT=example["SECURE_SSL_REDIRECT"],
        SECURE_COOKIES=example["SECURE_COOKIES"],
        SECURE_HSTS_SECONDS=example["SECURE_HSTS_SECONDS"],
        EMAIL_BACKEND=example["EMAIL_BACKEND"],
    )
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env, timeout=120)
    assert result.returncode == 0, output_of(result)
    assert "System check identified no issues" in result.stdout, output_of(result)
