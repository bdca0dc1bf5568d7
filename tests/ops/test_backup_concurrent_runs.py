"""Two runs of one backup in the backups storage (the nightly task handed out again while the first
still writes) never spoil each other: the second gives way while the first holds its lock, and runs
that overlap anyway write under prefixes of their own, the manifest naming a finished run last."""

import pytest
from django.core.cache import cache
from django.core.files.storage import storages

from lms.models import Governorate
from ops import backup, tasks


@pytest.fixture
def backups_folder(settings, tmp_path):
    settings.BACKUP_DIR = ""
    settings.BACKUP_STORAGE_DIR = tmp_path / "backups"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "certificates": {**settings.STORAGES["certificates"]}}
    settings.STORAGES["certificates"]["OPTIONS"] = {"location": str(tmp_path / "private")}
    cache.clear()
    yield storages["backups"]
    cache.clear()


def _second_run_after_first_file(monkeypatch, storage, name, *, lock_lapsed: bool):
    """Start a second run of ``name`` once the first has stored its first file (as a redelivered
    message would), with the database changed in between; returns what the second run said."""
    said = {}
    real_save = type(storage).save

    def save(self, key, content, *args, **kwargs):
        saved = real_save(self, key, content, *args, **kwargs)
        if not said and not key.endswith(backup.MANIFEST):
            said["started"] = True
            Governorate.objects.create(name_en="Added between the runs", name_ar="مضافة", code="ZZ")
            if lock_lapsed:  # the first run's lock was lost: nothing keeps the second one out
                cache.delete(backup._lock_key(name))
            said["second"] = tasks.database_backup()
        return saved

    monkeypatch.setattr(type(storage), "save", save)
    return said


@pytest.mark.django_db(transaction=True)
def test_a_second_run_gives_way_while_the_first_holds_the_lock(backups_folder, monkeypatch, tmp_path):
    name = tasks.timezone.localdate().isoformat()
    said = _second_run_after_first_file(monkeypatch, backups_folder, name, lock_lapsed=False)

    first = tasks.database_backup()

    assert said["second"] == {"storage": name, "written": False}
    assert first["written"] is True
    backup.backup_fetch(name, tmp_path / "fetched")
    assert backup.read_manifest(tmp_path / "fetched")["total_rows"] == first["rows"]
    assert cache.get(backup._lock_key(name)) is None  # released once the run ended


@pytest.mark.django_db(transaction=True)
def test_overlapping_runs_leave_a_whole_backup_whichever_finishes_first(backups_folder, monkeypatch, tmp_path):
    name = tasks.timezone.localdate().isoformat()
    said = _second_run_after_first_file(monkeypatch, backups_folder, name, lock_lapsed=True)

    first = tasks.database_backup()

    assert said["second"]["written"] is True  # the second run finished first: its backup stays
    assert first == {"storage": name, "written": False}
    backup.backup_fetch(name, tmp_path / "fetched")
    manifest = backup.read_manifest(tmp_path / "fetched")  # every file whole and as listed
    assert manifest["total_rows"] == said["second"]["rows"]
    assert manifest["tables"]["lms_governorate"] == Governorate.objects.count()


@pytest.mark.django_db(transaction=True)
def test_a_lock_taken_by_another_run_after_this_one_lapsed_is_left_to_it(backups_folder, monkeypatch):
    name = "2026-12-07"
    real_backup = backup.backup

    def lapse_and_taken_over(out_dir, alias="default"):
        cache.set(backup._lock_key(name), "another run's token", timeout=60)
        return real_backup(out_dir, alias=alias)

    monkeypatch.setattr(backup, "backup", lapse_and_taken_over)
    backup.backup_to_storage(name)
    assert cache.get(backup._lock_key(name)) == "another run's token"
