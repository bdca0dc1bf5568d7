"""Consistent backups with a manifest of row counts, and restores that check them.

A backup is a directory holding the database copy and ``manifest.json``:

- PostgreSQL: ``pg_dump -Fc`` run on a snapshot exported by this process
  (``pg_export_snapshot``), inside the same repeatable-read transaction that counts every table's
  rows, so the manifest describes exactly the rows in the dump even while the site is in use.
- SQLite: the online backup API (``sqlite3.Connection.backup``), then the rows are counted in the
  copy, which nothing else writes.

The files that belong to the records are part of the backup too: the stored certificate PDFs
(the ``certificates`` storage) and uploaded media (the ``default`` storage), read through the
storage API from local folders or object storage alike (``config.storage``), are copied under
``files/<certificates|media>/`` with each file's size and SHA-256 in the manifest. They are
copied *after* the database snapshot: a PDF is stored before its row names it and is never
replaced, so every file the snapshot refers to is already stored (files written meanwhile come
along unreferenced, which is harmless).

A backup is written into a local directory, or (``backup_to_storage``) into the ``backups``
storage under a name of its own: each run under a prefix of its own, then the manifest naming that
run, so two runs of one name never spoil each other's files; ``restore_from_storage`` reads one back.

``restore`` loads a backup into an *empty* database (it refuses one that has tables), then counts
every table again and fails, naming the tables, if any count differs from the manifest. It puts
the files back under the configured roots, refusing beforehand if one of them already holds a
different file of the same name, and checks every restored file's SHA-256.
"""

import hashlib
import json
import logging
import os
import posixpath
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.core.cache import cache
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import DEFAULT_DB_ALIAS, connections

from cascade.signals import sessions_note

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
POSTGRES_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
FILES_DIR = "files"


class BackupError(Exception):
    pass


@dataclass
class RestoreReport:
    tables: int
    rows: int
    files: int = 0


