"""The trainee's "My learning" page names their certificates and service number so that, in an
Arabic line, neither is reordered nor split across lines."""

import pytest
from django.urls import reverse

from cascade.models import Participation
from certificates import services
from lms import roles
from tests.cascade.personas import login

pytestmark = pytest.mark.django_db


def test_certificate_serials_and_the_service_number_are_isolated_left_to_right(client, closed):
    certificate = services.certificate_issue(
        participation=Participation.objects.get(session=closed.session, person=closed.completer)
    )
    client.force_login(login("my-learning-trainee", roles.TRAINEE, person=closed.completer))
    page = client.get(reverse("lms:my_learning")).content.decode()
    assert page.count(f'<bdi dir="ltr" class="identifier">{certificate.serial}</bdi>') == 3  # PDF, badge, verify
    assert f'<bdi dir="ltr" class="identifier">{closed.completer.service_number}</bdi>' in page
    assert "&lt;bdi" not in page  # the markup is not escaped into the text
