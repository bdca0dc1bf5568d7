from django.core.management.base import BaseCommand, CommandError

from cascade.integrity import audit_stored


class Command(BaseCommand):
    help = "List every stored session, trainer or participation that breaks a cascade integrity rule."

    def handle(self, *args, **options):
        violations = audit_stored()
        for violation in violations:
            self.stdout.write(f"[{violation.rule}] {violation.message}")
        if violations:
            raise CommandError(f"{len(violations)} violation(s) found.")
        self.stdout.write(self.style.SUCCESS("No violations: the cascade records keep every integrity rule."))
