from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _master_trainer_changed(sender, person_id: int, **kwargs) -> None:
    """A person became, or stopped being, a master trainer: the generation of every session they or anyone
    below them trained moves, in the transaction that saved them."""
    from cascade.lineage_upkeep import generations_refresh_below

    generations_refresh_below(person_id)


def _people_changed(sender, person_ids, **kwargs) -> None:
    from cascade.services import people_recount

    people_recount(person_ids=person_ids)


class CascadeConfig(AppConfig):
    name = "cascade"
    verbose_name = _("Cascade training")

    def ready(self) -> None:
        from lms.signals import master_trainer_changed, people_changed

        master_trainer_changed.connect(_master_trainer_changed, dispatch_uid="cascade-master-trainer-changed")
        people_changed.connect(_people_changed, dispatch_uid="cascade-people-changed")
