from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Load a backup written by `manage.py backup` into the configured database, which must be empty, "
        "then check that every table has the rows listed in the backup's manifest; put the certificate PDFs "
        "and media files back (checked against their SHA-256)."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup_dir", type=Path)
        parser.add_argument("--database", default="default")

    def handle(self, *args, backup_dir: Path, database: str, **options):
        try:
            report = restore(backup_dir, alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored {report.tables} tables, {report.rows:,} rows and {report.files:,} files; every count and "
            "checksum matches the manifest."
        )
