"""History of the records that matter, kept by django-simple-history in this app's tables.

Every change (create, update, delete) to the models registered below writes a historical row with
the values, the time, the change type and the account that made it (``HistoryRequestMiddleware``
records the request's user). The historical models are registered with ``app="ops"`` so that
their migrations live here, not in the apps that own the records. Bulk writes bypass model
signals: they go through ``ops.history`` instead.

Historical rows are never changed through the application: the history views are read-only and
the historical models have only a view permission (no add, change or delete permission exists).
"""

from django.db import models
from modelcluster.fields import ParentalKey
from simple_history import register
from simple_history.models import HistoricalRecords

from cascade.models import Participation, SessionTrainer, TrainerQualification, TrainingSession
from certificates.models import Certificate
from lms.models import Person
from plans.models import Target


class ReadOnlyHistoricalRecords(HistoricalRecords):
    """Historical models with the view permission only."""

    def get_meta_options(self, model):
        return {**super().get_meta_options(model), "default_permissions": ("view",)}

    def copy_fields(self, model):
        fields = super().copy_fields(model)
        for name, field in fields.items():
            if isinstance(field, ParentalKey):
                # A historical row only records the parent's id; modelcluster's ParentalKey (which
                # forbids related_name="+") has no meaning there.
                fields[name] = models.ForeignKey(
                    field.remote_field.model,
                    verbose_name=field.verbose_name,
                    on_delete=models.DO_NOTHING,
                    db_constraint=False,
                    related_name="+",
                    null=True,
                    blank=True,
                    db_index=True,
                )
        return fields


TRACKED_MODELS = [Person, TrainingSession, SessionTrainer, Participation, TrainerQualification, Target, Certificate]

for _model in TRACKED_MODELS:
    register(_model, app="ops", records_class=ReadOnlyHistoricalRecords)
