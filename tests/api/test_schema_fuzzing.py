"""schemathesis against the published schema: no server errors, every answer as the schema says.

Each operation gets a bounded number of generated requests (``MAX_EXAMPLES``) so the run takes
about a minute; the data is a small cascade seen through a directorate auditor's token.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from wagtail.models import APIToken

from config.wsgi import application
from lms import roles
from tests.cascade.personas import build_world, login

pytestmark = pytest.mark.django_db
MAX_EXAMPLES = 30


def test_the_api_answers_as_its_schema_says(cascade):
    build_world(cascade)
    _token, raw = APIToken.create_token(user=login("api-auditor", roles.DIRECTORATE_AUDITOR), name="fuzzing")
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/schema/?format=json", application, headers={"Authorization": f"Bearer {raw}"}
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 11

    for operation in operations:

        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {raw}"})

        check()
