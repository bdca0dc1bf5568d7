"""Wagtail's own background work, on the Celery workers in production.

Wagtail hands some work to Django's tasks framework (the ``django-tasks`` backport): above all,
after every save of an indexed model, re-reading the object and all its inline rows into the
reference index that its "usage" and delete screens read. With the framework's default
(``ImmediateBackend``) that runs inside the request; Wagtail's documentation asks production sites
to configure a backend that runs it in the background. This backend hands each such task to the
Celery workers the site already runs, once the transaction that asked for it has committed (a
rolled-back save asks for nothing). The embedded default, which has no worker, keeps
``ImmediateBackend`` (``config.settings.TASKS``).
"""

from django.db import transaction
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import Task, TaskResult, TaskResultStatus
from django_tasks.utils import get_random_id


class CeleryTaskBackend(BaseTaskBackend):
    supports_defer = False
    supports_async_task = False
    supports_get_result = False

    def enqueue(self, task: Task, args, kwargs) -> TaskResult:
        from ops.tasks import django_task_run

        self.validate_task(task)
        path, args, kwargs = task.module_path, list(args), dict(kwargs)
        # robust: a broker that cannot be reached costs the index this one update (logged), never the save.
        transaction.on_commit(lambda: django_task_run.delay(path, args, kwargs), robust=True)
        return TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
