from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _master_trainer_changed(sender, person_id: int, **kwargs) -> None:
    """A person became, or stopped being, a master trainer: the generation of every session they or anyone
    below them trained moves, in the transaction that saved them."""
    from cascade.lineage_upkeep import generations_refresh_below

    generations_refresh_below(person_id)


class CascadeConfig(AppConfig):
    name = "cascade"
    verbose_name = _("Cascade training")

    def ready(self) -> None:
        from lms.signals import master_trainer_changed

        master_trainer_changed.connect(_master_trainer_changed, dispatch_uid="cascade-master-trainer-changed")
