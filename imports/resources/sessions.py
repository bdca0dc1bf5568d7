"""Training sessions: one row per session, identified by its reference; lead and co-trainers by service number."""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from cascade import integrity
from cascade.integrity import ParticipantDraft, RuleBreach, session_breaches, sessions_breaches
from cascade.models import (
    Participation,
    SessionKind,
    SessionStatus,
    SessionTrainer,
    TrainerRole,
    TrainingSession,
)
from cascade.writer import SessionWrite, sessions_write
from imports import matching
from imports.resources.base import (
    HISTORY_REASON,
    SESSION_OF_OTHER_CENTRE,
    RecordResource,
    chunks,
    participant_draft,
    service_numbers,
    session_draft,
)
from imports.widgets import (
    CellWidget,
    CentreWidget,
    ChoiceWidget,
    CountWidget,
    CourseWidget,
    DateCellWidget,
    GovernorateWidget,
    PeopleWidget,
    PersonWidget,
)
from lms.models import Person

# What a row of an existing session may change (its reference and status are not the file's to set).
UPDATED_FIELDS = (
    "course",
    "kind",
    "training_centre",
    "governorate",
    "start_date",
    "end_date",
    "headcount_male",
    "headcount_female",
)
CENTRE_NOT_IN_GOVERNORATE = _("Training centre “{centre}” is in {actual}, not in {given}.")


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
        for chunk in chunks(refs):
            self.existing.update(
                (s.ref, s)
                for s in TrainingSession.objects.filter(ref__in=chunk).select_related(
                    "course", "training_centre__governorate", "governorate"
                )
            )
        ids = [s.pk for s in self.existing.values()]
        self.stored_trainers: dict[int, list[SessionTrainer]] = defaultdict(list)
        self.stored_participants: dict[int, list[ParticipantDraft]] = defaultdict(list)
        for chunk in chunks(ids):
            for trainer in SessionTrainer.objects.filter(session_id__in=chunk).select_related("person"):
                self.stored_trainers[trainer.session_id].append(trainer)
            for session_id, person_id, pre, post, days in Participation.objects.filter(
                session_id__in=chunk
            ).values_list("session_id", "person_id", "pre_score", "post_score", "days_attended"):
                self.stored_participants[session_id].append(
                    participant_draft(person_id=person_id, pre_score=pre, post_score=post, days_attended=days)
                )
        numbers = set()
        for row in dataset.dict:  # read as the widgets read them: ١٠٠٠٠٧ is 100007
            numbers |= service_numbers(row.get("lead_trainer_service_number"))
            numbers |= service_numbers(row.get("co_trainer_service_numbers"))
        for trainers in self.stored_trainers.values():
            numbers.update(t.person.service_number for t in trainers)
        self.people: dict[str, Person] = {}
        for chunk in chunks(numbers - {""}):
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
                session_draft(
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
                new.append(self._write_of(session))
            else:  # written now: the sessions below it are checked against its trainers
                sessions_write(
                    writes=[self._write_of(session)],
                    fields=UPDATED_FIELDS,
                    user=self.acting_user,
                    reason=HISTORY_REASON,
                )
            done += 1
            if done % 250 == 0:
                self.progress_step(done)
        sessions_write(writes=new, fields=UPDATED_FIELDS, user=self.acting_user, reason=HISTORY_REASON)
        self.progress_step(self.total)

    def _write_of(self, session) -> SessionWrite:
        return SessionWrite(
            session=session,
            lead_id=session.import_lead.pk,
            co_trainer_ids=tuple(p.pk for p in session.import_co_trainers),
            stored_trainers=tuple(self.stored_trainers.get(session.pk, ())),
            stored_participant_ids=frozenset(p.person_id for p in self.stored_participants.get(session.pk, ())),
        )

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
