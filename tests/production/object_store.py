"""A local S3-API server (moto's) for the tests of the multi-node profile, and the variables that
point the production profile at it (``S3_*``, as in .env.example)."""

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3

from tests.production.processes import free_port, start, stop, wait_until_listening

MEDIA_BUCKET = "mps-media"
PRIVATE_BUCKET = "mps-private"
ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"  # noqa: S105 - moto's server accepts any key


def s3_env(endpoint: str) -> dict[str, str]:
    return {
        "S3_ENDPOINT_URL": endpoint,
        "S3_ACCESS_KEY_ID": ACCESS_KEY,
        "S3_SECRET_ACCESS_KEY": SECRET_KEY,
        "S3_MEDIA_BUCKET": MEDIA_BUCKET,
        "S3_PRIVATE_BUCKET": PRIVATE_BUCKET,
    }


def public_read_policy(bucket: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}
        ],
    }


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
    )


@contextmanager
def s3_server(folder: Path, *, port: int | None = None) -> Iterator[str]:
    """moto's S3 server on a free loopback port with the two buckets made; yields its address.
    Everything it holds lives in its memory and goes when it stops."""
    port = port or free_port()
    log = folder / f"moto-{port}.log"
    argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    server = start(argv, env={"PATH": os.environ.get("PATH", "")}, log=log)
    try:
        wait_until_listening(port, server, log)
        endpoint = f"http://127.0.0.1:{port}"
        client = s3_client(endpoint)
        for bucket in (MEDIA_BUCKET, PRIVATE_BUCKET):
            client.create_bucket(Bucket=bucket)
        # As the README asks of the operator: anyone may read the media bucket's objects, nobody the
        # private bucket's without the keys.
        client.put_bucket_policy(Bucket=MEDIA_BUCKET, Policy=json.dumps(public_read_policy(MEDIA_BUCKET)))
        yield endpoint
    finally:
        stop(server)
