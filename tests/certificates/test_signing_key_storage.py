"""With the certificates storage in object storage and no key configured, the signing key is
generated once into the private bucket and every node (process) signs with that same key."""

import boto3
import pytest
from moto import mock_aws

from certificates import credentials


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
        credentials._load_key.cache_clear()
        credentials._shared_key_pem.cache_clear()
        yield client
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
