import time

from django.core.management.base import BaseCommand

from audit.services import facts_rebuild
from audit.warm import snapshots_warm


class Command(BaseCommand):
    help = "Rebuild the directorate audit's participation facts from the cascade records, then store the dashboard."

    def add_arguments(self, parser):
        parser.add_argument("--no-warm", action="store_true", help="Do not compute the stored dashboards.")

    def handle(self, *args, no_warm: bool, **options):
        started = time.monotonic()
        state = facts_rebuild()
        self.stdout.write(f"{state.rows:,} participation facts rebuilt in {state.rebuild_seconds:.1f} s.")
        if not no_warm:
            count = snapshots_warm()
            self.stdout.write(f"{count} dashboards stored; {time.monotonic() - started:.1f} s in all.")
