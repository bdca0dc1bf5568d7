"""Run inside a production-profile process on a database just restored from a backup (no worker
runs). The dashboard first says how many changes its figures do not yet count: the restore noted
every session and queued the rebuild of the figures. Then the job the restore queued runs, as a
worker would run it, and the Directorate's exported CSV tables are compared with a brute-force
recount of the restored records. Prints "<changes not yet counted before> <after> equal".
"""


def main() -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from audit.selectors import pending_changes
    from audit.tasks import facts_rebuild
    from tests.audit.recount import assert_exports_equal_recount, facts_from_records, recount
    from tests.conftest import log_in_verified

    before = pending_changes()
    facts_rebuild()  # the task the restore queued (audit.signals), run here instead of on a worker
    after = pending_changes()
    auditor = get_user_model().objects.create_superuser(username="restore-check", password=None)
    client = log_in_verified(Client(HTTP_HOST="127.0.0.1"), auditor)
    assert_exports_equal_recount(client, recount(facts_from_records()), "restored")
    print(before, after, "equal")


if __name__ == "__main__":
    import django

    django.setup()
    main()
