"""Background work of the imports app: thin tasks that call ``imports.services``."""

from celery import shared_task
from django.utils import translation

from imports import services, storage


@shared_task(bind=True)
def run_import_job(self, job_id: str, language: str | None = None) -> str | None:
    """Import a confirmed job. Idempotent: a job that is not queued any more is left as it is,
    unless the message was handed out again because the worker running it died (then it resumes)."""
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    job = services.import_job_run(job_id=job_id, language=language, resume=redelivered)
    return job.status if job else None


@shared_task
def check_import_job(job_id: str, language: str | None = None) -> str | None:
    """Read and dry-run a large upload (``services.import_job_check`` hands it here)."""
    with translation.override(language):
        job = services.import_job_dry_run(job_id=job_id)
    return job.status if job else None


@shared_task
def import_files_cleanup() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE): delete uploads of finished or abandoned imports, and this
    node's copies of uploads no longer stored (left by a process that died while reading one)."""
    deleted = services.import_files_cleanup()
    storage.local_copies_prune()
    return deleted
