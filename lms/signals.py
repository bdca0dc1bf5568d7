"""Signals the learning records send to the layers above them.

``course_completed`` is sent (after the transaction commits) when a trainee meets a course's
completion rules on the e-learning platform. Keyword arguments: ``person`` (lms.Person),
``course`` (courses.Course), ``completed_at`` (aware datetime) and ``completion_id`` (the
primary key of the completion record). The certificates app listens and issues the certificate;
the lms app cannot call it directly because certificates sits above it in the layers.

``master_trainer_changed`` is sent inside the transaction that saved an existing person whose
``is_master_trainer`` changed (the admin's person form). Keyword argument: ``person_id``. The
cascade listens and moves the generation of every session below them, in the same transaction.

``people_changed`` is sent inside the transaction that changed what the cascade's figures count a
person by (gender, governorate, unit or station) on people already stored: the admin's person form
and the people import. Keyword argument: ``person_ids``. The cascade listens and notes every
session they took part in as changed, so the figures that count them follow.
"""

from django.dispatch import Signal

course_completed = Signal()
master_trainer_changed = Signal()
people_changed = Signal()

# The person's fields the cascade's figures count them by.
COUNTED_FIELDS = ("gender", "governorate", "unit", "station")
