"""What every record import shares: ``RecordResource`` and the helpers of its kinds.

Each kind's resource (people, sessions, participations, targets, and the reference kinds of
``imports.reference``) reads its file in one pass with no query per row: reference tables and the
records the file names are loaded once (``preload``), looked up by the instance loader and the
widgets, and rows identical to what is stored are skipped as unchanged (``skip_unchanged``). Rows
are validated one by one (cell widgets, the model's field checks, ``check_row``), then written in
bulk at the end (``apply``). A rule that fails marks the row that broke it as invalid, on the
column that broke it, and import-export's ``rollback_on_validation_errors`` rolls the whole file
back.

A file that repeats a record (the same key twice) is refused on the repeating row: the second
row would otherwise silently overwrite the first.
"""

import dataclasses
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import cache

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from import_export import resources
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import InvalidRow, RowResult

from cascade.integrity import ParticipantDraft, SessionDraft
from imports import matching
from imports.widgets import (
    BoundWidget,
)
from lms import input_policy
from lms.bulk import records_create, records_update

DUPLICATE_ROW = _("The same record is already in row {line} of this file.")
OTHER_CENTRE = _("“{centre}” is not your training centre; you can import rows of {own} only.")
SESSION_OF_OTHER_CENTRE = _("Session {session} belongs to another training centre; you can import rows of {own} only.")

CHUNK = 2000
HISTORY_REASON = "bulk import"
INVALID = RowResult.IMPORT_TYPE_INVALID


def chunks(values: Iterable, size: int = CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


# How a cell lists several service numbers (as ``imports.widgets.PeopleWidget`` splits them).
SERVICE_NUMBER_SEPARATORS = re.compile(r"[;,،\n]")


def service_numbers(cell) -> set[str]:
    """The service numbers a cell names, in the form the person widgets look them up by: Arabic-Indic
    digits read as digits (``lms.input_policy.check_service_number``); what is not one is left out
    (the widget then names it on its row)."""
    found = set()
    for part in SERVICE_NUMBER_SEPARATORS.split(matching.text(cell)):
        try:
            found.add(input_policy.check_service_number(part))
        except ValidationError:
            continue
    return found


@cache
def _known_fields(draft_class) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(draft_class))


def session_draft(**fields) -> SessionDraft:
    """A SessionDraft of the fields this version of ``cascade.integrity`` knows."""
    known = _known_fields(SessionDraft)
    return SessionDraft(**{name: value for name, value in fields.items() if name in known})


def participant_draft(**fields) -> ParticipantDraft:
    known = _known_fields(ParticipantDraft)
    return ParticipantDraft(**{name: value for name, value in fields.items() if name in known})


@cache
def _relation_names(model) -> frozenset[str]:
    return frozenset(f.name for f in model._meta.concrete_fields if f.is_relation)


@cache
def _checked_fields(model) -> tuple:
    """The fields ``Model.clean_fields`` checks, less the automatic primary key (nothing to check)."""
    pk = model._meta.pk
    return tuple(
        f for f in model._meta.fields if not getattr(f, "generated", False) and not (f is pk and f.auto_created)
    )


class ImportRowResult(RowResult):
    """A row's result naming its record by id only: the report never shows the record's ``str()``,
    which would cost every row a string built through its relations."""

    def add_instance_info(self, instance):
        if instance is not None:
            self.object_id = getattr(instance, "pk", None)


class PreloadedInstanceLoader(BaseInstanceLoader):
    """Finds the stored record of a row in the tables the resource preloaded (no query per row)."""

    def get_instance(self, row):
        return self.resource.find_existing(row)


