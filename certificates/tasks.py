"""Background work for certificates: thin tasks that load ids and call ``certificates.services``.

Every task is safe to run twice (a worker killed mid-task gets its message redelivered, because
tasks are acknowledged late): issuing relies on the unique constraints, storing a PDF on a
conditional update, and finishing a batch on the batch's status read under a row lock.
"""

from celery import shared_task

from certificates import services
from certificates.models import Certificate, CertificateBatch


@shared_task
def certificate_render(certificate_id: int) -> None:
    certificate = Certificate.objects.select_related("person", "course").get(pk=certificate_id)
    services.certificate_pdf_ensure(certificate=certificate)


@shared_task
def certificate_batch_run(batch_id: int) -> None:
    """Split the batch into chunk tasks (so several workers share it), or finish it at once."""
    batch = CertificateBatch.objects.get(pk=batch_id)
    chunks = services.batch_dispatch(batch=batch)
    for participation_ids in chunks:
        certificate_batch_chunk.delay_on_commit(batch_id, participation_ids, round=batch.round)
    if not chunks:
        certificate_batch_finish.delay_on_commit(batch_id)


@shared_task
def certificate_batch_chunk(batch_id: int, participation_ids: list[int], round: int | None = None) -> None:
    """One chunk of a batch; nothing once the batch is paused, or if a resume dispatched it again
    (``round``: the dispatch it was queued by; None runs it whatever the round)."""
    batch = CertificateBatch.objects.get(pk=batch_id)
    if not services.batch_chunk_wanted(batch=batch, round=round):
        return
    try:
        ready = services.batch_chunk_run(batch=batch, participation_ids=participation_ids)
    except Exception as exc:
        services.batch_fail(batch_id=batch_id, error=f"{type(exc).__name__}: {exc}")
        raise
    if ready is not None and ready >= batch.total:
        certificate_batch_finish.delay_on_commit(batch_id)


@shared_task
def certificate_batch_finish(batch_id: int) -> None:
    try:
        services.batch_finish(batch=CertificateBatch.objects.get(pk=batch_id))
    except Exception as exc:
        services.batch_fail(batch_id=batch_id, error=f"{type(exc).__name__}: {exc}")
        raise
