"""One django-import-export resource per importable record: people, sessions, participations, targets.

Natural keys are the import ids (service number; session reference; session + person; year +
place + course). Each resource reads its file in one pass with no query per row: reference
tables and the records the file names are loaded once (``preload``), looked up by the instance
loader and the widgets, and rows identical to what is stored are skipped as unchanged
(``skip_unchanged``). Rows are validated one by one (cell widgets, the model's field checks,
``check_row``), then written in bulk at the end (``apply``) — sessions and participations only
after ``cascade.integrity`` has passed the session as the write leaves it. A rule that fails
marks the row that broke it as invalid, on the column that broke it, and import-export's
``rollback_on_validation_errors`` rolls the whole file back.

A file that repeats a record (the same key twice) is refused on the repeating row: the second
row would otherwise silently overwrite the first.
"""

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import cache

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export import resources
from import_export.fields import Field
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import InvalidRow, RowResult

from cascade import integrity
from cascade.integrity import ParticipantDraft, RuleBreach, SessionDraft, session_breaches, sessions_breaches
from cascade.lineage import ancestor_ids, bulk_writes, links_add_session, session_generations_refresh
from cascade.models import (
    Outcome,
    Participation,
    SessionKind,
    SessionStatus,
    SessionTrainer,
    TrainerRole,
    TrainingSession,
)
from cascade.services import headcounts_cover_named
from cascade.signals import sessions_note
from imports import matching
from imports.bulk import records_create, records_update
from imports.widgets import (
    BoundWidget,
    CellWidget,
    CentreWidget,
    ChoiceWidget,
    CountWidget,
    CourseWidget,
    DateCellWidget,
    GovernorateWidget,
    PeopleWidget,
    PersonWidget,
    PlaceWidget,
    ScoreWidget,
    ServiceNumberWidget,
    SessionWidget,
)
from lms.models import Gender, Person, Rank
from lms.text import normalize_arabic
from ops.history import delete_with_history
from plans.models import Target

DUPLICATE_ROW = _("The same record is already in row {line} of this file.")
POSSIBLE_DUPLICATE = _(
    "Possibly the same person as {people}: same name, governorate and rank under another service number."
)
OTHER_CENTRE = _("“{centre}” is not your training centre; you can import rows of {own} only.")
PERSON_OUTSIDE_CENTRE = _(
    "Service number {number} is already recorded for someone who has not trained or been trained at {own}: "
    "only an administrator can import changes to their record. Leave the row out; your participations "
    "and sessions files can still name them."
)
SESSION_OF_OTHER_CENTRE = _("Session {session} belongs to another training centre; you can import rows of {own} only.")
CENTRE_NOT_IN_GOVERNORATE = _("Training centre “{centre}” is in {actual}, not in {given}.")
YEAR_OUT_OF_RANGE = _("{year} is not a plan year (2000–2100).")

CHUNK = 2000
HISTORY_REASON = "bulk import"
# Past this many sessions written at once, and at least as many new participations as were stored,
# the lineage index is rebuilt in one pass instead of extended session by session.
LINKS_REBUILD_OVER = 200
INVALID = RowResult.IMPORT_TYPE_INVALID