class RecordResource(resources.ModelResource):
    """What every import shares: preloading, duplicate rows, row checks, the final bulk write."""

    class Meta:
        use_bulk = True  # rows are collected, then written by ``apply``
        batch_size = None  # one write at the end, after the rules have seen every row
        skip_unchanged = True
        report_skipped = True
        skip_html_diff = True
        # No deep copy and diff of every row: unchanged rows are found by ``skip_row`` against the
        # values the stored record had when it was loaded.
        skip_diff = True
        clean_model_instances = False  # full_clean would query per row; see validate_instance
        use_transactions = True
        instance_loader_class = PreloadedInstanceLoader

    # Column of the identity, where a repeated row is reported.
    identity_field = ""

    def get_row_result_class(self):
        return ImportRowResult

    def save_pending(self, pending, update_fields: list[str], *, create_batch=1000, update_batch=1000) -> None:
        """Store ``(row number, instance, is_create)`` triples: new rows created, changed rows updated,
        both with a history row naming the importing user."""
        model = self._meta.model
        created = [instance for _, instance, is_create in pending if is_create]
        changed = [instance for _, instance, is_create in pending if not is_create]
        records_create(created, model, user=self.acting_user, reason=HISTORY_REASON, batch_size=create_batch)
        records_update(
            changed, update_fields, model, user=self.acting_user, reason=HISTORY_REASON, batch_size=update_batch
        )

    def __init__(
        self,
        *,
        user=None,
        scope_centre=None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        super().__init__()
        self.user = user
        self.scope_centre = scope_centre
        self.progress = progress or (lambda done, total: None)
        self.pending: list[tuple[int, object, bool]] = []
        self.warnings: dict[int, list[str]] = defaultdict(list)
        self.rule_errors: dict[int, list[tuple[str, str]]] = defaultdict(list)
        self._seen: dict = {}
        self._stored_values: dict[int, list] = {}
        self.current_row = 0
        self._result = None
        self.total = 0

    def place_chosen(self, place: str, governorate, written) -> bool:
        """Whether the administrator chose to create this new unit or station: ``create_places`` is
        True (all of them) or the ``matching.place_key`` of those chosen one by one."""
        chosen = getattr(self, "create_places", False)
        if isinstance(chosen, bool):
            return chosen
        return matching.place_key(place, governorate.code, written) in chosen

    # --- hooks import-export calls ---------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        self.total = len(dataset)
        self.lookups = matching.Lookups()
        for field in self.fields.values():
            if isinstance(field.widget, BoundWidget):
                field.widget.bind(self)
        self._import_fields = self.get_import_fields()
        # (field, its readings by cell value — None when a reading depends on the rest of the row,
        # the model field the cell sets when it is a plain one, checked with the cell)
        checked = {f.name: f for f in _checked_fields(self._meta.model) if not f.is_relation}
        self._cell_plan = [
            (
                field,
                None if getattr(field.widget, "row_dependent", True) else {},
                checked.get(field.attribute),
            )
            for field in self._import_fields
            if field.attribute and not field.readonly
        ]
        self._cell_fields = {model_field.name for _, _, model_field in self._cell_plan if model_field is not None}
        self._field_checks: dict = {}
        self._cell_field_errors: dict = {}
        self.preload(dataset)

    def before_import_row(self, row, **kwargs):
        number = self.current_row = kwargs["row_number"]
        identity = self.identity(row)
        if identity is None:
            return
        first = self._seen.setdefault(identity, number)
        if first != number:
            raise ValidationError({self.identity_field: str(DUPLICATE_ROW.format(line=first + 1))})

    def import_instance(self, instance, row, **kwargs):
        """Each cell through its column's widget, as ``Field.save`` does, then through the model
        field's own checks (length, choices, digits, as ``Model.clean_fields``) — but once per
        distinct value of a column: a reading depends on the cell alone (``CellWidget.row_dependent``
        marks the exceptions), so a value repeated down a column (a session reference, a score, an
        outcome) reuses its first reading, errors included. A widget's error makes the row invalid
        here; a model field's error is raised with the row's other checks (``validate_instance``)."""
        errors, field_errors = {}, {}
        for field, readings, model_field in self._cell_plan:
            raw = row[field.column_name]  # every column is present (services.dataset_prepare)
            try:
                key = (raw.__class__, raw)
                reading = readings.get(key) if readings is not None else None
            except TypeError:  # an unhashable cell is read every time
                key, reading = None, None
            if reading is None:
                reading = self._read_cell(field, model_field, raw, row, instance)
                if readings is not None and key is not None:
                    readings[key] = reading
            widget_error, value, field_error = reading
            if widget_error is not None:
                errors[field.attribute] = ValidationError(widget_error, code="invalid")
                continue
            setattr(instance, field.attribute, value)
            if field_error is not None:
                field_errors[model_field.name] = field_error
        self._cell_field_errors = field_errors
        if errors:
            raise ValidationError(errors)
        self.prepare(instance)

    @staticmethod
    def _read_cell(field, model_field, raw, row, instance) -> tuple:
        """(widget's error, value, model field's errors) of one cell."""
        try:
            value = field.widget.clean(raw, row=row)
        except ValueError as exc:
            return str(exc), None, None
        if model_field is None or (model_field.blank and value in model_field.empty_values):
            return None, value, None
        try:
            return None, model_field.clean(value, instance), None
        except ValidationError as exc:
            return None, value, exc.error_list

    def _field_errors(self, instance, exclude: set[str]) -> dict:
        """``Model.clean_fields`` for the fields no cell set (the cells' fields were checked as they
        were read), each distinct value of a field checked once per import."""
        errors = {}
        for field in _checked_fields(type(instance)):
            if field.name in exclude or field.name in self._cell_fields:
                continue
            raw = getattr(instance, field.attname)
            if field.blank and raw in field.empty_values:
                continue
            try:
                key = (field.name, raw.__class__, raw)
                outcome = self._field_checks.get(key)
            except TypeError:
                key, outcome = None, None
            if outcome is None:
                try:
                    outcome = (True, field.clean(raw, instance))
                except ValidationError as exc:
                    outcome = (False, exc.error_list)
                if key is not None:
                    self._field_checks[key] = outcome
            ok, value = outcome
            if ok:
                setattr(instance, field.attname, value)
            else:
                errors[field.name] = value
        return errors

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        # Relations were resolved from the preloaded tables, and uniqueness is the import's
        # identity, so neither is re-checked (both would cost a query per row).
        exclude = set(errors) | _relation_names(type(instance))
        errors.update({name: e for name, e in self._cell_field_errors.items() if name not in exclude})
        errors.update(self._field_errors(instance, exclude))
        if not errors:
            try:
                self.check_row(instance)
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def get_instance(self, instance_loader, row):
        instance = super().get_instance(instance_loader, row)
        if instance is not None:
            self._stored_values[id(instance)] = self._values(instance)
        return instance

    def _values(self, instance) -> list:
        return [field.get_value(instance) for field in self._import_fields]

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors:
            return False
        stored = self._stored_values.get(id(instance))
        return stored is not None and stored == self._values(instance)

    def save_instance(self, instance, is_create, row, **kwargs):
        self.pending.append((kwargs["row_number"], instance, is_create))

    def after_import_row(self, row, row_result, **kwargs):
        number = kwargs["row_number"]
        if number % 250 == 0:
            self.progress(number, 2 * self.total)

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        """Called once, after the last row: run the rules across rows and write what passes."""
        self._result = result
        pending, self.pending = self.pending, []
        try:
            with transaction.atomic():
                self.apply(pending)
        except Exception as exc:  # a database refusal: reported as the file's error, all rolled back
            self.handle_import_error(result, exc, raise_errors)
        self.progress(2 * self.total, 2 * self.total)

    def bulk_update(self, *args, **kwargs):
        pass  # done by apply

    def bulk_delete(self, *args, **kwargs):
        pass  # imports never delete

    # --- what each kind defines -------------------------------------------------------------

    def preload(self, dataset) -> None:
        raise NotImplementedError

    def identity(self, row):
        raise NotImplementedError

    def find_existing(self, row):
        raise NotImplementedError

    def prepare(self, instance) -> None:
        """Set derived fields once the row's cells are on the instance."""

    def check_row(self, instance) -> None:
        """Checks of one row that cost no query; raise ValidationError({attribute: message})."""

    def apply(self, pending: list[tuple[int, object, bool]]) -> None:
        raise NotImplementedError

    # --- helpers ----------------------------------------------------------------------------

    def mark_invalid(self, number: int, attribute: str, message) -> None:
        """Turn a row that passed its own checks into an error, because a rule across rows failed."""
        self.rule_errors[number].append((attribute, str(message)))
        row_result = self._result.rows[number - 1]
        if row_result.import_type != INVALID:
            self._result.totals[row_result.import_type] -= 1
            self._result.totals[INVALID] += 1
            row_result.import_type = INVALID
            error = ValidationError({attribute: [str(message)]})
            row_result.validation_error = error
            self._result.invalid_rows.append(InvalidRow(number=number, validation_error=error, values=()))

    def column_of(self, attribute: str) -> str:
        if attribute == NON_FIELD_ERRORS:
            return ""
        for field in self.fields.values():
            if field.attribute == attribute:
                return field.column_name
        return attribute

    def scope_error(self, attribute: str, centre) -> None:
        if self.scope_centre is not None and centre is not None and centre.pk != self.scope_centre.pk:
            raise ValidationError({attribute: str(OTHER_CENTRE.format(centre=centre, own=self.scope_centre))})

    @property
    def acting_user(self):
        """Who the history records as having made the change: the importing account, when known."""
        return self.user if getattr(self.user, "pk", None) else None

    def progress_step(self, done_rows: int) -> None:
        self.progress(self.total + done_rows, 2 * self.total)
