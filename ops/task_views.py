"""Admin → Reports → Background tasks: workers alive, messages held, and jobs that look stuck.

Administrators only. What the broker holds comes from ``ops.workers.broker_state``; jobs that
other apps track in the database (import jobs, certificate batches) come from the
``ops_stuck_jobs`` hook, each app reporting its own (apps above ``ops`` register it themselves).
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from cascade import permissions
from lms import roles
from ops import workers


@dataclass(frozen=True)
class StuckJob:
    """A job its app expected to move on by now: what it is, its state and since when."""

    kind: str
    label: str
    status: str
    since: dt.datetime
    url: str = ""


def can_see_background_tasks(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_superuser or permissions.has_role(user, roles.ADMINISTRATOR)
    )


def stuck_after() -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=settings.STUCK_JOB_MINUTES)


def stuck_certificate_batches() -> list[StuckJob]:
    from certificates.models import BatchStatus, CertificateBatch

    batches = CertificateBatch.objects.filter(
        status__in=[BatchStatus.QUEUED, BatchStatus.RUNNING], created_at__lt=stuck_after()
    ).order_by("created_at")
    return [
        StuckJob(
            kind=str(_("Certificate batch")),
            label=f"#{batch.pk} · {batch.get_scope_display()} · {batch.done}/{batch.total}",
            status=batch.get_status_display(),
            since=batch.created_at,
        )
        for batch in batches[:100]
    ]


def background_tasks(request):
    if not can_see_background_tasks(request.user):
        raise PermissionDenied
    state = workers.broker_state()
    jobs = stuck_certificate_batches() + [job for fn in hooks.get_hooks("ops_stuck_jobs") for job in fn()]
    return render(
        request,
        "ops/tasks/report.html",
        {
            "page_title": _("Background tasks"),
            "state": state,
            "orphaned": [message for message in state.held if message.orphaned] if state else [],
            "jobs": sorted(jobs, key=lambda job: job.since),
            "stuck_minutes": settings.STUCK_JOB_MINUTES,
            "sweep_seconds": settings.TASK_SWEEP_SECONDS,
        },
    )
