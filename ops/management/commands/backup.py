from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database into OUT_DIR (PostgreSQL: pg_dump -Fc on one snapshot; "
        "SQLite: the online backup API), the certificate PDFs and uploaded media, with manifest.json listing "
        "the rows of every table and the SHA-256 of every file."
    )

    def add_arguments(self, parser):
        parser.add_argument("out_dir", type=Path, help="An empty or new directory for this backup.")
        parser.add_argument("--database", default="default")

    def handle(self, *args, out_dir: Path, database: str, **options):
        try:
            manifest = backup(out_dir, alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Backup of the {manifest['engine']} database written to {out_dir / manifest['file']}: "
            f"{len(manifest['tables'])} tables, {manifest['total_rows']:,} rows, {manifest['total_files']:,} files "
            "(manifest.json)."
        )
