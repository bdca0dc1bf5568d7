from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, backup, backup_to_storage


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database into OUT_DIR, or into the backups storage under a name "
        "(--to-storage NAME: object storage when S3_ENDPOINT_URL is set), with the certificate PDFs and "
        "uploaded media (PostgreSQL: pg_dump -Fc on one snapshot; SQLite: the online backup API) and "
        "manifest.json listing the rows of every table and the SHA-256 of every file."
    )

    def add_arguments(self, parser):
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("out_dir", nargs="?", type=Path, help="An empty or new local directory for this backup.")
        where.add_argument("--to-storage", metavar="NAME", help="Store the backup in the backups storage as NAME/.")
        parser.add_argument("--database", default="default")

    def handle(self, *args, out_dir: Path | None, to_storage: str | None, database: str, **options):
        try:
            if to_storage:
                manifest = backup_to_storage(to_storage, alias=database)
                where = f"the backups storage as {to_storage}/"
            else:
                manifest = backup(out_dir, alias=database)
                where = str(out_dir / manifest["file"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Backup of the {manifest['engine']} database written to {where}: "
            f"{len(manifest['tables'])} tables, {manifest['total_rows']:,} rows, {manifest['total_files']:,} files "
            "(manifest.json)."
        )
