"""Fixtures for the production-profile tests: a real PostgreSQL database and Redis.

Outside CI a machine without the services skips these tests; in CI (``CI=true``) their absence
is a failure, because there the production profile must be proven, not assumed.
"""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
import redis
from psycopg import sql

from tests.production.processes import POSTGRES_ADMIN_URL, REDIS_HOST_URL, manage, output_of, production_env


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
        pytest.fail(f"CI=true but {reason}; the production-profile tests need it.", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def production_services() -> None:
    """PostgreSQL and Redis answer on their loopback ports."""
    try:
        psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3).close()
    except psycopg.Error as exc:
        _unavailable(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({exc})")
    try:
        redis.Redis.from_url(REDIS_HOST_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis is not reachable at {REDIS_HOST_URL} ({exc})")


@contextmanager
def new_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database with a unique name, dropped on leaving."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            # FORCE: a server stopped by a failing test may have left a connection behind.
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def scratch_database(production_services: None) -> Iterator[str]:
    """A new, empty PostgreSQL database shared by the run's tests (``migrated_database`` migrates it)."""
    with new_database("mps_production_test") as url:
        yield url


@pytest.fixture
def empty_database(production_services: None) -> Iterator[str]:
    """A new PostgreSQL database of the test's own, empty whatever other tests did."""
    with new_database("mps_empty_test") as url:
        yield url


@pytest.fixture(scope="session")
def migrated_database(scratch_database: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The scratch database after ``manage.py migrate`` run as in production (one run per session)."""
    env = production_env(var_dir=tmp_path_factory.mktemp("migrate-var"), database_url=scratch_database)
    result = manage("migrate", "--noinput", env=env)
    if result.returncode != 0:
        pytest.fail(f"manage.py migrate failed on a fresh PostgreSQL database:\n{output_of(result)}", pytrace=False)
    return scratch_database
