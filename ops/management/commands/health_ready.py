"""``manage.py health_ready``: the readiness checks of ``/health/ready`` from a shell.

Prints each part (database, migrations, cache, broker, storage) with ``ok`` or what is wrong, and
exits 1 when any part is not ready: the operator's smoke test after ``check --deploy``.
"""

from django.core.management.base import BaseCommand, CommandError

from ops.health import failing, readiness


class Command(BaseCommand):
    help = "Check that the database, migrations, cache, Celery broker and file folders are ready."

    def handle(self, *args, **options):
        results = readiness()
        for name, state in results.items():
            self.stdout.write(f"{name:<11} {state}")
        bad = failing(results)
        if bad:
            raise CommandError(f"Not ready: {', '.join(bad)}.")
        self.stdout.write(self.style.SUCCESS("Ready."))
