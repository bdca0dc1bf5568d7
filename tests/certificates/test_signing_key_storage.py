"""With the certificates storage in object storage and no key configured, the signing key is
generated once into the private bucket and every node (process) signs with that same key: two
nodes that both found no key end up signing with the stored one, and a node whose generation lock
lapsed never releases the lock another node took."""

import boto3
import pytest
from django.core.cache import cache
from moto import mock_aws

from certificates import credentials

LOCK = "certificates:signing-key:generating"


@pytest.fixture
def private_bucket(settings, tmp_path):
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="private")
        settings.STORAGES = {
            **settings.STORAGES,
            "certificates": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {"bucket_name": "private", "location": "certificates", "access_key": "k", "secret_key": "s"},
            },
        }
        settings.CERTIFICATE_SIGNING_KEY = ""
        settings.CERTIFICATE_SIGNING_KEY_FILE = ""
        settings.VAR_DIR = tmp_path / "node-a"
        cache.clear()
        credentials._load_key.cache_clear()
        credentials._shared_key_pem.cache_clear()
        yield client
        cache.clear()
        credentials._load_key.cache_clear()
        credentials._shared_key_pem.cache_clear()


def test_every_node_signs_with_the_key_generated_once_into_the_private_bucket(private_bucket, settings, tmp_path):
    first = credentials.signing_key().as_dict(private=False)
    stored = private_bucket.get_object(Bucket="private", Key=f"certificates/{credentials.STORED_KEY_NAME}")
    assert b"PRIVATE KEY" in stored["Body"].read()
    assert not (tmp_path / "node-a" / credentials.KEY_FILE_NAME).exists()  # nothing on the node's disk

    # Another node: an empty folder of its own, nothing cached.
    settings.VAR_DIR = tmp_path / "node-b"
    credentials._load_key.cache_clear()
    credentials._shared_key_pem.cache_clear()
    assert credentials.signing_key().as_dict(private=False) == first
    assert private_bucket.list_objects_v2(Bucket="private", Prefix="certificates/keys/")["KeyCount"] == 1


def _another_node(settings, tmp_path) -> None:
    settings.VAR_DIR = tmp_path / "node-b"
    cache.clear()  # its lock lapsed: nothing keeps it from generating too
    credentials._load_key.cache_clear()
    credentials._shared_key_pem.cache_clear()


def test_a_node_that_missed_the_stored_key_still_signs_with_it(private_bucket, settings, tmp_path, monkeypatch):
    first = credentials.signing_key().as_dict(private=False)

    _another_node(settings, tmp_path)
    storage_class = type(credentials.private_storage())
    real_exists = storage_class.exists
    asked = []

    def exists_missed_twice(self, name):  # both of its looks came just before the first node's write
        asked.append(name)
        return False if len(asked) <= 2 else real_exists(self, name)

    monkeypatch.setattr(storage_class, "exists", exists_missed_twice)
    assert credentials.signing_key().as_dict(private=False) == first
    stored = private_bucket.get_object(Bucket="private", Key=f"certificates/{credentials.STORED_KEY_NAME}")
    assert stored["Body"].read().decode() == credentials._shared_key_pem()


def test_a_lapsed_lock_taken_by_another_node_is_left_to_it(private_bucket, monkeypatch):
    real_generate = credentials.OKPKey.generate_key

    def slow_generation(*args, **kwargs):  # this node's lock lapses and another node takes it
        cache.set(LOCK, "another node's token", timeout=30)
        return real_generate(*args, **kwargs)

    monkeypatch.setattr(credentials.OKPKey, "generate_key", slow_generation)
    credentials.signing_key()
    assert cache.get(LOCK) == "another node's token"
