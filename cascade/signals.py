"""Signals the cascade sends to the layers above it.

``session_closed`` is sent after the transaction that closed a session commits. Keyword
arguments: ``session`` (cascade.TrainingSession) and ``completed_person_ids`` (the participants
whose outcome is "completed": their completion of the course is marked by the close; the
certificates app may issue on it).
"""

from django.dispatch import Signal

session_closed = Signal()