def _chunks(values: Iterable, size: int = CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _ancestors(person_ids: set[int]) -> set[int]:
    found: set[int] = set()
    for chunk in _chunks(person_ids, 5000):
        found |= ancestor_ids(chunk)
    return found


def _large_load(session_count: int, new_rows: int) -> bool:
    """Whether a write of ``new_rows`` participations in ``session_count`` sessions is better followed by
    one rebuild of the lineage index than by extending it session by session.

    Extending costs in proportion to the sessions' own people; a rebuild, in proportion to everything
    stored. So a rebuild only when the import at least doubles the participations (a first load):
    for a few thousand rows added to a national data set it would cost minutes instead of seconds.
    """
    return session_count > LINKS_REBUILD_OVER and new_rows >= Participation.objects.count()


def _people_of_centre(numbers: list[str], centre) -> set[str]:
    """Those of ``numbers`` who trained, or were trained, in a session of ``centre``."""
    found: set[str] = set()
    of_centre = TrainingSession.objects.filter(training_centre=centre).values("pk")
    for chunk in _chunks(numbers):
        found.update(
            Person.objects.filter(service_number__in=chunk)
            .filter(
                Exists(Participation.objects.filter(person_id=OuterRef("pk"), session_id__in=of_centre))
                | Exists(SessionTrainer.objects.filter(person_id=OuterRef("pk"), session_id__in=of_centre))
            )
            .values_list("service_number", flat=True)
        )
    return found


@cache
def _known_fields(draft_class) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(draft_class))


def _draft(**fields) -> SessionDraft:
    """A SessionDraft of the fields this version of ``cascade.integrity`` knows."""
    known = _known_fields(SessionDraft)
    return SessionDraft(**{name: value for name, value in fields.items() if name in known})


def _participant(**fields) -> ParticipantDraft:
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


# --- people ---------------------------------------------------------------------------------


class PersonResource(RecordResource):
    service_number = Field("service_number", "service_number", ServiceNumberWidget(required=True, max_length=32))
    name_ar = Field("name_ar", "name_ar", CellWidget(required=True, max_length=200))
    name_latin = Field("name_latin", "name_latin", CellWidget(max_length=200))
    gender = Field("gender", "gender", ChoiceWidget(Gender, required=True))
    rank = Field("rank", "rank", ChoiceWidget(Rank))
    unit = Field("unit", "unit", PlaceWidget(place="unit"))
    station = Field("station", "station", PlaceWidget(place="station"))
    governorate = Field("governorate", "governorate", GovernorateWidget(required=True))

    identity_field = "service_number"

    class Meta(RecordResource.Meta):
        model = Person
        fields = ("service_number", "name_ar", "name_latin", "gender", "rank", "unit", "station", "governorate")
        import_id_fields = ("service_number",)

    def _number(self, row) -> str | None:
        try:
            return self.fields["service_number"].widget.clean(row.get("service_number"))
        except ValueError:
            return None

    def preload(self, dataset):
        numbers = {n for n in (self._number(row) for row in dataset.dict) if n}
        self.existing: dict[str, Person] = {}
        for chunk in _chunks(numbers):
            self.existing.update(
                (p.service_number, p)
                for p in Person.objects.filter(service_number__in=chunk).select_related(
                    "governorate", "unit", "station"
                )
            )
        self.in_scope: set[str] = set()
        if self.scope_centre is not None:
            self.in_scope = _people_of_centre(list(self.existing), self.scope_centre)
        # Stored people who share a normalised name with someone in the file: possible duplicates.
        names = {normalize_arabic(matching.text(row.get("name_ar"))) for row in dataset.dict} - {""}
        self.namesakes: dict[tuple, set[str]] = defaultdict(set)
        for chunk in _chunks(names):
            for number, name, governorate_id, rank in Person.objects.filter(name_ar_normalized__in=chunk).values_list(
                "service_number", "name_ar_normalized", "governorate_id", "rank"
            ):
                self.namesakes[(name, governorate_id, rank)].add(number)

    def identity(self, row):
        return self._number(row)

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        # A training-centre manager adds new people, and updates only the people of their centre's
        # sessions; a row naming anyone else is refused whether or not it would change them, so
        # the dry run tells a manager nothing about records they may not read.
        number = self._number(row)
        if self.scope_centre is not None and number in self.existing and number not in self.in_scope:
            raise ValidationError(
                {"service_number": str(PERSON_OUTSIDE_CENTRE.format(number=number, own=self.scope_centre))}
            )

    def find_existing(self, row):
        number = self._number(row)
        return self.existing.get(number) if number else None

    def prepare(self, instance):
        instance.name_ar_normalized = normalize_arabic(instance.name_ar or "")

    def check_row(self, instance):
        instance.clean()  # unit and station lie in the person's governorate
        key = (instance.name_ar_normalized, instance.governorate_id, instance.rank)
        others = sorted(self.namesakes[key] - {instance.service_number})
        if others:
            self.warnings[self.current_row].append(str(POSSIBLE_DUPLICATE.format(people=", ".join(others))))
        self.namesakes[key].add(instance.service_number)

    def apply(self, pending):
        now = timezone.now()
        new = [instance for _, instance, is_create in pending if is_create]
        updated = [instance for _, instance, is_create in pending if not is_create]
        records_create(new, Person, user=self.acting_user, reason=HISTORY_REASON, batch_size=2000)
        for instance in updated:
            instance.updated_at = now
        fields = [*self._meta.fields[1:], "name_ar_normalized", "updated_at"]
        records_update(updated, fields, Person, user=self.acting_user, reason=HISTORY_REASON, batch_size=1000)
        self.progress_step(self.total)


