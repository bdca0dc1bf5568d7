"""gunicorn serves the production profile: pages from Django, hashed static files from WhiteNoise."""

import json
import sys

import pytest

from tests.production.processes import (
    free_port,
    http_get,
    manage,
    output_of,
    production_env,
    start,
    stop,
    wait_until_listening,
)

pytestmark = pytest.mark.production


def test_gunicorn_serves_the_admin_login_and_whitenoise_the_hashed_static_files(migrated_database, tmp_path):
    static_root = tmp_path / "static"
    env = production_env(
        var_dir=tmp_path, database_url=migrated_database, STATIC_ROOT=str(static_root), STATIC_MANIFEST="1"
    )
    collected = manage("collectstatic", "--noinput", "-v0", env=env)
    assert collected.returncode == 0, output_of(collected)
    hashed = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    admin_css = next(name for name in hashed if name.startswith("wagtailadmin/css/") and name.endswith(".css"))

    port = free_port()
    log = tmp_path / "gunicorn.log"
    server = start(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        log=log,
    )
    try:
        wait_until_listening(port, server, log)

        for name in ("css/site.css", admin_css):
            response = http_get(port, f"/static/{hashed[name]}")
            assert response.status == 200, (name, log.read_text())
            assert response.getheader("Content-Type", "").startswith("text/css")
            # WhiteNoise marks files whose name carries their hash as cacheable forever.
            assert "immutable" in response.getheader("Cache-Control", ""), name

        login = http_get(port, "/admin/login/")
        assert login.status == 200, log.read_text()
    finally:
        stop(server)
