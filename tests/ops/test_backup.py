"""Backups: a manifest of row counts, restores only into an empty database, damage detected;
on PostgreSQL a full round trip into a scratch database, checked table by table."""

import hashlib
import json
import sys

import psycopg
import pytest
from psycopg import sql

from ops import backup
from tests.factories import PersonFactory
from tests.production.processes import ROOT, manage, output_of, production_env

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


@pytest.fixture
def file_roots(tmp_path, settings):
    """Certificate and media roots of their own, holding one stored PDF and one upload."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "certificates": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    pdf = tmp_path / "private" / "certificates" / "2026" / "11" / "C-1.pdf"
    upload = tmp_path / "media" / "documents" / "roster.xlsx"
    for path, content in ((pdf, b"%PDF-1.7 certificate"), (upload, b"roster bytes")):
        path.parent.mkdir(parents=True)
        path.write_bytes(content)
    return settings


def _move_roots(settings, tmp_path, name):
    settings.MEDIA_ROOT = str(tmp_path / name / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "certificates": {
            **settings.STORAGES["certificates"],
            "OPTIONS": {"location": str(tmp_path / name / "private")},
        },
    }


@pytest.mark.django_db(transaction=True)
def test_the_backup_holds_the_certificate_pdfs_and_media_with_their_checksums(tmp_path, file_roots):
    manifest = backup.backup(tmp_path / "b")
    pdf = manifest["files"]["certificates"]["certificates/2026/11/C-1.pdf"]
    assert pdf == {"size": 20, "sha256": hashlib.sha256(b"%PDF-1.7 certificate").hexdigest()}
    assert manifest["files"]["media"]["documents/roster.xlsx"]["sha256"] == hashlib.sha256(b"roster bytes").hexdigest()
    assert manifest["total_files"] == 2
    copy = tmp_path / "b" / "files" / "certificates" / "certificates/2026/11/C-1.pdf"
    assert copy.read_bytes() == b"%PDF-1.7 certificate"

    # Restore puts them back under the configured (here: new, empty) roots, byte for byte.
    _move_roots(file_roots, tmp_path, "elsewhere")
    assert backup._files_conflicts(backup.read_manifest(tmp_path / "b")) == []
    assert backup._files_restore(tmp_path / "b", manifest) == 2
    restored = tmp_path / "elsewhere" / "private" / "certificates" / "2026" / "11" / "C-1.pdf"
    assert restored.read_bytes() == b"%PDF-1.7 certificate"
    assert (tmp_path / "elsewhere" / "media" / "documents" / "roster.xlsx").read_bytes() == b"roster bytes"


@pytest.mark.django_db(transaction=True)
def test_a_damaged_file_or_a_different_file_in_the_way_is_refused(tmp_path, file_roots):
    manifest = backup.backup(tmp_path / "b")
    _move_roots(file_roots, tmp_path, "elsewhere")
    in_the_way = tmp_path / "elsewhere" / "media" / "documents" / "roster.xlsx"
    in_the_way.parent.mkdir(parents=True)
    in_the_way.write_bytes(b"another roster")
    assert backup._files_conflicts(manifest) == [str(in_the_way)]

    (tmp_path / "b" / "files" / "certificates" / "certificates/2026/11/C-1.pdf").write_bytes(b"%PDF-1.7 forged")
    with pytest.raises(backup.BackupError, match=r"certificates/certificates/2026/11/C-1.pdf.*damaged"):
        backup.read_manifest(tmp_path / "b")


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


@pytest.mark.production
def test_a_postgresql_backup_restores_into_an_empty_database_with_every_row(
    migrated_database, empty_database, tmp_path
):
    source_env = production_env(var_dir=tmp_path, database_url=migrated_database, PYTHONPATH=str(ROOT))
    seeded = _python("tests/ops/seed_for_backup.py", env=source_env)
    assert seeded.returncode == 0, output_of(seeded)
    code, pdf_sha256 = seeded.stdout.strip().splitlines()[-1].split()

    out = tmp_path / "backup"
    made = manage("backup", str(out), env=source_env)
    assert made.returncode == 0, output_of(made)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["engine"] == "postgresql"
    assert (out / "database.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert manifest["tables"] == _counts(migrated_database)
    pdfs = manifest["files"]["certificates"]
    assert [entry["sha256"] for entry in pdfs.values()] == [pdf_sha256]
    assert len(manifest["files"]["media"]) == 1

    # The restored site has its own (empty) certificate and media directories.
    target_env = production_env(var_dir=tmp_path / "restored", database_url=empty_database, PYTHONPATH=str(ROOT))
    restored = manage("restore", str(out), env=target_env)
    assert restored.returncode == 0, output_of(restored)
    # Every table comes back row for row, but for the notes of sessions whose figures are still to
    # be counted: a restore notes every session for a recount of the derived figures.
    restored_counts, source_counts = _counts(empty_database), _counts(migrated_database)
    assert restored_counts.pop("audit_pendingsession") >= source_counts.pop("audit_pendingsession")
    assert restored_counts == source_counts
    assert restored_counts["certificates_certificate"] >= 1

    # The page is rendered without collectstatic (no hashed-file manifest in this test).
    verified = _python("tests/ops/check_restored_certificate.py", code, env={**target_env, "STATIC_MANIFEST": "0"})
    assert verified.returncode == 0, output_of(verified)
    assert verified.stdout.split() == ["200", "valid", "shown", pdf_sha256]
    (restored_pdf,) = (tmp_path / "restored" / "private").rglob("*.pdf")
    assert hashlib.sha256(restored_pdf.read_bytes()).hexdigest() == pdf_sha256
    (restored_upload,) = (tmp_path / "restored" / "media").rglob("*.txt")
    assert restored_upload.read_bytes() == "قائمة الحضور".encode()

    # The restored figures: marked not yet counted until the rebuild the restore queued has run, then
    # equal to a recount of the restored records in every exported table.
    figures_env = {**target_env, "STATIC_MANIFEST": "0", "AUDIT_SMALL_GROUP_THRESHOLD": "0"}
    checked = _python("tests/ops/check_restored_figures.py", env={**figures_env, "AUDIT_MENTORING_MIN_SCORED": "1"})
    assert checked.returncode == 0, output_of(checked)
    before, after, equal = checked.stdout.split()[-3:]
    assert int(before) > 0 and int(after) == 0 and equal == "equal", checked.stdout

    again = manage("restore", str(out), env=target_env)
    assert again.returncode != 0
    assert "not empty" in again.stderr
