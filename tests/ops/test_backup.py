"""Backups: a manifest of row counts, restores only into an empty database, damage detected;
on PostgreSQL a full round trip into a scratch database, checked table by table."""

import json
import sys
import uuid

import psycopg
import pytest
from psycopg import sql

from ops import backup
from tests.factories import PersonFactory
from tests.production.processes import POSTGRES_ADMIN_URL, ROOT, manage, output_of, production_env

# --- any database (the test database: SQLite) --------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_manifest_counts_every_table_of_the_copy(tmp_path):
    PersonFactory.create_batch(3)
    manifest = backup.backup(tmp_path / "b")
    assert manifest["tables"] == backup.table_counts()
    assert manifest["tables"]["lms_person"] == 3
    assert json.loads((tmp_path / "b" / "manifest.json").read_text())["sha256"] == manifest["sha256"]


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_or_a_used_directory_is_refused(tmp_path):
    backup.backup(tmp_path / "b")
    with pytest.raises(backup.BackupError, match="already holds a backup"):
        backup.backup(tmp_path / "b")
    with (tmp_path / "b" / backup.SQLITE_COPY).open("ab") as handle:
        handle.write(b"x")
    with pytest.raises(backup.BackupError, match="damaged"):
        backup.read_manifest(tmp_path / "b")


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    backup.backup(tmp_path / "b")
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(tmp_path / "b")


# --- PostgreSQL round trip (production profile) ---------------------------------------------


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).fetchall()
        ]
        return {
            table: connection.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
            for table in tables
        }


def _python(script: str, *args: str, env: dict[str, str]):
    import subprocess

    return subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, script, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture
def empty_database(production_services):
    name = f"mps_restore_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.mark.production
def test_a_postgresql_backup_restores_into_an_empty_database_with_every_row(
    migrated_database, empty_database, tmp_path
):
    source_env = production_env(var_dir=tmp_path, database_url=migrated_database, PYTHONPATH=str(ROOT))
    seeded = _python("tests/ops/seed_for_backup.py", env=source_env)
    assert seeded.returncode == 0, output_of(seeded)
    code = seeded.stdout.strip().splitlines()[-1]

    out = tmp_path / "backup"
    made = manage("backup", str(out), env=source_env)
    assert made.returncode == 0, output_of(made)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["engine"] == "postgresql"
    assert (out / "database.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert manifest["tables"] == _counts(migrated_database)

    target_env = production_env(var_dir=tmp_path, database_url=empty_database, PYTHONPATH=str(ROOT))
    restored = manage("restore", str(out), env=target_env)
    assert restored.returncode == 0, output_of(restored)
    assert _counts(empty_database) == _counts(migrated_database)
    assert _counts(empty_database)["certificates_certificate"] >= 1

    # The page is rendered without collectstatic (no hashed-file manifest in this test).
    verified = _python("tests/ops/check_restored_certificate.py", code, env={**target_env, "STATIC_MANIFEST": "0"})
    assert verified.returncode == 0, output_of(verified)
    assert verified.stdout.split() == ["200", "valid", "shown"]

    again = manage("restore", str(out), env=target_env)
    assert again.returncode != 0
    assert "not empty" in again.stderr
