"""Uploads in object storage: a node reads an upload through a copy of its own, and keeps none once
it has read it, nor once another node deleted the stored file (they hold personal data)."""

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from moto import mock_aws

from imports import storage
from imports.columns import PEOPLE
from imports.services import import_job_check
from lms.roles import ADMINISTRATOR
from tests.imports.helpers import csv_bytes
from tests.imports.test_views import user_with


@pytest.fixture
def imports_bucket(settings, tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "COPIES_DIR", tmp_path / "copies")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="private")
        settings.STORAGES = {
            **settings.STORAGES,
            "imports": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {"bucket_name": "private", "location": "imports", "access_key": "k", "secret_key": "s"},
            },
        }
        yield client


def test_a_copy_is_not_used_once_another_node_deleted_the_stored_file(imports_bucket):
    storage.stored_file_save("upload-1.csv", ContentFile(b"service_number\n1\n"))
    copy = storage.local_copy("upload-1.csv")
    assert copy.read_bytes() == b"service_number\n1\n"

    imports_bucket.delete_object(Bucket="private", Key="imports/upload-1.csv")  # by another node

    assert not storage.local_copy("upload-1.csv").exists()
    assert not copy.exists()  # this node's copy of the personal data is gone too


def test_fetching_a_copy_deletes_the_copies_of_files_no_longer_stored(imports_bucket):
    storage.stored_file_save("upload-1.csv", ContentFile(b"one"))
    storage.stored_file_save("upload-2.csv", ContentFile(b"two"))
    first = storage.local_copy("upload-1.csv")
    imports_bucket.delete_object(Bucket="private", Key="imports/upload-1.csv")  # imported elsewhere

    storage.local_copy("upload-2.csv")

    assert not first.exists()


@pytest.mark.django_db
def test_a_dry_run_keeps_no_copy_on_its_node(imports_bucket, django_user_model, tmp_path):
    admin = user_with(django_user_model, "admin", ADMINISTRATOR)
    rows = [["100001", "أحمد علي", "", "M", "", "", "", "Baghdad"]]
    upload = SimpleUploadedFile("roster.csv", csv_bytes([c.name for c in PEOPLE], rows), content_type="text/csv")

    job = import_job_check(owner=admin, kind="people", uploaded=upload, scope_centre=None)

    assert job.stored_name and storage.import_storage().exists(job.stored_name)  # kept for the import
    assert list((tmp_path / "copies").glob("*")) == []