def file_roots() -> dict[str, Storage]:
    """The storages whose files are part of the records, by the name used in the backup."""
    return {"certificates": storages["certificates"], "media": storages["default"]}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stored_sha256(storage: Storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _where(storage: Storage, name: str) -> str:
    """A stored file's place, for messages: its path on local disk, else bucket and key."""
    try:
        return storage.path(name)
    except NotImplementedError:
        return f"{storage.bucket_name}/{storage._normalize_name(name)}"


def stored_names(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file under ``folder`` of ``storage``, as names relative to its root (symbolic links
    of a local folder are not followed)."""
    try:
        directories, names = storage.listdir(folder)
    except FileNotFoundError:  # a local folder never made: nothing stored yet
        return
    for name in sorted(names):
        relative = posixpath.join(folder, name) if folder else name
        try:
            if os.path.islink(storage.path(relative)):
                continue
        except NotImplementedError:
            pass
        yield relative
    for directory in sorted(directories):
        yield from stored_names(storage, posixpath.join(folder, directory) if folder else directory)


def _copy_hashing(storage: Storage, name: str, target: Path) -> tuple[int, str]:
    """Copy a stored file to ``target`` (creating its directory): (bytes copied, their SHA-256)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with storage.open(name, "rb") as reader, target.open("wb") as writer:
        for block in iter(lambda: reader.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
            writer.write(block)
    return size, digest.hexdigest()


def _files_backup(out_dir: Path) -> dict[str, dict[str, dict]]:
    """Copy every file of each of ``file_roots()`` into ``out_dir/files/<root>/``."""
    listed: dict[str, dict[str, dict]] = {}
    for root_name, storage in file_roots().items():
        entries: dict[str, dict] = {}
        for relative in stored_names(storage):
            size, digest = _copy_hashing(storage, relative, out_dir / FILES_DIR / root_name / relative)
            entries[relative] = {"size": size, "sha256": digest}
        listed[root_name] = dict(sorted(entries.items()))
    return listed


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _engine(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in {"postgresql", "sqlite"}:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    return vendor


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return path


def _pg_env_and_args(alias: str) -> tuple[dict[str, str], list[str]]:
    settings_dict = connections[alias].settings_dict
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            args += [flag, str(settings_dict[key])]
    args += ["--dbname", settings_dict["NAME"]]
    return env, args


def _pg_tables(cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    return [row[0] for row in cursor.fetchall()]


def _sqlite_tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    return [row[0] for row in rows]


def table_counts(alias: str = "default") -> dict[str, int]:
    """Rows per table of the live database (used to compare a restored copy with its manifest)."""
    with connections[alias].cursor() as cursor:
        if _engine(alias) == "postgresql":
            tables = _pg_tables(cursor)
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
            tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {_quote(table)}")  # noqa: S608 - names from the catalogue
            counts[table] = cursor.fetchone()[0]
        return counts


def backup(out_dir: Path, alias: str = "default") -> dict:
    """Write a consistent backup of database ``alias`` into ``out_dir``; return its manifest."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if (out_dir / MANIFEST).exists():
        raise BackupError(f"{out_dir} already holds a backup; choose an empty directory.")
    engine = _engine(alias)
    if engine == "postgresql":
        filename, counts = _backup_postgresql(out_dir / POSTGRES_DUMP, alias)
    else:
        filename, counts = _backup_sqlite(out_dir / SQLITE_COPY, alias)
    files = _files_backup(out_dir)  # after the snapshot: see the module docstring
    manifest = {
        "format": 2,
        "engine": engine,
        "created_at": datetime.now(UTC).isoformat(),
        "file": filename,
        "sha256": _sha256(out_dir / filename),
        "tables": counts,
        "total_rows": sum(counts.values()),
        "files": files,
        "total_files": sum(len(entries) for entries in files.values()),
    }
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


def _backup_postgresql(target: Path, alias: str) -> tuple[str, dict[str, int]]:
    env, args = _pg_env_and_args(alias)
    connection = connections[alias]
    connection.ensure_connection()
    raw = connection.connection
    # A separate transaction on Django's connection, held open while pg_dump reads its snapshot.
    previous_autocommit = raw.autocommit
    raw.autocommit = False
    try:
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = {}
            for table in _pg_tables(cursor):
                cursor.execute(f"SELECT count(*) FROM {_quote(table)}")  # noqa: S608 - names from the catalogue
                counts[table] = cursor.fetchone()[0]
            result = subprocess.run(  # noqa: S603 - fixed argv, no shell
                [_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", "--file", str(target), *args],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
        raw.rollback()
    finally:
        raw.autocommit = previous_autocommit
    if result.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed (exit {result.returncode}): {result.stderr.strip()}")
    return target.name, counts


def _backup_sqlite(target: Path, alias: str) -> tuple[str, dict[str, int]]:
    source_path = connections[alias].settings_dict["NAME"]
    if str(source_path) == ":memory:" or "mode=memory" in str(source_path):
        # In-memory database (tests): copy through Django's own connection.
        connections[alias].ensure_connection()
        source = connections[alias].connection
        close_source = False
    else:
        source = sqlite3.connect(str(source_path))
        close_source = True
    destination = sqlite3.connect(str(target))
    try:
        source.backup(destination)
        counts = {
            table: destination.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0]  # noqa: S608
            for table in _sqlite_tables(destination)
        }
    finally:
        destination.close()
        if close_source:
            source.close()
    return target.name, counts


def read_manifest(backup_dir: Path) -> dict:
    path = Path(backup_dir) / MANIFEST
    if not path.exists():
        raise BackupError(f"No {MANIFEST} in {backup_dir}: not a backup directory.")
    manifest = json.loads(path.read_text())
    data = Path(backup_dir) / manifest["file"]
    if not data.exists():
        raise BackupError(f"The backup file {data} named in the manifest is missing.")
    if _sha256(data) != manifest["sha256"]:
        raise BackupError(f"{data} does not match the manifest's SHA-256: the backup is damaged.")
    damaged = []
    for root_name, entries in manifest.get("files", {}).items():
        for relative, entry in entries.items():
            copy = Path(backup_dir) / FILES_DIR / root_name / relative
            if not copy.is_file() or _sha256(copy) != entry["sha256"]:
                damaged.append(f"{root_name}/{relative}")
    if damaged:
        raise BackupError(
            f"{len(damaged)} file(s) of the backup are missing or do not match the manifest's SHA-256 "
            f"(e.g. {damaged[0]}): the backup is damaged."
        )
    return manifest


def _files_conflicts(manifest: dict) -> list[str]:
    """Files of the backup whose place in the configured storages holds different bytes."""
    roots = file_roots()
    conflicts = []
    for root_name, entries in manifest.get("files", {}).items():
        if root_name not in roots:
            raise BackupError(f"The backup holds files of an unknown kind ({root_name}).")
        storage = roots[root_name]
        for relative, entry in entries.items():
            if storage.exists(relative) and _stored_sha256(storage, relative) != entry["sha256"]:
                conflicts.append(_where(storage, relative))
    return conflicts


def _files_restore(backup_dir: Path, manifest: dict) -> int:
    """Store the backup's files in the configured storages under their own names, each read back
    and checked against its SHA-256; return how many the storages now hold."""
    roots = file_roots()
    restored = 0
    for root_name, entries in manifest.get("files", {}).items():
        storage = roots[root_name]
        for relative, entry in entries.items():
            if not storage.exists(relative):
                with (Path(backup_dir) / FILES_DIR / root_name / relative).open("rb") as handle:
                    saved = storage.save(relative, File(handle, name=relative))
                if saved != relative or _stored_sha256(storage, relative) != entry["sha256"]:
                    raise BackupError(f"{_where(storage, relative)} was restored with the wrong name or SHA-256.")
            restored += 1
    return restored


def restore(backup_dir: Path, alias: str = "default") -> RestoreReport:
    """Load the backup into database ``alias``, which must be empty; check every table's rows."""
    manifest = read_manifest(backup_dir)
    engine = _engine(alias)
    if manifest["engine"] != engine:
        raise BackupError(f"The backup is of a {manifest['engine']} database; the target is {engine}.")
    existing = table_counts(alias)
    if existing:
        raise BackupError(
            f"The target database is not empty ({len(existing)} tables, e.g. {sorted(existing)[0]}); "
            "restore only into an empty database."
        )
    conflicts = _files_conflicts(manifest)
    if conflicts:
        raise BackupError(
            f"{len(conflicts)} file(s) of the backup would replace different files already there "
            f"(e.g. {conflicts[0]}); restore into empty certificate and media directories."
        )
    data = Path(backup_dir) / manifest["file"]
    if engine == "postgresql":
        env, args = _pg_env_and_args(alias)
        connections[alias].close()
        result = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [
                _tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                *args,
                str(data),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed (exit {result.returncode}): {result.stderr.strip()}")
    else:
        connections[alias].close()
        target = connections[alias].settings_dict["NAME"]
        source = sqlite3.connect(str(data))
        destination = sqlite3.connect(str(target))
        try:
            source.backup(destination)
        finally:
            source.close()
            destination.close()
    restored = table_counts(alias)
    expected = manifest["tables"]
    differences = {
        table: (expected.get(table), restored.get(table))
        for table in set(expected) | set(restored)
        if expected.get(table) != restored.get(table)
    }
    if differences:
        listed = ", ".join(
            f"{t}: {want} in the manifest, {got} restored" for t, (want, got) in sorted(differences.items())
        )
        raise BackupError(f"The restored database differs from the manifest: {listed}.")
    files = _files_restore(Path(backup_dir), manifest)
    if alias == DEFAULT_DB_ALIAS:
        # The derived figures came with the records, as they were when the backup was taken (a
        # refresh may still have been queued then): count them afresh from the restored records.
        sessions_note((), everything=True)
    return RestoreReport(tables=len(restored), rows=sum(restored.values()), files=files)


# --- Backups in the backups storage (object storage or BACKUP_STORAGE_DIR) -------------------
#
# A backup named N is kept as ``N/runs/<run>/`` (the database copy and the files, written by one
# run and by no other) and ``N/manifest.json``, written last, naming the run it describes. Two runs
# of one name (a nightly task handed out again while the first still ran) never touch each other's
# files: whichever writes the manifest last is the backup, and it names files that run wrote whole.
# A lock in the shared cache, renewed while the run lasts, makes a second run give way at once.
# Each run folder is a whole copy of the database: a run that fails or gives way deletes its own,
# and each run first deletes those that no manifest names and that began over a day ago (left by
# a worker that died, or by a run whose manifest another overwrote).

RUNS_DIR = "runs"
LOCK_SECONDS = 120  # renewed every LOCK_SECONDS / 4 while the run lives; lapses soon after it dies


class BackupRunning(BackupError):
    """Another run is writing the backup of that name now."""


def backup_exists_in_storage(name: str) -> bool:
    return storages["backups"].exists(f"{name}/{MANIFEST}")


def _lock_key(name: str) -> str:
    return f"ops:backup:{name}:running"


@contextmanager
def _running_alone(name: str) -> Iterator[None]:
    """Hold the shared cache's lock on backup ``name`` while the block runs, renewing it; raise
    BackupRunning when another run holds it. Only the holder's token releases it."""
    key, token = _lock_key(name), secrets.token_hex(16)
    if not cache.add(key, token, timeout=LOCK_SECONDS):
        raise BackupRunning(f"A backup named {name} is being written by another run now.")
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(LOCK_SECONDS / 4):
            try:
                if cache.get(key) != token or not cache.touch(key, LOCK_SECONDS):
                    logger.warning("backup %s: the lock was lost while the run went on", name)
                    return
            except Exception as exc:  # noqa: BLE001 - the run goes on; its own prefix keeps it safe
                logger.warning("backup %s: the lock was not renewed: %r", name, exc)

    renewer = threading.Thread(target=renew, name=f"backup-lock-{name}", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()
        if cache.get(key) == token:  # a lock that lapsed and was taken by another run stays its own
            cache.delete(key)


def _run_prefix(name: str, run: str) -> str:
    return f"{name}/{RUNS_DIR}/{run}"


def _prefix_delete(storage: Storage, prefix: str) -> None:
    """Delete every file stored under ``prefix`` (and, on local disk, its emptied folders)."""
    for key in list(stored_names(storage, prefix)):
        storage.delete(key)
    with suppress(NotImplementedError):  # object storage: no folders once their files are gone
        shutil.rmtree(storage.path(prefix), ignore_errors=True)


RUN_LEFT_AFTER_SECONDS = 24 * 3600  # a run folder this old that no manifest names was left by a dead run


def _run_started(run: str) -> datetime | None:
    """When a run began, read from its name (``<UTC time>-<random>``); None for another name."""
    try:
        return datetime.strptime(run.split("-", 1)[0], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _manifest_run(storage: Storage, name: str) -> str | None:
    """The run the manifest of backup ``name`` names ("" for a backup stored before runs had
    prefixes, None when there is no manifest or it cannot be read: then nothing is touched)."""
    try:
        if not storage.exists(f"{name}/{MANIFEST}"):
            return ""
        with storage.open(f"{name}/{MANIFEST}", "rb") as handle:
            return json.loads(handle.read()).get("run") or ""
    except (OSError, ValueError) as exc:
        logger.warning("backup %s: the manifest could not be read, its runs are left alone: %r", name, exc)
        return None


def _leftover_runs_delete(storage: Storage, name: str, now: datetime) -> list[str]:
    """Delete the run folders of every backup (``name`` and each top-level name) that no manifest
    names and that began over a day ago: written by runs that died, failed or gave way without
    clearing up (a run still going is younger, so it is never touched). Returns the prefixes."""
    try:
        top, _files = storage.listdir("")
    except FileNotFoundError:  # a local folder never made: nothing stored yet
        return []
    deleted = []
    for backup_name in sorted({name, *top}):
        try:
            runs, _files = storage.listdir(f"{backup_name}/{RUNS_DIR}")
        except FileNotFoundError:
            continue
        if not runs:
            continue
        kept = _manifest_run(storage, backup_name)
        if kept is None:
            continue
        for run in runs:
            started = _run_started(run)
            if run == kept or started is None or (now - started).total_seconds() < RUN_LEFT_AFTER_SECONDS:
                continue
            prefix = _run_prefix(backup_name, run)
            _prefix_delete(storage, prefix)
            deleted.append(prefix)
            logger.info("backup %s: deleted the files a run left behind (%s)", backup_name, prefix)
    return deleted


def backup_to_storage(name: str, alias: str = "default") -> dict:
    """Write a backup as ``backup`` does, into the ``backups`` storage as ``name``: built in a
    temporary local directory, then stored file by file under a prefix of this run's own, and the
    manifest naming the run last. Raises BackupRunning while another run writes ``name``.

    A run that fails or gives way deletes its own prefix (no manifest names it); the files of a run
    whose worker died are deleted by a later run (``_leftover_runs_delete``), so no whole copy of
    the database is left behind unnamed."""
    storage = storages["backups"]
    if backup_exists_in_storage(name):
        raise BackupError(f"The backups storage already holds a backup named {name}; choose another name.")
    with _running_alone(name):
        if backup_exists_in_storage(name):  # finished by a run that held the lock before this one
            raise BackupError(f"The backups storage already holds a backup named {name}; choose another name.")
        now = datetime.now(UTC)
        _leftover_runs_delete(storage, name, now)
        run = f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"
        try:
            manifest = _run_store(storage, name, run, alias)
        except BaseException:
            if _manifest_run(storage, name) != run:  # this run's own files, which no manifest names
                _prefix_delete(storage, _run_prefix(name, run))
            raise
    return manifest


def _run_store(storage: Storage, name: str, run: str, alias: str) -> dict:
    """Store a backup under this run's prefix, then the manifest naming it (see backup_to_storage)."""
    with tempfile.TemporaryDirectory(prefix="mps-backup-") as work:
        manifest = backup(Path(work), alias=alias)
        written = sorted(path for path in Path(work).rglob("*") if path.is_file() and path.name != MANIFEST)
        for path in written:
            key = f"{_run_prefix(name, run)}/{path.relative_to(work).as_posix()}"
            with path.open("rb") as handle:
                if storage.save(key, File(handle, name=key)) != key:
                    raise BackupError(f"The backups storage already holds {key}.")
    manifest = {**manifest, "run": run}
    key = f"{name}/{MANIFEST}"
    finished_meanwhile = BackupRunning(f"A backup named {name} was finished by another run meanwhile.")
    if storage.exists(key):  # that run's backup is whole, and stays the one restored
        raise finished_meanwhile
    saved = storage.save(key, ContentFile(json.dumps(manifest, indent=2, sort_keys=True).encode()))
    if saved != key:  # a storage that never replaces a file kept the other run's manifest
        storage.delete(saved)
        raise finished_meanwhile
    return manifest


def restore_from_storage(name: str, alias: str = "default") -> RestoreReport:
    """``restore`` a backup kept in the ``backups`` storage as ``name`` (copied to a temporary
    local directory first, where every file is checked against the manifest)."""
    if not backup_exists_in_storage(name):
        raise BackupError(f"The backups storage holds no finished backup named {name} (no {MANIFEST}).")
    with tempfile.TemporaryDirectory(prefix="mps-restore-") as work:
        backup_fetch(name, Path(work))
        return restore(Path(work), alias=alias)


def backup_fetch(name: str, into: Path) -> None:
    """Copy the backup kept in the ``backups`` storage as ``name`` into the local ``into``: the
    files of the run its manifest names, and the manifest."""
    storage = storages["backups"]
    with storage.open(f"{name}/{MANIFEST}", "rb") as handle:
        manifest = json.loads(handle.read())
    run = manifest.get("run")
    if run:
        source, keys = f"{name}/{RUNS_DIR}/{run}", stored_names(storage, f"{name}/{RUNS_DIR}/{run}")
    else:  # a backup stored before runs had prefixes of their own
        others = (f"{name}/{MANIFEST}", f"{name}/{RUNS_DIR}/")
        source, keys = name, (key for key in stored_names(storage, name) if not key.startswith(others))
    for key in keys:
        _copy_hashing(storage, key, Path(into) / posixpath.relpath(key, source))
    Path(into).mkdir(parents=True, exist_ok=True)
    (Path(into) / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
