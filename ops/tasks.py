"""Background work of the ops app: the scheduled database backup, and the sweep of orphaned tasks.

The nightly backup goes to ``BACKUP_DIR/<date>/`` when that is set, else (``BACKUP_TO_STORAGE``)
into the backups storage as ``<date>/``, where any node can read it back. The task is idempotent: a
backup that already holds a manifest is finished and left alone, and one left half-written by a
worker that died mid-task is cleared and written again. With ``acks_late`` the message stays on
the broker until the task returns, so a killed worker's backup is redelivered (after the
visibility timeout) and finishes exactly once.
"""

import shutil
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from ops import workers
from ops.backup import FILES_DIR, MANIFEST, backup, backup_exists_in_storage, backup_to_storage


def dated_backup_dir() -> Path:
    return Path(settings.BACKUP_DIR) / timezone.localdate().isoformat()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def database_backup(out_dir: str | None = None) -> dict:
    if out_dir is None and not settings.BACKUP_DIR:
        name = timezone.localdate().isoformat()
        if backup_exists_in_storage(name):
            return {"storage": name, "written": False}
        manifest = backup_to_storage(name)
        return {"storage": name, "written": True, "rows": manifest["total_rows"]}
    target = Path(out_dir) if out_dir else dated_backup_dir()
    if (target / MANIFEST).exists():
        return {"dir": str(target), "written": False}
    for leftover in target.glob("database.*"):
        leftover.unlink()  # from an attempt that did not finish
    shutil.rmtree(target / FILES_DIR, ignore_errors=True)
    manifest = backup(target)
    return {"dir": str(target), "written": True, "rows": manifest["total_rows"]}


def backup_schedule(out_dir: Path | None = None) -> None:
    """Queue a backup once the current transaction commits (nothing is queued for a rolled-back one)."""
    database_backup.delay_on_commit(str(out_dir) if out_dir else None)


@shared_task
def orphaned_tasks_requeue() -> list[str]:
    """Every TASK_SWEEP_SECONDS (Celery beat): put back the messages of workers that died mid-task."""
    return [f"{message.task}[{message.task_id}]" for message in workers.orphans_requeue()]