# --- sessions -------------------------------------------------------------------------------


class TrainingSessionResource(RecordResource):
    ref = Field("ref", "session_ref", CellWidget(required=True, max_length=64))
    course = Field("course", "course_code", CourseWidget(required=True))
    kind = Field("kind", "kind", ChoiceWidget(SessionKind, extra={"totcourse": "tot"}, required=True))
    training_centre = Field("training_centre", "training_centre", CentreWidget(required=True))
    governorate = Field("governorate", "governorate", GovernorateWidget())
    start_date = Field("start_date", "start_date", DateCellWidget(required=True))
    end_date = Field("end_date", "end_date", DateCellWidget(required=True))
    lead_trainer = Field("import_lead", "lead_trainer_service_number", PersonWidget(required=True))
    co_trainers = Field("import_co_trainers", "co_trainer_service_numbers", PeopleWidget())
    headcount_male = Field("headcount_male", "headcount_male", CountWidget())
    headcount_female = Field("headcount_female", "headcount_female", CountWidget())

    identity_field = "ref"

    class Meta(RecordResource.Meta):
        model = TrainingSession
        fields = (
            "ref",
            "course",
            "kind",
            "training_centre",
            "governorate",
            "start_date",
            "end_date",
            "lead_trainer",
            "co_trainers",
            "headcount_male",
            "headcount_female",
        )
        import_id_fields = ("ref",)

    def preload(self, dataset):
        refs = {matching.text(row.get("session_ref")) for row in dataset.dict} - {""}
        self.existing: dict[str, TrainingSession] = {}
        for chunk in _chunks(refs):
            self.existing.update(
                (s.ref, s)
                for s in TrainingSession.objects.filter(ref__in=chunk).select_related(
                    "course", "training_centre__governorate", "governorate"
                )
            )
        ids = [s.pk for s in self.existing.values()]
        self.stored_trainers: dict[int, list[SessionTrainer]] = defaultdict(list)
        self.stored_participants: dict[int, list[ParticipantDraft]] = defaultdict(list)
        for chunk in _chunks(ids):
            for trainer in SessionTrainer.objects.filter(session_id__in=chunk).select_related("person"):
                self.stored_trainers[trainer.session_id].append(trainer)
            for session_id, person_id, pre, post, days in Participation.objects.filter(
                session_id__in=chunk
            ).values_list("session_id", "person_id", "pre_score", "post_score", "days_attended"):
                self.stored_participants[session_id].append(
                    _participant(person_id=person_id, pre_score=pre, post_score=post, days_attended=days)
                )
        numbers = set()
        for row in dataset.dict:
            numbers.add(matching.text(row.get("lead_trainer_service_number")))
            for part in matching.text(row.get("co_trainer_service_numbers")).replace(",", ";").split(";"):
                numbers.add(part.strip())
        for trainers in self.stored_trainers.values():
            numbers.update(t.person.service_number for t in trainers)
        self.people: dict[str, Person] = {}
        for chunk in _chunks(numbers - {""}):
            self.people.update(
                (p.service_number, p)
                for p in Person.objects.filter(service_number__in=chunk).only("id", "service_number", "name_ar")
            )

    def identity(self, row):
        return matching.text(row.get("session_ref")) or None

    def find_existing(self, row):
        session = self.existing.get(matching.text(row.get("session_ref")))
        if session is None:
            return None
        trainers = self.stored_trainers.get(session.pk, [])
        session.import_lead = next((t.person for t in trainers if t.role == TrainerRole.LEAD), None)
        session.import_co_trainers = tuple(
            sorted((t.person for t in trainers if t.role != TrainerRole.LEAD), key=lambda p: p.service_number)
        )
        session.import_stored = (session.training_centre_id, session.status)
        return session

    def init_instance(self, row=None):
        session = TrainingSession()
        session.import_lead, session.import_co_trainers, session.import_stored = None, (), None
        return session

    def prepare(self, instance):
        if instance.governorate_id is None and instance.training_centre_id:
            instance.governorate = instance.training_centre.governorate

    def check_row(self, instance):
        centre = instance.training_centre
        if instance.governorate_id != centre.governorate_id:
            raise ValidationError(
                {
                    "governorate": str(
                        CENTRE_NOT_IN_GOVERNORATE.format(
                            centre=centre, actual=centre.governorate, given=instance.governorate
                        )
                    )
                }
            )
        if self.scope_centre is not None:
            stored = instance.import_stored
            if stored and stored[0] != self.scope_centre.pk:
                raise ValidationError(
                    {"ref": str(SESSION_OF_OTHER_CENTRE.format(session=instance.ref, own=self.scope_centre))}
                )
            self.scope_error("training_centre", centre)

    def apply(self, pending):
        drafts = []
        for _number, session, is_create in pending:
            trainers = [session.import_lead, *session.import_co_trainers]
            participants = () if is_create else tuple(self.stored_participants.get(session.pk, ()))
            drafts.append(
                _draft(
                    ref=session.ref,
                    kind=session.kind,
                    course_id=session.course_id,
                    start_date=session.start_date,
                    end_date=session.end_date,
                    trainer_ids=tuple(p.pk for p in trainers),
                    participants=participants,
                    status=session.status,
                    was_closed=bool(session.import_stored and session.import_stored[1] == SessionStatus.CLOSED),
                    headcount_male=session.headcount_male if participants else None,
                    headcount_female=session.headcount_female if participants else None,
                )
            )
        # A session without participants has no lineage edge, so the rows written before it cannot
        # change its verdict: all of them are checked together. A session with participants is
        # checked after the trainer changes of the rows above it are written and indexed.
        alone = [i for i, draft in enumerate(drafts) if not draft.participants]
        verdicts = dict(zip(alone, sessions_breaches([drafts[i] for i in alone]), strict=True))
        new, done = [], 0
        for index, (number, session, is_create) in enumerate(pending):
            violations = verdicts[index] if index in verdicts else session_breaches(drafts[index])
            for violation in violations:
                self.mark_invalid(number, self._attribute_of(violation, session), violation.message)
            if violations:
                continue
            if is_create:
                session.created_by = self.user if getattr(self.user, "pk", None) else None
                new.append(session)
            else:
                self._write_update(session)
            done += 1
            if done % 250 == 0:
                self.progress_step(done)
        records_create(new, TrainingSession, user=self.acting_user, reason=HISTORY_REASON, batch_size=1000)
        records_create(
            [row for session in new for row in self._trainer_rows(session)],
            SessionTrainer,
            user=self.acting_user,
            reason=HISTORY_REASON,
            batch_size=2000,
        )
        session_generations_refresh(session.pk for session in new)  # their trainers' generation places them
        sessions_note(session.pk for session in new)
        self.progress_step(self.total)

    def _trainer_rows(self, session) -> list[SessionTrainer]:
        rows = [SessionTrainer(session_id=session.pk, person_id=session.import_lead.pk, role=TrainerRole.LEAD)]
        rows += [
            SessionTrainer(session_id=session.pk, person_id=p.pk, role=TrainerRole.CO_TRAINER)
            for p in session.import_co_trainers
        ]
        return rows

    def _write_update(self, session) -> None:
        sessions_note([session.pk])
        session._history_user, session._change_reason = self.acting_user, HISTORY_REASON
        session.save(
            update_fields=[
                "course",
                "kind",
                "training_centre",
                "governorate",
                "start_date",
                "end_date",
                "headcount_male",
                "headcount_female",
            ]
        )
        stored = self.stored_trainers.get(session.pk, [])
        wanted = {(t.person_id, t.role) for t in self._trainer_rows(session)}
        if {(t.person_id, t.role) for t in stored} != wanted:
            # the index follows (signals)
            delete_with_history(
                SessionTrainer.objects.filter(session_id=session.pk), user=self.acting_user, reason=HISTORY_REASON
            )
            records_create(self._trainer_rows(session), SessionTrainer, user=self.acting_user, reason=HISTORY_REASON)
            links_add_session(session.pk)

    def _attribute_of(self, breach: RuleBreach, session) -> str:
        """The column of a session row that a broken rule concerns (by its code and the ids it names)."""
        code, params = breach.code, breach.params
        lead = session.import_lead
        named_trainer = params.get("trainer_id")
        trainer_column = "import_lead" if lead is not None and named_trainer == lead.pk else "import_co_trainers"
        if code == integrity.RULE_DATES:
            return "end_date"
        if code == integrity.RULE_NO_TRAINER:
            return "import_lead"
        if code == integrity.RULE_DUPLICATE_TRAINER:
            return "import_co_trainers"
        if code in (integrity.RULE_NOT_QUALIFIED, integrity.RULE_SELF_TRAINING, integrity.RULE_CYCLE):
            return trainer_column
        if code == integrity.RULE_HEADCOUNT:
            return breach.field or "headcount_male"
        return "ref"


