from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, restore, restore_from_storage


class Command(BaseCommand):
    help = (
        "Load a backup written by `manage.py backup` (a local directory, or --from-storage NAME in the backups "
        "storage) into the configured database, which must be empty, then check that every table has the rows "
        "listed in the backup's manifest; put the certificate PDFs and media files back into their storages "
        "(checked against their SHA-256)."
    )

    def add_arguments(self, parser):
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("backup_dir", nargs="?", type=Path)
        where.add_argument("--from-storage", metavar="NAME", help="The backup stored in the backups storage as NAME/.")
        parser.add_argument("--database", default="default")

    def handle(self, *args, backup_dir: Path | None, from_storage: str | None, database: str, **options):
        try:
            if from_storage:
                report = restore_from_storage(from_storage, alias=database)
            else:
                report = restore(backup_dir, alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored {report.tables} tables, {report.rows:,} rows and {report.files:,} files; every count and "
            "checksum matches the manifest."
        )
