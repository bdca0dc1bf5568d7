"""``manage.py import_records KIND FILE [--dry-run] [--report OUT.csv] [--language ar|en] [--sheet NAME]``.

Scripted bulk loads, with the same checks and rules as the admin flow
(``imports.services.records_import``). The workbook's sheet is found as ``imports.sheets.find_table``
finds it; when two sheets match the kind equally well the command refuses, naming them, until
``--sheet`` says which one to read (the admin asks the same question on a page). Prints the
counts, writes the per-row report when asked, and exits non-zero when any row is invalid, in
which case nothing is stored. It speaks the shell's language (``LC_ALL``, ``LC_MESSAGES`` or
``LANG``: ``ar_IQ.UTF-8`` → Arabic; English otherwise, ``C`` included) unless ``--language`` says.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from imports import files, services, sheets
from imports.columns import FORMATS
from imports.models import ImportKind

SHOWN_ERRORS = 50


def shell_language(environ=None) -> str:
    """The project language the shell's locale names; English when it names none of them."""
    environ = os.environ if environ is None else environ
    codes = {code for code, _name in settings.LANGUAGES}
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable, "")
        if value:
            code = value.split(".")[0].split("_")[0].split("-")[0].lower()
            return code if code in codes else "en"
    return "en"


def arabic() -> bool:
    return (translation.get_language() or "").startswith("ar")


def list_joined(items) -> str:
    """Items joined by the active language's comma (، in Arabic), each name in quotes."""
    return ("، " if arabic() else ", ").join(f"“{item}”" for item in items)


class Command(BaseCommand):
    help = (
        "Import people, sessions, participations, targets or reference data (units, stations, centres) "
        "from an .xlsx or .csv file (all rows or none)."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(FORMATS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check every row; store nothing.")
        parser.add_argument("--report", type=Path, help="Write the per-row report (CSV) to this path.")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help="Language of the messages and report (default: the shell's, from LANG).",
        )
        parser.add_argument("--sheet", help="The workbook's sheet to read, when several could hold the records.")

    def handle(self, *args, kind, file: Path, dry_run: bool, report: Path | None, language=None, sheet=None, **options):
        with translation.override(language or shell_language()):
            self._import(kind=kind, file=file, dry_run=dry_run, report=report, sheet=sheet)

    def _import(self, *, kind, file: Path, dry_run: bool, report: Path | None, sheet: str | None = None) -> None:
        if not file.is_file():
            raise CommandError(_("%(file)s: no such file.") % {"file": file})
        try:
            with file.open("rb") as head:
                fmt = files.check_upload(name=file.name, size=file.stat().st_size, content_type="", head=head.read(8))
            dataset = self._table(file, fmt=fmt, kind=kind, sheet=sheet)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc

        outcome = services.records_import(kind=kind, dataset=dataset, dry_run=dry_run)
        counts = outcome.counts
        self.stdout.write(
            _("%(kind)s: %(rows)s rows — new %(new)s, updated %(updated)s, unchanged %(unchanged)s, errors %(errors)s")
            % {
                "kind": ImportKind(kind).label if arabic() else kind,
                "rows": len(outcome.rows),
                "new": counts["new"],
                "updated": counts["updated"],
                "unchanged": counts["unchanged"],
                "errors": counts["error"],
            }
        )
        for message in outcome.file_errors:
            self.stderr.write(message)
        unread = (
            sheets.unread_headers(dataset.headers or [], kind) if not getattr(dataset, "column_fields", None) else []
        )
        if unread:
            self.stderr.write(
                _("These columns are not read by a %(kind)s import: %(columns)s.")
                % {"kind": ImportKind(kind).label if arabic() else kind, "columns": list_joined(unread)}
            )
            if kind == "people":
                self.stderr.write(
                    _("Course dates and scores are imported with the participations kind (after the sessions).")
                )
        errors = outcome.error_rows()
        for row in errors[:SHOWN_ERRORS]:
            self.stderr.write(
                _("row %(line)s [%(column)s]: %(reason)s")
                % {
                    "line": row.line,
                    "column": row.column.replace("; ", "؛ ") if arabic() else row.column,
                    "reason": row.reason,
                }
            )
        if len(errors) > SHOWN_ERRORS:
            self.stderr.write(
                _("… %(count)s more rows with errors (see --report).") % {"count": len(errors) - SHOWN_ERRORS}
            )
        if outcome.missing_places:
            names = ("، " if arabic() else ", ").join(
                f"{p['governorate']}: {p['name']}" for p in outcome.missing_places[:20]
            )
            self.stderr.write(
                _("Units and stations not recorded yet (import them first: units, stations): %(names)s")
                % {"names": names}
            )
        if report:
            report.write_text(outcome.report_csv(), encoding="utf-8")
            self.stdout.write(_("Report written to %(path)s") % {"path": report})
        if outcome.has_errors:
            raise CommandError(_("Invalid rows: nothing was stored."))
        self.stdout.write(_("Dry run: nothing stored.") if dry_run else _("Stored."))

    @staticmethod
    def _table(file: Path, *, fmt: str, kind: str, sheet: str | None):
        """The file's table of ``kind`` (``files.read_table``), from ``sheet`` when given; refused
        when two sheets match equally well, since reading the first of them may load the wrong records."""
        workbook = files.read_sheets(file, fmt=fmt, name=file.name)
        names = [name for name, _rows in workbook]
        if sheet is not None and sheet not in names:
            raise CommandError(
                _("The file has no sheet “%(sheet)s”; its sheets: %(sheets)s.")
                % {"sheet": sheet, "sheets": list_joined(names)}
            )
        table = sheets.find_table(workbook, kind, sheet=sheet)
        if table is None and sheet is not None:
            # The named sheet as it is, so the dry run names the columns missing from *that* sheet.
            located = sheets.locate(workbook, kind, sheet=sheet)
            if located.table is None:  # a blank sheet
                raise CommandError(_("The sheet “%(sheet)s” is empty.") % {"sheet": sheet})
            return files.table_dataset(located.table)
        if table is None:
            return files.read_dataset(file, fmt=fmt, name=file.name)  # names the missing columns
        if table.tied:
            raise CommandError(
                _("Several sheets could hold these records: %(sheets)s. Say which one to read with --sheet NAME.")
                % {"sheets": list_joined([table.sheet, *table.tied])}
            )
        return files.table_dataset(table)