# --- participations -------------------------------------------------------------------------


class ParticipationResource(RecordResource):
    _service_number = ServiceNumberWidget()

    session = Field("session", "session_ref", SessionWidget(required=True))
    person = Field("person", "service_number", PersonWidget(required=True))
    days_attended = Field("days_attended", "days_attended", CountWidget())
    pre_score = Field("pre_score", "pre_score", ScoreWidget())
    post_score = Field("post_score", "post_score", ScoreWidget())
    outcome = Field("outcome", "outcome", ChoiceWidget(Outcome, default=Outcome.INCOMPLETE))

    identity_field = "person"

    class Meta(RecordResource.Meta):
        model = Participation
        fields = ("session", "person", "days_attended", "pre_score", "post_score", "outcome")
        import_id_fields = ("session", "person")

    def _number(self, row) -> str | None:
        raw = row.get("service_number")
        try:
            return self._numbers[raw]
        except KeyError:
            try:
                number = self._service_number.clean(raw)
            except ValueError:
                number = None
            self._numbers[raw] = number
            return number
        except TypeError:  # an unhashable cell
            return None

    def preload(self, dataset):
        self._numbers: dict = {}
        rows = dataset.dict
        refs = {matching.text(row.get("session_ref")) for row in rows} - {""}
        numbers = {n for n in (self._number(row) for row in rows) if n}
        self.sessions: dict[str, TrainingSession] = {}
        for chunk in _chunks(refs):
            self.sessions.update((s.ref, s) for s in TrainingSession.objects.filter(ref__in=chunk))
        self.people: dict[str, Person] = {}
        for chunk in _chunks(numbers):
            self.people.update(
                (p.service_number, p)
                for p in Person.objects.filter(service_number__in=chunk).only(
                    "id", "service_number", "name_ar", "gender"
                )
            )
        self.existing: dict[tuple[int, int], Participation] = {}
        # The stored values, kept apart from the instances that the rows then change.
        self.stored: dict[int, dict[int, ParticipantDraft]] = defaultdict(dict)
        self.trainer_ids: dict[int, list[int]] = defaultdict(list)
        ids = [s.pk for s in self.sessions.values()]
        for chunk in _chunks(ids):
            for p in Participation.objects.filter(session_id__in=chunk):
                self.existing[(p.session_id, p.person_id)] = p
                self.stored[p.session_id][p.person_id] = _participant(
                    person_id=p.person_id, pre_score=p.pre_score, post_score=p.post_score, days_attended=p.days_attended
                )
            for session_id, person_id in SessionTrainer.objects.filter(session_id__in=chunk).values_list(
                "session_id", "person_id"
            ):
                self.trainer_ids[session_id].append(person_id)

    def identity(self, row):
        ref, number = matching.text(row.get("session_ref")), self._number(row)
        return (ref, number) if ref and number else None

    def find_existing(self, row):
        session, person = self.sessions.get(matching.text(row.get("session_ref"))), self.people.get(self._number(row))
        if session is None or person is None:
            return None
        participation = self.existing.get((session.pk, person.pk))
        if participation is not None:
            participation.session, participation.person = session, person  # compared without a query
        return participation

    def check_row(self, instance):
        if self.scope_centre is not None and instance.session.training_centre_id != self.scope_centre.pk:
            raise ValidationError(
                {"session": str(SESSION_OF_OTHER_CENTRE.format(session=instance.session.ref, own=self.scope_centre))}
            )

    def apply(self, pending):
        groups: dict[int, list[tuple[int, Participation, bool]]] = {}
        for item in pending:
            groups.setdefault(item[1].session_id, []).append(item)
        # Another session of this file can change a session's cycle check only when one of its
        # trainers is taught — directly or further down — by someone the file adds as a participant.
        # Then each session is written and indexed before the next one is checked; otherwise every
        # session is checked against the stored lineage and all are written together at the end.
        # Asked from the trainers' side (few people, and their stored ancestors) rather than from the
        # participants' (thousands, and everyone below them).
        added = {p.person_id for _, p, _ in pending}
        trainers = {t for sid in groups for t in self.trainer_ids.get(sid, ())}
        in_step = bool(trainers & added) or bool(_ancestors(trainers) & added)
        drafts = {session_id: self._session_draft(session_id, items) for session_id, items in groups.items()}
        # Checked alone against the stored lineage, the sessions need no write between them: their
        # stored facts are read for all of them at once.
        verdicts = {} if in_step else dict(zip(drafts, sessions_breaches(list(drafts.values())), strict=True))
        done, passed = 0, []
        for session_id, items in groups.items():
            violations = session_breaches(drafts[session_id]) if in_step else verdicts[session_id]
            if violations:
                self._attribute(violations, items)
            else:
                passed.append(session_id)
                if in_step:
                    self._write(items)
                    links_add_session(session_id)
            done += len(items)
            if done % 1000 < len(items):
                self.progress_step(done)
        if self._result.has_validation_errors():
            return  # the file is refused and rolled back: writing the rest would be wasted
        if not in_step:
            items = [item for session_id in passed for item in groups[session_id]]
            # bulk_create sends no signal: the lineage index learns the new edges here.
            extended = [sid for sid in passed if any(is_create for _, _, is_create in groups[sid])]
            if _large_load(len(extended), sum(1 for _, _, is_create in items if is_create)):
                with bulk_writes():  # the index's per-row upkeep off, one links_rebuild at the end
                    self._write(items)
            else:
                self._write(items)
                for session_id in extended:
                    links_add_session(session_id)
        headcounts_cover_named(passed, user=self.acting_user, reason=HISTORY_REASON)
        sessions_note(passed)

    def _session_draft(self, session_id: int, items) -> SessionDraft:
        """The session as the file leaves it: its stored participants, changed or joined by the rows."""
        session = items[0][1].session
        participants = dict(self.stored[session_id])
        for _number, p, _is_create in items:
            participants[p.person_id] = _participant(
                person_id=p.person_id, pre_score=p.pre_score, post_score=p.post_score, days_attended=p.days_attended
            )
        return _draft(
            ref=session.ref,
            kind=session.kind,
            course_id=session.course_id,
            start_date=session.start_date,
            end_date=session.end_date,
            trainer_ids=tuple(self.trainer_ids.get(session_id, ())),
            participants=tuple(participants.values()),
            status=session.status,
            was_closed=session.status == SessionStatus.CLOSED,
        )

    def _write(self, items) -> None:
        self.save_pending(
            items, ["days_attended", "pre_score", "post_score", "outcome"], create_batch=5000, update_batch=2000
        )

    def _attribute(self, breaches: list[RuleBreach], items) -> None:
        row_of = {p.person_id: number for number, p, _ in items}
        for breach in breaches:
            number = row_of.get(breach.person_id)
            if number is None:  # the session itself breaks the rule: every row of it is refused
                for row_number, _p, _c in items:
                    self.mark_invalid(row_number, "session", breach.message)
                continue
            attribute = {
                integrity.RULE_SCORE: breach.field,
                integrity.RULE_DAYS_TOO_MANY: "days_attended",
            }.get(breach.code, "person")
            self.mark_invalid(number, attribute, breach.message)


