"""The directorate auditor is a read-only role: the name, the role table and the code agree.

The probe: the "read-only" auditor could revoke and re-issue certificates and start batches. Now the
auditor's group holds only view permissions (and admin access), and the pages that write refuse it.
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from lms import roles
from tests.cascade.personas import login
from tests.conftest import log_in_verified

pytestmark = pytest.mark.django_db


def test_the_auditor_group_holds_view_permissions_only():
    codenames = set(Group.objects.get(name=roles.DIRECTORATE_AUDITOR).permissions.values_list("codename", flat=True))
    writes = {c for c in codenames if not c.startswith("view_") and c != "access_admin"}
    assert not writes, writes
    assert {"view_certificate", "view_verificationlog"} <= codenames


def test_the_auditor_may_not_start_a_certificate_batch(client):
    auditor = login("read-only-auditor", roles.DIRECTORATE_AUDITOR)
    auditor.is_staff = True
    auditor.save(update_fields=["is_staff"])
    log_in_verified(client, auditor)
    url = reverse("certificates_admin:batch_new")
    for response in (client.get(url), client.post(url, {"scope": "all"})):
        assert response.status_code in (302, 403, 404)
        if response.status_code == 302:
            assert "batch" not in response["Location"]
