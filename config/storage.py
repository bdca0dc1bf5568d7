"""Where files live: local folders (the embedded default) or an S3-compatible object store.

Every file the records refer to goes through Django's storage API under one of four names:

- ``default``: Wagtail images and documents (lesson pictures, videos, handouts). Public.
- ``certificates``: certificate PDFs, batch ZIPs and audit report PDFs. Private: read only by the
  views that check permission (which stream them); any URL the storage gives is signed and lasts
  ``SIGNED_URL_SECONDS``.
- ``imports``: uploaded spreadsheets between their dry run and the import. Private; deleted when
  the job finishes, or after ``IMPORT_ABANDONED_AFTER_HOURS`` by the hourly sweep.
- ``backups``: ``manage.py backup --to-storage`` and the nightly backup. Private.

With ``S3_ENDPOINT_URL`` set (MinIO, Ceph, AWS alike) they are objects in two buckets:
``S3_MEDIA_BUCKET`` (readable by anyone: its objects' addresses go into pages) and
``S3_PRIVATE_BUCKET`` (readable only with the keys), under the prefixes ``certificates/``,
``imports/`` and ``backups/``. Then no web or worker node keeps a file that another node needs.
Without it each is a folder (``MEDIA_ROOT``, ``CERTIFICATE_ROOT``, ``IMPORTS_DIR``,
``BACKUP_DIR``), read from the settings when used, so a test that changes one is followed.
"""

from functools import cached_property
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, Storage
from django.http import FileResponse

from config.env import env_int, env_str

# A signed address of a private object is good for this long (a download starts within it).
SIGNED_URL_SECONDS = 60
FILE_STORAGE = "config.storage.SettingFolderStorage"
S3_STORAGE = "storages.backends.s3.S3Storage"


class SettingFolderStorage(FileSystemStorage):
    """A folder named by a setting (``IMPORTS_DIR``…), read when used rather than at start-up."""

    def __init__(self, setting: str = "", **kwargs):
        self.setting = setting
        super().__init__(**kwargs)

    @cached_property
    def base_location(self):
        if self._location is not None or not self.setting:
            return super().base_location
        return str(getattr(settings, self.setting))

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == self.setting:
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)


def _required(name: str) -> str:
    value = env_str(name)
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when S3_ENDPOINT_URL is (files live in object storage).")
    return value


def _s3_options(*, bucket: str, location: str, public: bool) -> dict:
    from botocore.config import Config

    options = {
        "endpoint_url": env_str("S3_ENDPOINT_URL"),
        "access_key": _required("S3_ACCESS_KEY_ID"),
        "secret_key": _required("S3_SECRET_ACCESS_KEY"),
        "region_name": env_str("S3_REGION", "us-east-1"),
        "bucket_name": bucket,
        "location": location,
        "addressing_style": env_str("S3_ADDRESSING_STYLE", "path"),
        "file_overwrite": False,  # names carry a random part; a second save never replaces a file
        "default_acl": None,  # access is the bucket's policy, not each object's
        # A store that does not answer fails a request in seconds, not minutes (and /health/ready says so).
        "client_config": Config(
            connect_timeout=env_int("S3_CONNECT_TIMEOUT", 5),
            read_timeout=env_int("S3_READ_TIMEOUT", 60),
            retries={"max_attempts": 3, "mode": "standard"},
        ),
    }
    if public:
        options["querystring_auth"] = False
        media_url = env_str("S3_MEDIA_URL")
        if media_url:  # a CDN or proxy in front of the media bucket
            parts = urlsplit(media_url.rstrip("/"))
            options["custom_domain"] = parts.netloc + parts.path
            options["url_protocol"] = f"{parts.scheme}:"
    else:
        options["querystring_auth"] = True
        options["querystring_expire"] = SIGNED_URL_SECONDS
    return options


def object_storage() -> bool:
    """Whether the environment puts files in an S3-compatible object store."""
    return bool(env_str("S3_ENDPOINT_URL"))


def file_storages() -> dict[str, dict]:
    """The ``STORAGES`` entries of the records' files (everything but static files)."""
    if not object_storage():
        return {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "certificates": {"BACKEND": FILE_STORAGE, "OPTIONS": {"setting": "CERTIFICATE_ROOT"}},
            "imports": {"BACKEND": FILE_STORAGE, "OPTIONS": {"setting": "IMPORTS_DIR"}},
            "backups": {"BACKEND": FILE_STORAGE, "OPTIONS": {"setting": "BACKUP_STORAGE_DIR"}},
        }
    media, private = _required("S3_MEDIA_BUCKET"), _required("S3_PRIVATE_BUCKET")
    return {
        "default": {"BACKEND": S3_STORAGE, "OPTIONS": _s3_options(bucket=media, location="", public=True)},
        **{
            name: {"BACKEND": S3_STORAGE, "OPTIONS": _s3_options(bucket=private, location=name, public=False)}
            for name in ("certificates", "imports", "backups")
        },
    }


def media_origin() -> str | None:
    """The origin pages load media from when it is not the site's own (for the CSP)."""
    if not object_storage():
        return None
    parts = urlsplit(env_str("S3_MEDIA_URL") or env_str("S3_ENDPOINT_URL"))
    return f"{parts.scheme}://{parts.netloc}"


# --- Reading stored files ----------------------------------------------------------------------


def stored_file_response(storage: Storage, name: str, *, filename: str, content_type: str) -> FileResponse:
    """A download of a stored file, streamed in blocks (an object is not copied whole first).

    Raises FileNotFoundError when the file is not there.
    """
    bucket = getattr(storage, "bucket", None)
    if bucket is None:
        handle = storage.open(name, "rb")
        length = None
    else:
        from botocore.exceptions import ClientError

        try:
            stored = bucket.Object(storage._normalize_name(name)).get()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                raise FileNotFoundError(name) from exc
            raise
        handle, length = stored["Body"], stored["ContentLength"]
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    if length is not None:
        response["Content-Length"] = str(length)
    return response
