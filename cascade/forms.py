"""The admin form of a training session, with its trainers and participants as inline formsets.

The form only parses: it reads the session as submitted (its fields, and the trainer and
participant rows that are not marked for deletion), describes it as a ``SessionDraft`` — every
field the page edits: dates, trainers, participants with their scores and days attended, and the
reported headcounts when the page changes them — and asks ``cascade.integrity.session_breaches``
for every broken rule. Each one becomes a form error (with its rule code), so the admin saves
nothing — neither the session nor any row — while a rule fails. A closed session is refused
outright. A centre manager can only place a session in their own centre, so a session they create
or change stays in their scope (``cascade.permissions``).

Saving goes through the cascade's writer (``cascade.services.session_save_as_edited``): one
transaction with the session row locked, the lineage index following the trainers and participants
who came or went, headcounts left as they were rising to meet the named participants, and the
session noted as changed, so the figures follow after the commit.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from cascade import permissions, services
from cascade.integrity import (
    RULE_CLOSED,
    SESSION_CLOSED,
    ParticipantDraft,
    SessionDraft,
    Validity,
    qualification_change_breaches,
    session_breaches,
)
from cascade.models import TrainerRole

HEADCOUNT_FIELDS = ("headcount_male", "headcount_female")

# The database refuses a second lead (constraint one_lead_trainer_per_session); say so before it does.
MORE_THAN_ONE_LEAD = _("Session {session}: only one trainer can be the lead trainer.")


def _kept_rows(formset) -> list[dict]:
    """The cleaned rows of ``formset`` that name a person and are not marked for deletion."""
    formset.is_valid()  # runs the rows' own validation once; its errors are shown with the rows
    return [
        form.cleaned_data
        for form in formset.forms
        if form.cleaned_data.get("person") and not form.cleaned_data.get("DELETE")
    ]


class TrainingSessionForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Read before the submitted data is applied to the instance.
        self.was_closed = bool(self.instance.pk) and self.instance.is_closed
        self.rules_failed = False
        centre_field = self.fields.get("training_centre")
        if centre_field is not None and not permissions.is_administrator(self.for_user):
            centre_id = permissions.managed_centre_id(self.for_user)
            centre_field.queryset = (
                centre_field.queryset.filter(pk=centre_id) if centre_id else centre_field.queryset.none()
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        ref = cleaned.get("ref") or self.instance.ref
        if self.was_closed:
            self.rules_failed = True
            raise ValidationError(SESSION_CLOSED.format(session=ref), code=RULE_CLOSED)

        centre = cleaned.get("training_centre")
        if centre is not None:
            # A session takes place in its centre's governorate (as session_create records it).
            self.instance.governorate_id = centre.governorate_id

        needed = ("kind", "course", "start_date", "end_date")
        if any(cleaned.get(name) is None for name in needed):
            return cleaned  # the missing fields carry their own errors
        trainers = _kept_rows(self.formsets["trainers"])
        participants = _kept_rows(self.formsets["participations"])

        # Headcounts the page changes are checked against the named participants; left as they
        # were, they rise to meet them on saving, as when the workspace names someone.
        headcounts_given = any(name in self.changed_data for name in HEADCOUNT_FIELDS)
        breaches = session_breaches(
            SessionDraft(
                ref=ref,
                kind=cleaned["kind"],
                course_id=cleaned["course"].pk,
                start_date=cleaned["start_date"],
                end_date=cleaned["end_date"],
                trainer_ids=[row["person"].pk for row in trainers],
                participants=[
                    ParticipantDraft(
                        person_id=row["person"].pk,
                        pre_score=row.get("pre_score"),
                        post_score=row.get("post_score"),
                        days_attended=row.get("days_attended"),
                    )
                    for row in participants
                ],
                status=self.instance.status,
                headcount_male=cleaned.get("headcount_male") if headcounts_given else None,
                headcount_female=cleaned.get("headcount_female") if headcounts_given else None,
            )
        )
        errors = [breach.as_error() for breach in breaches]
        if sum(row.get("role") == TrainerRole.LEAD for row in trainers) > 1:
            errors.append(ValidationError(MORE_THAN_ONE_LEAD.format(session=ref), code="more_than_one_lead"))
        if errors:
            self.rules_failed = True
            raise ValidationError(errors)
        return cleaned

    def validate_constraints(self) -> None:
        # The session's table constraints (dates in order, a known kind) are also integrity rules,
        # already reported in the rules' words; Django's "constraint … is violated" would repeat them.
        if not self.rules_failed:
            super().validate_constraints()

    def save(self, commit: bool = True):
        if self.instance._state.adding and self.for_user is not None and self.for_user.is_authenticated:
            self.instance.created_by = self.for_user
        if not commit:
            return super().save(commit=False)
        changed = self.has_changed() or any(formset.has_changed() for formset in self.formsets.values())
        return services.session_save_as_edited(
            session_id=self.instance.pk,
            write=lambda: super(TrainingSessionForm, self).save(commit=True),
            changed=changed,
            user=self.for_user,
        )


class TrainerQualificationForm(WagtailAdminModelForm):
    """The admin's qualification form: a change that would leave a cascade session led by a trainer
    without a valid qualification is refused with the sessions named, and the cascade's writer
    stores it (``cascade.services.qualification_save``), so the figures count it."""

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.instance.pk and all(cleaned.get(name) for name in ("person", "course", "valid_from")):
            after = Validity(cleaned["person"].pk, cleaned["course"].pk, cleaned["valid_from"], cleaned["valid_until"])
            breaches = qualification_change_breaches(removed=[self.instance.pk], after=after)
            if breaches:
                raise ValidationError([breach.as_error() for breach in breaches])
        return cleaned

    def save(self, commit: bool = True):
        qualification = super().save(commit=False)
        return services.qualification_save(qualification=qualification) if commit else qualification
