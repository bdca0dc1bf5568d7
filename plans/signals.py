"""``targets_changed`` is sent inside the transaction that wrote lines of the national plan (the
admin's target form and delete, the targets import), however many. No keyword arguments. The audit
listens and retires the stored dashboards that show the targets, after the commit."""

from django.dispatch import Signal

targets_changed = Signal()
