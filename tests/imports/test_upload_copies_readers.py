"""Every step that reads a kept upload in object storage deletes this node's copy when it is done:
the places step, the column matching (also when the check goes on in the background), and the
hourly sweep deletes a copy a dead process left behind."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from imports import mapping, places, storage, tasks
from imports.columns import PEOPLE
from imports.models import JobStatus
from imports.services import import_job_check
from lms.roles import ADMINISTRATOR
from tests.factories import governorate
from tests.imports.helpers import csv_bytes
from tests.imports.test_mapping import MAPPING, OWN_HEADERS, OWN_ROWS
from tests.imports.test_places_views import ROWS
from tests.imports.test_upload_copies import imports_bucket  # noqa: F401  (the imports storage in a bucket)
from tests.imports.test_views import user_with

pytestmark = pytest.mark.django_db


def _copies(tmp_path) -> list:
    return list((tmp_path / "copies").glob("*"))


def _checked(owner, headers, rows):
    upload = SimpleUploadedFile("roster.csv", csv_bytes(headers, rows), content_type="text/csv")
    return import_job_check(owner=owner, kind="people", uploaded=upload, scope_centre=None)


def test_the_places_step_keeps_no_copy_on_its_node(imports_bucket, django_user_model, tmp_path):  # noqa: F811
    governorate("BG")
    admin = user_with(django_user_model, "admin", ADMINISTRATOR)
    job = _checked(admin, [c.name for c in PEOPLE], ROWS)
    assert job.missing_places and _copies(tmp_path) == []

    job = places.import_job_places_accept(job=job, user=admin)

    assert job.create_places and storage.import_storage().exists(job.stored_name)
    assert _copies(tmp_path) == []


def test_the_column_step_keeps_no_copy_when_the_check_goes_on_in_the_background(
    imports_bucket,  # noqa: F811
    django_user_model,
    settings,
    tmp_path,
):
    admin = user_with(django_user_model, "admin", ADMINISTRATOR)
    job = _checked(admin, OWN_HEADERS, OWN_ROWS)
    assert job.status == JobStatus.COLUMNS
    settings.IMPORT_CHECK_IN_REQUEST_BYTES = 0  # every file is checked by a worker

    job = mapping.import_job_columns_map(job=job, fields=MAPPING, user=admin)

    assert job.status == JobStatus.CHECKING
    assert _copies(tmp_path) == []


def test_the_hourly_sweep_deletes_a_copy_whose_upload_is_gone(imports_bucket, tmp_path):  # noqa: F811
    storage.stored_file_save("upload-1.csv", ContentFile(b"service_number\n1\n"))
    copy = storage.local_copy("upload-1.csv")  # read by a process that died before it was done
    imports_bucket.delete_object(Bucket="private", Key="imports/upload-1.csv")  # imported elsewhere

    tasks.import_files_cleanup()

    assert not copy.exists()


def test_a_read_deletes_its_copy_however_it_ends(imports_bucket, tmp_path):  # noqa: F811
    storage.stored_file_save("upload-2.csv", ContentFile(b"service_number\n2\n"))
    with pytest.raises(ValueError, match="unreadable"), storage.upload_read("upload-2.csv") as path:
        assert path.read_bytes() == b"service_number\n2\n"
        raise ValueError("unreadable")
    assert _copies(tmp_path) == []
