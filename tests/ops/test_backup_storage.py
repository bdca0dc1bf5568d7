"""Backups with the files in object storage: the certificate PDFs and media are read from their
buckets, the backup is kept in the backups storage, and its files go back into empty buckets."""

import hashlib

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from moto import mock_aws

from ops import backup


def _s3(bucket: str, location: str = "") -> dict:
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": bucket, "location": location, "access_key": "k", "secret_key": "s"},
    }


def _buckets(settings, media: str, private: str) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": _s3(media),
        "certificates": _s3(private, "certificates"),
        "backups": _s3(private, "backups"),
    }


@pytest.fixture
def object_storage(settings):
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        for bucket in ("media", "private", "media-restored", "private-restored"):
            client.create_bucket(Bucket=bucket)
        _buckets(settings, "media", "private")
        yield client


@pytest.mark.django_db(transaction=True)
def test_a_backup_of_files_in_object_storage_is_kept_there_and_restores_into_empty_buckets(
    object_storage, settings, tmp_path
):
    pdf, picture = b"%PDF-1.7 certificate", b"\x89PNG lesson picture"
    storages["certificates"].save("certificates/2026/11/C-1.pdf", ContentFile(pdf))
    storages["default"].save("original_images/lesson.png", ContentFile(picture))

    manifest = backup.backup_to_storage("2026-12-07")
    assert (
        manifest["files"]["certificates"]["certificates/2026/11/C-1.pdf"]["sha256"] == hashlib.sha256(pdf).hexdigest()
    )
    assert manifest["files"]["media"]["original_images/lesson.png"]["size"] == len(picture)
    keys = {item["Key"] for item in object_storage.list_objects_v2(Bucket="private", Prefix="backups/")["Contents"]}
    assert "backups/2026-12-07/manifest.json" in keys
    run = manifest["run"]  # each run writes under a prefix of its own, named by the manifest
    assert f"backups/2026-12-07/runs/{run}/files/certificates/certificates/2026/11/C-1.pdf" in keys
    with pytest.raises(backup.BackupError, match="already holds a backup named 2026-12-07"):
        backup.backup_to_storage("2026-12-07")

    # Read back from the backups storage on another machine, checked, into the site's new buckets.
    backup.backup_fetch("2026-12-07", tmp_path / "fetched")
    fetched = backup.read_manifest(tmp_path / "fetched")
    _buckets(settings, "media-restored", "private-restored")
    settings.STORAGES["backups"] = _s3("private", "backups")
    assert backup._files_conflicts(fetched) == []
    assert backup._files_restore(tmp_path / "fetched", fetched) == 2
    restored = object_storage.get_object(Bucket="private-restored", Key="certificates/certificates/2026/11/C-1.pdf")
    assert restored["Body"].read() == pdf
    assert (
        object_storage.get_object(Bucket="media-restored", Key="original_images/lesson.png")["Body"].read() == picture
    )

    # A different file already in the way is named, bucket and key.
    storages["default"].delete("original_images/lesson.png")
    storages["default"].save("original_images/lesson.png", ContentFile(b"another picture"))
    assert backup._files_conflicts(fetched) == ["media-restored/original_images/lesson.png"]
    with pytest.raises(backup.BackupError, match="no finished backup named 2026-12-08"):
        backup.restore_from_storage("2026-12-08")
