"""``manage.py import_records KIND FILE [--dry-run] [--report OUT.csv]``: scripted bulk loads.

The same checks and rules as the admin flow (``imports.services.records_import``). Prints the
counts, writes the per-row report when asked, and exits non-zero when any row is invalid, in
which case nothing is stored.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from imports import files, services
from imports.columns import FORMATS


class Command(BaseCommand):
    help = "Import people, sessions, participations or targets from an .xlsx or .csv file (all rows or none)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(FORMATS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check every row; store nothing.")
        parser.add_argument("--report", type=Path, help="Write the per-row report (CSV) to this path.")

    def handle(self, *args, kind, file: Path, dry_run: bool, report: Path | None, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        try:
            fmt = files.check_upload(
                name=file.name, size=file.stat().st_size, content_type="", head=file.open("rb").read(8)
            )
            dataset = files.read_dataset(file, fmt=fmt, name=file.name)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc

        outcome = services.records_import(kind=kind, dataset=dataset, dry_run=dry_run)
        counts = outcome.counts
        self.stdout.write(
            f"{kind}: {len(outcome.rows)} rows — new {counts['new']}, updated {counts['updated']}, "
            f"unchanged {counts['unchanged']}, errors {counts['error']}"
        )
        for message in outcome.file_errors:
            self.stderr.write(message)
        for row in outcome.error_rows()[:50]:
            self.stderr.write(f"row {row.line} [{row.column}]: {row.reason}")
        if len(outcome.error_rows()) > 50:
            self.stderr.write(f"… {len(outcome.error_rows()) - 50} more rows with errors (see --report).")
        if report:
            report.write_text(outcome.report_csv(), encoding="utf-8")
            self.stdout.write(f"Report written to {report}")
        if outcome.has_errors:
            raise CommandError("Invalid rows: nothing was stored.")
        self.stdout.write("Dry run: nothing stored." if dry_run else "Stored.")
