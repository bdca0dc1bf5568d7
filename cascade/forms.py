"""The admin form of a training session, with its trainers and participants as inline formsets.

The form only parses: it reads the session as submitted (its fields, and the trainer and
participant rows that are not marked for deletion), describes it as a ``SessionDraft`` and asks
``cascade.integrity.check_session`` for every broken rule. Each one becomes a form error, so the
admin saves nothing — neither the session nor any row — while a rule fails. A closed session is
refused outright. A centre manager can only place a session in their own centre, so a session
they create or change stays in their scope (``cascade.permissions``).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from cascade import permissions
from cascade.integrity import SESSION_CLOSED, ParticipantDraft, SessionDraft, check_session
from cascade.models import TrainerRole

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
            raise ValidationError(SESSION_CLOSED.format(session=ref))

        centre = cleaned.get("training_centre")
        if centre is not None:
            # A session takes place in its centre's governorate (as session_create records it).
            self.instance.governorate_id = centre.governorate_id

        needed = ("kind", "course", "start_date", "end_date")
        if any(cleaned.get(name) is None for name in needed):
            return cleaned  # the missing fields carry their own errors
        trainers = _kept_rows(self.formsets["trainers"])
        participants = _kept_rows(self.formsets["participations"])

        errors = check_session(
            SessionDraft(
                ref=ref,
                kind=cleaned["kind"],
                course_id=cleaned["course"].pk,
                start_date=cleaned["start_date"],
                end_date=cleaned["end_date"],
                trainer_ids=[row["person"].pk for row in trainers],
                participants=[
                    ParticipantDraft(
                        person_id=row["person"].pk, pre_score=row.get("pre_score"), post_score=row.get("post_score")
                    )
                    for row in participants
                ],
                status=self.instance.status,
            )
        )
        if sum(row.get("role") == TrainerRole.LEAD for row in trainers) > 1:
            errors.append(MORE_THAN_ONE_LEAD.format(session=ref))
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
        return super().save(commit=commit)
