"""/health/ready tells its caller only which parts are ok or failing, never why (folders, buckets,
migrations, errors go to the log and to ``manage.py health_ready``), and asks the parts at most
once every few seconds however often it is polled."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ops import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_answer(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORTS_DIR = tmp_path / "imports"
    settings.STORAGES = {**settings.STORAGES, "certificates": {**settings.STORAGES["certificates"]}}
    settings.STORAGES["certificates"]["OPTIONS"] = {"location": str(tmp_path / "private")}
    health.readiness_forget()
    yield
    health.readiness_forget()


def test_the_public_answer_names_failing_parts_without_saying_why(client, settings, tmp_path, caplog, capsys):
    blocker = tmp_path / "secret-media-place"
    blocker.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = blocker

    def unapplied():
        return "3 migrations not applied (run manage.py migrate)"

    def refused():
        raise ConnectionRefusedError("broker at 10.1.2.3 refused")

    settings.CELERY_TASK_ALWAYS_EAGER = False
    checks = {**health.CHECKS, "migrations": unapplied, "broker": refused}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(health, "CHECKS", checks)
        response = client.get("/health/ready")
        body = json.loads(response.content)
        assert response.status_code == 503
        assert body == {
            "status": "fail",
            "failing": ["migrations", "broker", "storage"],
            "checks": {"database": "ok", "migrations": "fail", "cache": "ok", "broker": "fail", "storage": "fail"},
        }
        text = response.content.decode()
        for detail in ("secret-media-place", "3 migrations", "ConnectionRefusedError", "10.1.2.3"):
            assert detail not in text
            assert detail in caplog.text  # the operator reads why in the log
        with pytest.raises(CommandError, match="Not ready: migrations, broker, storage"):
            call_command("health_ready")
        printed = capsys.readouterr().out
        assert "3 migrations not applied" in printed and "secret-media-place" in printed


def test_polling_asks_the_parts_once_every_few_seconds(client, monkeypatch, tmp_path):
    asked = []
    monkeypatch.setattr(health, "CHECKS", {"database": lambda: asked.append(1) or health.OK})
    now = [1000.0]
    monkeypatch.setattr(health.time, "monotonic", lambda: now[0])

    for _ in range(10):
        assert client.get("/health/ready").status_code == 200
    assert len(asked) == 1
    now[0] += health.READY_CACHE_SECONDS
    client.get("/health/ready")
    assert len(asked) == 2


def test_a_probe_writes_nothing_to_the_folders_or_the_cache(client, settings, tmp_path, monkeypatch):
    written = []
    monkeypatch.setattr(health.cache, "set", lambda *args, **kwargs: written.append(args))
    assert client.get("/health/ready").status_code == 200
    assert written == []
    for folder in (tmp_path / "media", tmp_path / "imports", tmp_path / "private"):
        assert list(folder.iterdir()) == []
