import csv
import sys

from django.core.management.base import BaseCommand, CommandError

from lms.accounts import trainee_accounts_create
from lms.input_policy import escape_formula
from lms.models import Governorate, Person


class Command(BaseCommand):
    help = (
        "Create trainee logins (username = service number) for people who have none, and print each "
        "account's one-time set-password link as CSV. The links are shown only this once: hand them to "
        "the trainees and do not keep the file."
    )

    def add_arguments(self, parser):
        parser.add_argument("service_numbers", nargs="*", help="Only these people.")
        parser.add_argument("--governorate", help="Only the people of this governorate (code, e.g. BG).")
        parser.add_argument(
            "--all",
            action="store_true",
            dest="everyone",
            help="Every person without a login (when no filter is given).",
        )

    def handle(self, *args, service_numbers, governorate, everyone, **options):
        people = Person.objects.all()
        if service_numbers:
            unknown = sorted(
                set(service_numbers)
                - set(people.filter(service_number__in=service_numbers).values_list("service_number", flat=True))
            )
            if unknown:
                raise CommandError(f"Unknown service numbers: {', '.join(unknown)}")
            people = people.filter(service_number__in=service_numbers)
        if governorate:
            if not Governorate.objects.filter(code=governorate).exists():
                raise CommandError(f"Unknown governorate code: {governorate}")
            people = people.filter(governorate__code=governorate)
        if not (service_numbers or governorate or everyone):
            raise CommandError("Name service numbers, a --governorate, or --all.")
        result = trainee_accounts_create(people=people)
        writer = csv.writer(self.stdout)
        writer.writerow(["service_number", "name", "username", "set_password_link"])
        for account in result.created:
            # Formula-safe: a name or number starting = + - @ must not run when the file is opened in Excel.
            writer.writerow(
                [
                    escape_formula(value)
                    for value in (account.service_number, account.name, account.username, account.set_password_url)
                ]
            )
        for number, reason in result.skipped:
            sys.stderr.write(f"Skipped {number}: another account already has this username ({reason}).\n")
        sys.stderr.write(f"{len(result.created)} accounts created, {len(result.skipped)} skipped.\n")
