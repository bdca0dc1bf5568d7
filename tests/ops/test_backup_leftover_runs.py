"""A backup run in the backups storage leaves no copy of the database behind that no manifest names:
a run that fails or gives way deletes its own files, and the next run deletes what a dead run left."""

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from moto import mock_aws

from ops import backup


def _s3(bucket: str, location: str = "") -> dict:
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": bucket, "location": location, "access_key": "k", "secret_key": "s"},
    }


@pytest.fixture(params=["folder", "bucket"])
def backups_storage(request, settings, tmp_path):
    settings.BACKUP_DIR = ""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    if request.param == "folder":
        settings.BACKUP_STORAGE_DIR = tmp_path / "backups"
        settings.STORAGES = {**settings.STORAGES, "certificates": {**settings.STORAGES["certificates"]}}
        settings.STORAGES["certificates"]["OPTIONS"] = {"location": str(tmp_path / "private")}
        yield storages["backups"]
    else:
        with mock_aws():
            boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="private")
            settings.STORAGES = {
                **settings.STORAGES,
                "certificates": _s3("private", "certificates"),
                "backups": _s3("private", "backups"),
            }
            yield storages["backups"]
    cache.clear()


def _runs(storage, name: str) -> list[str]:
    return sorted({key.split("/")[2] for key in backup.stored_names(storage, f"{name}/{backup.RUNS_DIR}")})


@pytest.mark.django_db(transaction=True)
def test_a_run_whose_upload_fails_deletes_the_files_it_stored(backups_storage, monkeypatch):
    real_save = type(backups_storage).save
    stored = []

    def save(self, key, content, *args, **kwargs):
        if stored:  # the second file: the storage fails
            raise OSError("connection reset")
        stored.append(key)
        return real_save(self, key, content, *args, **kwargs)

    monkeypatch.setattr(type(backups_storage), "save", save)
    with pytest.raises(OSError, match="connection reset"):
        backup.backup_to_storage("2026-12-07")

    assert stored and stored[0].startswith("2026-12-07/runs/")
    assert list(backup.stored_names(backups_storage, "2026-12-07")) == []


@pytest.mark.django_db(transaction=True)
def test_a_run_that_gives_way_to_one_finished_meanwhile_deletes_its_own_files(backups_storage, monkeypatch):
    real_backup = backup.backup

    def finished_by_another_run(out_dir, alias="default"):
        manifest = real_backup(out_dir, alias=alias)
        other = json.dumps({**manifest, "run": "20261207T010000-aaaaaaaa"}).encode()
        backups_storage.save("2026-12-07/manifest.json", ContentFile(other))
        backups_storage.save("2026-12-07/runs/20261207T010000-aaaaaaaa/database.sqlite3", ContentFile(b"whole"))
        return manifest

    monkeypatch.setattr(backup, "backup", finished_by_another_run)
    with pytest.raises(backup.BackupRunning):
        backup.backup_to_storage("2026-12-07")

    assert _runs(backups_storage, "2026-12-07") == ["20261207T010000-aaaaaaaa"]  # the other run's, named


def _run_name(hours_ago: float, tag: str) -> str:
    started = datetime.now(UTC) - timedelta(hours=hours_ago)
    return f"{started:%Y%m%dT%H%M%S}-{tag}"


@pytest.mark.django_db(transaction=True)
def test_a_run_deletes_the_run_folders_dead_runs_left_over_a_day_ago(backups_storage):
    def left(name, run):
        backups_storage.save(f"{name}/runs/{run}/database.sqlite3", ContentFile(b"a whole database"))
        backups_storage.save(f"{name}/runs/{run}/files/media/photo.png", ContentFile(b"picture"))
        return run

    # An earlier backup, finished, with the folder of a run that died before it.
    dead = left("2026-12-05", _run_name(50, "dead0001"))
    good = left("2026-12-05", _run_name(49, "good0001"))
    backups_storage.save("2026-12-05/manifest.json", ContentFile(json.dumps({"run": good})))
    # A backup never finished: only a dead run's folder.
    left("2026-12-06", _run_name(26, "dead0002"))
    # Tonight's name: a run that died two days ago, and one started an hour ago that may be writing.
    left("2026-12-07", _run_name(48, "dead0003"))
    going = left("2026-12-07", _run_name(1, "going001"))

    manifest = backup.backup_to_storage("2026-12-07")

    assert _runs(backups_storage, "2026-12-05") == [good] and dead != good
    assert _runs(backups_storage, "2026-12-06") == []
    assert _runs(backups_storage, "2026-12-07") == sorted([going, manifest["run"]])
