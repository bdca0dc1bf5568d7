"""The admin's form of a plan line: a saved line says so (``plans.signals.targets_changed``)."""

from wagtail.admin.forms import WagtailAdminModelForm

from plans.signals import targets_changed


class TargetForm(WagtailAdminModelForm):
    def save(self, commit: bool = True):
        target = super().save(commit=commit)
        if commit:
            targets_changed.send(sender=type(target))
        return target
