"""The README's production section, followed step by step on a fresh PostgreSQL database and Redis.

The same commands in the same order as docs/production.md: the readiness check naming what is
missing, migrate, collectstatic, load_courses, audit_refresh, createsuperuser,
``check --deploy``; then gunicorn on 127.0.0.1, a Celery worker and beat, behind a
TLS-terminating proxy (``tls_proxy.py``, standing in for the documented nginx: see there why).
Through the proxy, over HTTPS: /health/ready answers 200, a course page and the sign-in page
open, with Secure cookies and HSTS; gunicorn reached directly over plain HTTP redirects to HTTPS.
(A forged X-Forwarded-Proto from a peer that is not the proxy: tests/security/test_proxy_trust.py.)
"""

import http.client
import json
import ssl
import sys
import uuid

import pytest
import redis

from tests.production.processes import (
    REDIS_BROKER_URL,
    env_example,
    free_port,
    http_get,
    manage,
    output_of,
    production_env,
    start,
    stop,
    wait_until_listening,
)
from tests.production.tls_proxy import self_signed_certificate

pytestmark = pytest.mark.production

# The production variables the README names, with .env.example's values where it gives them.
README_VARIABLES = (
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "EMAIL_BACKEND",
    "TRUSTED_PROXIES",
    "CELERY_VISIBILITY_TIMEOUT",
)


def https_get(port: int, path: str, cafile: str) -> tuple[http.client.HTTPResponse, bytes]:
    context = ssl.create_default_context(cafile=cafile)
    connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=60, context=context)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def run(*args: str, env: dict[str, str], timeout: float = 600) -> str:
    result = manage(*args, env=env, timeout=timeout)
    assert result.returncode == 0, f"manage.py {' '.join(args)}\n{output_of(result)}"
    return result.stdout


def test_the_readme_production_steps_give_a_working_site_behind_tls(empty_database, tmp_path):
    web_port, tls_port = free_port(), free_port()
    queue = f"production-readme-{uuid.uuid4().hex[:12]}"
    origin = f"https://127.0.0.1:{tls_port}"
    example = env_example()
    env = production_env(
        var_dir=tmp_path / "var",
        database_url=empty_database,
        **{name: example[name] for name in README_VARIABLES},
        ALLOWED_HOSTS="127.0.0.1",
        CSRF_TRUSTED_ORIGINS=origin,
        SITE_URL=origin,
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        CERTIFICATE_ROOT=str(tmp_path / "private"),
        CELERY_TASK_DEFAULT_QUEUE=queue,
        DJANGO_SUPERUSER_USERNAME="director",
        DJANGO_SUPERUSER_EMAIL="director@example.org",
        DJANGO_SUPERUSER_PASSWORD=uuid.uuid4().hex,
    )
    assert env["TRUSTED_PROXIES"].split(",")[0] == "127.0.0.1"

    # The smoke test says what is missing before the database is set up.
    before = manage("health_ready", env=env, timeout=120)
    assert before.returncode == 1, output_of(before)
    assert "migrations not applied" in before.stdout and "Not ready: migrations" in before.stderr

    run("migrate", "--noinput", env=env)
    run("collectstatic", "--noinput", "-v0", env=env)
    run("load_courses", env=env)
    run("audit_refresh", env=env)
    run("createsuperuser", "--noinput", env=env)
    deploy = manage("check", "--deploy", "--fail-level", "WARNING", env=env, timeout=120)
    assert deploy.returncode == 0 and "no issues" in deploy.stdout, output_of(deploy)
    course_url = run(
        "shell",
        "--no-imports",
        "-c",
        "from courses.models import CoursePage; "
        "print(CoursePage.objects.live().filter(locale__language_code='en').first().get_url())",
        env=env,
    ).strip().splitlines()[-1]

    cert, key = self_signed_certificate(tmp_path)
    logs = {name: tmp_path / f"{name}.log" for name in ("gunicorn", "worker", "beat", "proxy")}
    processes = []
    try:
        processes.append(
            gunicorn := start(
                [sys.executable, "-m", "gunicorn", "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{web_port}"],
                env=env,
                log=logs["gunicorn"],
            )
        )
        processes.append(
            start(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "info", "--concurrency", "1"],
                env=env,
                log=logs["worker"],
            )
        )
        processes.append(
            start(
                [sys.executable, "-m", "celery", "-A", "config", "beat", "-s", str(tmp_path / "beat-schedule")],
                env=env,
                log=logs["beat"],
            )
        )
        processes.append(
            proxy := start(
                [sys.executable, "tests/production/tls_proxy.py", str(tls_port), str(web_port), str(cert), str(key)],
                env=env,
                log=logs["proxy"],
            )
        )
        wait_until_listening(web_port, gunicorn, logs["gunicorn"])
        wait_until_listening(tls_port, proxy, logs["proxy"])
        everything = "\n".join(f"--- {name}\n{log.read_text()}" for name, log in logs.items())

        response, body = https_get(tls_port, "/health/ready", str(cert))
        assert response.status == 200, (body, everything)
        assert json.loads(body)["checks"] == {
            "database": "ok",
            "migrations": "ok",
            "cache": "ok",
            "broker": "ok",
            "storage": "ok",
        }

        response, body = https_get(tls_port, course_url, str(cert))
        assert response.status == 200, (course_url, response.status, everything)

        response, body = https_get(tls_port, "/admin/login/", str(cert))
        assert response.status == 200, everything
        assert "max-age=31536000" in response.getheader("Strict-Transport-Security", "")
        cookies = response.msg.get_all("Set-Cookie") or []
        assert any(c.startswith("csrftoken=") and "Secure" in c for c in cookies), cookies

        # gunicorn reached without the proxy over plain HTTP: pages go to HTTPS, health answers for a load balancer.
        assert http_get(web_port, "/admin/login/").status == 301
        assert http_get(web_port, "/health/live").status == 200
    finally:
        for process in reversed(processes):
            stop(process)
        broker = redis.Redis.from_url(REDIS_BROKER_URL)
        broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        broker.close()
