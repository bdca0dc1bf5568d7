"""Liveness and readiness: 200 when every part is there, 503 naming the part that is not."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from config.celery import app
from ops import health

pytestmark = pytest.mark.django_db
CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture(autouse=True)
def fresh_answer():
    health.readiness_forget()  # each test's settings are asked, not the answer of the test before
    yield
    health.readiness_forget()


@pytest.fixture(autouse=True)
def writable_folders(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORTS_DIR = tmp_path / "imports"
    settings.STORAGES = {**settings.STORAGES, "certificates": {**settings.STORAGES["certificates"]}}
    settings.STORAGES["certificates"]["OPTIONS"] = {"location": str(tmp_path / "private")}


def ready(client):
    response = client.get("/health/ready")
    return response.status_code, json.loads(response.content)


def test_live_answers_without_touching_anything(client):
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_ready_when_every_part_is_there(client):
    status, body = ready(client)
    assert status == 200, body
    assert body["status"] == "ok" and body["failing"] == []
    assert body["checks"]["database"] == body["checks"]["migrations"] == body["checks"]["cache"] == "ok"
    assert body["checks"]["broker"] == "not used"  # the embedded default runs tasks in-process


def test_an_unreachable_cache_is_named(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED_PORT}}
    status, body = ready(client)
    assert status == 503
    assert body["failing"] == ["cache"]
    assert body["checks"]["cache"] == "fail"


def test_an_unreachable_broker_is_named(client, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(app.conf, "broker_url", CLOSED_PORT)
    monkeypatch.setattr(app.conf, "broker_write_url", None)
    status, body = ready(client)
    assert status == 503
    assert body["failing"] == ["broker"]


def test_a_folder_that_cannot_be_written_is_named(client, settings, tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = blocker
    status, body = ready(client)
    assert status == 503
    assert body["failing"] == ["storage"]
    assert body["checks"]["storage"] == "fail"
    assert f"media folder {blocker}" in caplog.text  # the why goes to the log, not to the caller


def test_health_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/health/live").status_code == 200
    assert client.get("/admin/login/").status_code == 301


def test_the_command_prints_each_part_and_fails_when_one_is_missing(settings, capsys):
    call_command("health_ready")
    assert "database    ok" in capsys.readouterr().out
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED_PORT}}
    with pytest.raises(CommandError, match="Not ready: cache"):
        call_command("health_ready")