# --- targets --------------------------------------------------------------------------------


class TargetResource(RecordResource):
    year = Field("year", "year", CountWidget(required=True, default=None))
    governorate = Field("governorate", "governorate", GovernorateWidget(required=True))
    training_centre = Field("training_centre", "training_centre", CentreWidget())
    course = Field("course", "course_code", CourseWidget(required=True))
    target_participants = Field("target_participants", "target_participants", CountWidget(required=True))
    target_women = Field("target_women", "target_women", CountWidget())

    identity_field = "course"

    class Meta(RecordResource.Meta):
        model = Target
        fields = ("year", "governorate", "training_centre", "course", "target_participants", "target_women")
        import_id_fields = ("year", "governorate", "training_centre", "course")

    def _key(self, row):
        try:
            year = matching.parse_int(row.get("year"))
        except ValueError:
            return None
        governorate = self.lookups.governorate(row.get("governorate"))
        course = self.lookups.course(row.get("course_code"))
        centre = self.lookups.centre(row.get("training_centre"))
        if governorate is None or course is None or (matching.text(row.get("training_centre")) and centre is None):
            return None
        return (year, governorate.pk, centre.pk if centre else None, course.pk)

    def preload(self, dataset):
        years = set()
        for row in dataset.dict:
            try:
                years.add(matching.parse_int(row.get("year")))
            except ValueError:
                continue
        self.existing = {
            (t.year, t.governorate_id, t.training_centre_id, t.course_id): t
            for t in Target.objects.filter(year__in=years)
        }

    def identity(self, row):
        return self._key(row)

    def find_existing(self, row):
        key = self._key(row)
        return self.existing.get(key) if key else None

    def check_row(self, instance):
        if not 2000 <= instance.year <= 2100:
            raise ValidationError({"year": str(YEAR_OUT_OF_RANGE.format(year=instance.year))})
        instance.clean()  # the centre lies in the governorate; women within participants
        self.scope_error("training_centre", instance.training_centre if instance.training_centre_id else None)

    def apply(self, pending):
        self.save_pending(pending, ["target_participants", "target_women"])
        self.progress_step(self.total)


RESOURCES: dict[str, type[RecordResource]] = {
    "people": PersonResource,
    "sessions": TrainingSessionResource,
    "participations": ParticipationResource,
    "targets": TargetResource,
}
