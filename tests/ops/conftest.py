"""The production-profile fixtures (real PostgreSQL and Redis) for this package's production tests."""

from tests.production.conftest import migrated_database, production_services, scratch_database  # noqa: F401
