"""Background work of the ops app: the scheduled database backup, the sweep of orphaned tasks, and
Wagtail's own background tasks (``ops.task_backend``).

The nightly backup goes to ``BACKUP_DIR/<date>/`` when that is set, else (``BACKUP_TO_STORAGE``)
into the backups storage as ``<date>/``, where any node can read it back. The task may run twice:
a backup that already holds a manifest is finished and left alone; in the backups storage a copy
of the message handed out while the first run still writes (a backup can outlast the broker's
visibility timeout) finds the first run's lock and returns at once, and runs that overlap anyway
write under prefixes of their own (``ops.backup.backup_to_storage``); a run that fails or gives way
deletes its own files, and each run deletes those a dead run left over a day before. In ``BACKUP_DIR`` a backup
left half-written by a worker that died mid-task is cleared and written again. With ``acks_late``
the message stays on the broker until the task returns, so a killed worker's backup is redelivered.
"""

import logging
import shutil
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.module_loading import import_string

from ops import workers
from ops.backup import FILES_DIR, MANIFEST, BackupRunning, backup, backup_exists_in_storage, backup_to_storage

logger = logging.getLogger(__name__)


def dated_backup_dir() -> Path:
    return Path(settings.BACKUP_DIR) / timezone.localdate().isoformat()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def database_backup(out_dir: str | None = None) -> dict:
    if out_dir is None and not settings.BACKUP_DIR:
        name = timezone.localdate().isoformat()
        if backup_exists_in_storage(name):
            return {"storage": name, "written": False}
        try:
            manifest = backup_to_storage(name)
        except BackupRunning:  # another run writes (or just wrote) tonight's backup
            return {"storage": name, "written": False}
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


@shared_task(ignore_result=True)
def django_task_run(module_path: str, args: list, kwargs: dict) -> None:
    """Run one task of Django's tasks framework that ``ops.task_backend`` handed to the workers.

    Wagtail's tasks are about one stored object: when it is gone by the time the worker runs (a row
    deleted just after it was saved), there is nothing left to do."""
    task = import_string(module_path)
    try:
        task.call(*args, **kwargs)
    except ObjectDoesNotExist:
        logger.info("%s%s: the object is gone; nothing to do", module_path, tuple(args))
