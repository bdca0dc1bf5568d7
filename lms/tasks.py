"""Operational tasks of the people-and-places app."""

from celery import shared_task
from django.db import connection

from lms.models import Governorate


@shared_task
def worker_health() -> dict:
    """Prove a worker can reach the database: its vendor and the governorate reference rows.

    Used by the production-profile tests and by operators checking a fresh deployment
    (``celery -A config call lms.tasks.worker_health`` with a result backend configured).
    """
    return {"database": connection.vendor, "governorates": Governorate.objects.count()}
