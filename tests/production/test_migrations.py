"""Every migration applies to a fresh PostgreSQL database, and the models match them."""

import pytest

from tests.production.processes import manage, output_of, production_env

pytestmark = pytest.mark.production


def test_every_migration_applies_to_a_fresh_postgresql_database(migrated_database, tmp_path):
    # migrated_database ran `manage.py migrate` on a new database and failed the run if it did not succeed.
    missing = manage(
        "makemigrations", "--check", "--dry-run", env=production_env(var_dir=tmp_path, database_url=migrated_database)
    )

    assert missing.returncode == 0, output_of(missing)
