"""Changes made offline and sent to the sync endpoint.

Nouns:
- ``SyncChange``: one change a phone recorded offline (an attendance tick, a score, an outcome, a
  person put on a roster or newly recorded, a lesson completed), under the id the phone made for
  it. A change applied or in conflict is stored once, whatever number of times it is sent: the id
  is unique, so a batch replayed after a dropped answer (or sent twice at once) stores nothing new
  and answers what the first sending did. A refused change (malformed, another login's, or a
  session the sender may not change) is not stored: the phone keeps it.

Invariants:
- ``change_id`` is unique (database constraint): the record that a change was received;
- a change is ``applied`` (written through the cascade's one writer, or the learning records'
  service) or a ``conflict`` that carries its rule code and parameters (rendered in the reader's
  language when shown) until the trainer resolves it: ``kept_mine`` (applied after all),
  ``kept_theirs`` (the server's record stays; the change is kept here, not applied) or ``edited``
  (applied with the value the trainer corrected). Nothing is deleted: a discarded change stays
  visible with who decided and when.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cascade.models import TrainingSession


class ChangeKind(models.TextChoices):
    ATTENDANCE = "attendance", _("Attendance")
    SCORE = "score", _("Score")
    OUTCOME = "outcome", _("Outcome")
    PARTICIPANT_ADD = "participant_add", _("Person put on the roster")
    PERSON_CREATE = "person_create", _("New person")
    LESSON_COMPLETE = "lesson_complete", _("Lesson completed")


class ChangeStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    CONFLICT = "conflict", _("Conflict")
    KEPT_MINE = "kept_mine", _("Resolved: mine kept")
    KEPT_THEIRS = "kept_theirs", _("Resolved: theirs kept")
    EDITED = "edited", _("Resolved: edited")


class SyncChangeQuerySet(models.QuerySet):
    def conflicts(self) -> "SyncChangeQuerySet":
        return self.filter(status=ChangeStatus.CONFLICT)


class SyncChange(models.Model):
    change_id = models.UUIDField(_("change id"), unique=True, help_text=_("Made by the phone that recorded it."))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ChangeKind.choices)
    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sync_changes",
    )
    person_id_sent = models.BigIntegerField(_("person (as sent)"), null=True, blank=True)
    payload = models.JSONField(_("change as sent"))
    position = models.PositiveIntegerField(_("position in its batch"), default=0)
    recorded_at = models.DateTimeField(_("recorded on the phone at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=16, choices=ChangeStatus.choices)
    # The person the change concerns once applied (a new person's id, for the changes that name them).
    person_id_applied = models.BigIntegerField(_("person (as applied)"), null=True, blank=True)
    code = models.CharField(_("reason code"), max_length=48, blank=True)
    params = models.JSONField(_("reason parameters"), default=dict, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution = models.JSONField(_("value applied on resolution"), null=True, blank=True)

    objects = SyncChangeQuerySet.as_manager()

    class Meta:
        ordering = ["received_at", "position", "pk"]
        verbose_name = _("synced change")
        verbose_name_plural = _("synced changes")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="conflict") | ~models.Q(code=""), name="sync_conflict_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["status", "session"]), models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.change_id} · {self.kind} · {self.status}"
