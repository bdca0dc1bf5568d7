"""The production-profile fixtures (real PostgreSQL and Redis) for this package's production tests."""

from tests.production.conftest import (  # noqa: F401
    empty_database,
    migrated_database,
    production_services,
    scratch_database,
)
