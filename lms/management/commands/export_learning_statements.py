from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from lms.models import LearningStatement
from lms.xapi import statements_as_json_lines


class Command(BaseCommand):
    help = "Write the e-learning records as xAPI statements, one JSON object per line (for a Learning Record Store)."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="Only statements at or after this ISO 8601 time.")

    def handle(self, *args, since=None, **options):
        statements = LearningStatement.objects.all()
        if since:
            moment = parse_datetime(since)
            if moment is None:
                raise CommandError(f"--since: not an ISO 8601 date and time: {since}")
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            statements = statements.filter(timestamp__gte=moment)
        for line in statements_as_json_lines(statements):
            self.stdout.write(line, ending="")
