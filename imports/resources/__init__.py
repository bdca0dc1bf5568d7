"""One django-import-export resource per importable record, each in its own module.

``base`` holds what they share (``RecordResource``: preloading, duplicate rows, row checks, the
final bulk write); ``people``, ``sessions``, ``participations`` and ``targets`` one kind each.
Natural keys are the import ids (service number; session reference; session + person; year +
place + course). Sessions and participations are written only after ``cascade.integrity`` has
passed the session as the write leaves it.
"""

from imports.resources.base import (
    DUPLICATE_ROW,
    HISTORY_REASON,
    OTHER_CENTRE,
    SESSION_OF_OTHER_CENTRE,
    ImportRowResult,
    PreloadedInstanceLoader,
    RecordResource,
)
from imports.resources.participations import ParticipationResource
from imports.resources.people import PERSON_OUTSIDE_CENTRE, POSSIBLE_DUPLICATE, PersonResource
from imports.resources.sessions import CENTRE_NOT_IN_GOVERNORATE, TrainingSessionResource
from imports.resources.targets import YEAR_OUT_OF_RANGE, TargetResource

RESOURCES: dict[str, type[RecordResource]] = {
    "people": PersonResource,
    "sessions": TrainingSessionResource,
    "participations": ParticipationResource,
    "targets": TargetResource,
}

__all__ = [
    "CENTRE_NOT_IN_GOVERNORATE",
    "DUPLICATE_ROW",
    "HISTORY_REASON",
    "OTHER_CENTRE",
    "PERSON_OUTSIDE_CENTRE",
    "POSSIBLE_DUPLICATE",
    "RESOURCES",
    "SESSION_OF_OTHER_CENTRE",
    "YEAR_OUT_OF_RANGE",
    "ImportRowResult",
    "ParticipationResource",
    "PersonResource",
    "PreloadedInstanceLoader",
    "RecordResource",
    "TargetResource",
    "TrainingSessionResource",
]
