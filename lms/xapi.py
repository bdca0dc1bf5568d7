"""xAPI-shaped statements for the learning records, kept so a Learning Record Store can take them later.

Each statement follows the xAPI 1.0.3 structure (``id``, ``actor``, ``verb``, ``object``,
optional ``result`` and ``context``, ``timestamp``). The actor is identified by an account on this
platform whose name is the service number: no personal name leaves in a statement. Activity ids
are IRIs under the site's address (``SITE_URL``), stable across languages.
"""

import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet

from lms.models import LearningStatement, Person

XAPI_VERSION = "1.0.3"
VERB_COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VERB_PASSED = "http://adlnet.gov/expapi/verbs/passed"
VERB_FAILED = "http://adlnet.gov/expapi/verbs/failed"
VERB_SCORED = "http://adlnet.gov/expapi/verbs/scored"
VERB_NAMES = {VERB_COMPLETED: "completed", VERB_PASSED: "passed", VERB_FAILED: "failed", VERB_SCORED: "scored"}

ACTIVITY_COURSE = "http://adlnet.gov/expapi/activities/course"
ACTIVITY_LESSON = "http://adlnet.gov/expapi/activities/lesson"
ACTIVITY_ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"


def _site() -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def course_iri(course_code: str) -> str:
    return f"{_site()}/xapi/activities/courses/{course_code}"


def lesson_iri(course_code: str, lesson_key) -> str:
    return f"{course_iri(course_code)}/lessons/{lesson_key}"


def quiz_iri(course_code: str, kind: str, module_number: int) -> str:
    if kind == "module":
        return f"{course_iri(course_code)}/modules/{module_number}/quiz"
    return f"{course_iri(course_code)}/{kind}-test"


def statement_record(
    *,
    person: Person,
    verb: str,
    object_id: str,
    activity_type: str,
    name: str,
    timestamp: datetime,
    parent_id: str = "",
    score: Decimal | None = None,
    success: bool | None = None,
) -> LearningStatement:
    """Store one statement. Called inside the transaction that writes the record it describes."""
    statement_id = uuid.uuid4()
    statement = {
        "id": str(statement_id),
        "version": XAPI_VERSION,
        "actor": {"objectType": "Agent", "account": {"homePage": _site(), "name": person.service_number}},
        "verb": {"id": verb, "display": {"en-US": VERB_NAMES[verb]}},
        "object": {
            "objectType": "Activity",
            "id": object_id,
            "definition": {"type": activity_type, "name": {"und": name}},
        },
        "timestamp": timestamp.isoformat(),
    }
    result = {}
    if score is not None:
        result["score"] = {"scaled": float(score) / 100, "raw": float(score), "min": 0, "max": 100}
    if success is not None:
        result["success"] = success
    if verb == VERB_COMPLETED:
        result["completion"] = True
    if result:
        statement["result"] = result
    if parent_id:
        statement["context"] = {"contextActivities": {"parent": [{"id": parent_id, "objectType": "Activity"}]}}
    return LearningStatement.objects.create(
        id=statement_id, person=person, verb=verb, object_id=object_id, timestamp=timestamp, statement=statement
    )


def statements_as_json_lines(statements: QuerySet[LearningStatement]) -> Iterator[str]:
    """One statement per line, oldest first, as an LRS import or ``jq`` expects."""
    for statement in statements.order_by("timestamp", "id").values_list("statement", flat=True).iterator(2000):
        yield json.dumps(statement, ensure_ascii=False, separators=(",", ":")) + "\n"
