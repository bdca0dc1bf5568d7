"""Where uploads wait between their dry run and the import: the private ``imports`` storage.

On local disk (the embedded default) that is ``IMPORTS_DIR``; in object storage (several web and
worker nodes) a bucket every node reads, so a file uploaded to one web node is dry-run there and
imported by whichever worker takes the job. The readers of a spreadsheet want a path, so a node
reads an object through a copy of its own, for as long as it reads, and deletes it when done: the
places step, the check again of a held job and the sheet and column steps read inside
``upload_read``, which deletes the copy when the block ends however it ends; the dry run and the
import delete theirs when they are done (``local_copy_discard``). The uploads hold
personal data, so no node keeps a copy once it has read it. Only a process killed mid-read leaves
one behind; it is deleted by that node's next fetch, or by the hourly sweep of stale uploads when
it runs there (``local_copies_prune``), once its object is gone or it is older than
``IMPORT_ABANDONED_AFTER_HOURS``. What exists, and what is deleted, is the stored file.
"""

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files.storage import Storage, storages

COPIES_DIR = Path(tempfile.gettempdir()) / "mps-import-copies"


def import_storage() -> Storage:
    return storages["imports"]


def _is_local(storage: Storage, name: str) -> Path | None:
    try:
        return Path(storage.path(name))
    except NotImplementedError:
        return None


def _prune_copies(storage: Storage) -> None:
    """Delete this node's copies of objects no longer stored (and any left unfinished)."""
    cutoff = time.time() - settings.IMPORT_ABANDONED_AFTER_HOURS * 3600
    for copy in COPIES_DIR.glob("*"):
        try:
            if copy.stat().st_mtime < cutoff or (not copy.name.startswith(".") and not storage.exists(copy.name)):
                copy.unlink()
        except FileNotFoundError:
            pass


def local_copy(name: str) -> Path:
    """A path holding the stored upload ``name`` on this node (one that does not exist when the
    stored file is gone): the file itself on local disk, else this node's copy of the object,
    fetched unless it is here already, and deleted when the object is gone."""
    storage = import_storage()
    path = _is_local(storage, name)
    if path is not None:
        return path
    copy = COPIES_DIR / Path(name).name
    if not storage.exists(name):  # deleted by another node: this node's copy goes too
        copy.unlink(missing_ok=True)
        return copy
    if copy.exists():
        return copy
    COPIES_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
    _prune_copies(storage)
    with (
        tempfile.NamedTemporaryFile(dir=COPIES_DIR, prefix=".part-", delete=False) as part,
        storage.open(name) as source,
    ):
        shutil.copyfileobj(source, part, 1 << 20)
    os.replace(part.name, copy)  # whole or not at all, for another process of this node
    return copy


def local_copy_discard(name: str) -> None:
    """Delete this node's copy of the stored upload ``name``, once a dry run or an import has read
    it (the stored file stays; a later reader fetches it again)."""
    if name and _is_local(import_storage(), name) is None:
        (COPIES_DIR / Path(name).name).unlink(missing_ok=True)


@contextmanager
def upload_read(name: str) -> Iterator[Path | None]:
    """The stored upload ``name`` as a path on this node while the block runs (None for no name; a
    path that does not exist when the stored file is gone); this node's copy, if one was fetched,
    is deleted when the block ends."""
    if not name:
        yield None
        return
    try:
        yield local_copy(name)
    finally:
        local_copy_discard(name)


def local_copies_prune() -> None:
    """Delete this node's copies of uploads no longer stored, or older than an abandoned dry run
    (left by a process that died while reading): the hourly sweep of stale uploads calls it."""
    if COPIES_DIR.is_dir():
        _prune_copies(import_storage())


def stored_file_save(name: str, content) -> None:
    """Store an upload under ``name`` (a new random name: nothing is ever replaced)."""
    saved = import_storage().save(name, content)
    if saved != name:
        raise FileExistsError(f"an upload named {name} is already stored")


def stored_file_delete(name: str) -> bool:
    """Delete the stored upload (and this node's copy); whether it was there."""
    storage = import_storage()
    existed = storage.exists(name)
    storage.delete(name)
    local_copy_discard(name)
    return existed


def stored_files_older_than(cutoff) -> list[str]:
    """Names of stored uploads last written before ``cutoff`` (an aware datetime)."""
    storage = import_storage()
    try:
        _dirs, names = storage.listdir("")
    except FileNotFoundError:  # the folder was never made: nothing uploaded yet
        return []
    return [name for name in names if not name.startswith(".") and storage.get_modified_time(name) < cutoff]
