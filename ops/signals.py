"""Signals ops sends to the apps above it.

``person_anonymised`` is sent (after the transaction commits) when a person's identity has been
removed (``ops.privacy.person_anonymise``). Keyword argument: ``person_id``. Apps that keep rendered
copies of names (the audit's stored dashboard pages) drop them.
"""

from django.dispatch import Signal

person_anonymised = Signal()
