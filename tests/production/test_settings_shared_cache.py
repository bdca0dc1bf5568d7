"""Files in object storage mean several nodes sharing one cache: start-up stops without REDIS_URL."""

import pytest

from tests.production.object_store import s3_env
from tests.production.processes import manage, production_env

pytestmark = pytest.mark.production


def test_it_refuses_object_storage_without_a_shared_cache(tmp_path):
    env = production_env(var_dir=tmp_path, **s3_env("http://127.0.0.1:1"))
    del env["REDIS_URL"]

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "REDIS_URL must be set when S3_ENDPOINT_URL is" in result.stderr


def test_it_starts_with_object_storage_and_a_shared_cache(tmp_path):
    result = manage("check", env=production_env(var_dir=tmp_path, **s3_env("http://127.0.0.1:1")))

    assert result.returncode == 0, result.stderr
