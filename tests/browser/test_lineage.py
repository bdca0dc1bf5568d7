"""A trainer opens their lineage in the browser: the chain above them, then their tree below, branch by branch
(naming the people they trained themselves)."""

from datetime import date

import pytest

from cascade import services
from cascade.models import Outcome, SessionKind
from lms import roles
from tests.browser.conftest import log_in
from tests.cascade.personas import login
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_trainer_unfolds_their_cascade_session_by_session_and_generation_by_generation(
    live_server, page, screenshot_path, cascade
):
    trainer = cascade.qualified_trainer()
    user = login("trainer-tree", roles.TRAINER, person=trainer)
    user.set_password("lineage-pass-1")
    user.save()
    first = cascade.session(kind=SessionKind.CASCADE, lead=trainer, start=date(2022, 3, 6))
    participants = [PersonFactory() for _ in range(3)]
    for person in participants:
        services.participation_record(session=first, person=person, pre_score=40, post_score=70)
    # One of them completes a ToT led by the trainer and trains someone: generation 3.
    tot = cascade.session(kind=SessionKind.TOT, lead=trainer, start=date(2022, 6, 5))
    services.participation_record(session=tot, person=participants[0], outcome=Outcome.COMPLETED)
    services.session_close(session=tot)
    third = PersonFactory()
    later = cascade.session(kind=SessionKind.CASCADE, lead=participants[0], start=date(2023, 1, 8))
    services.participation_record(session=later, person=third)

    log_in(page, live_server, "trainer-tree", "lineage-pass-1", next_url=f"/cascade/lineage/{trainer.pk}/")
    page.goto(f"{live_server.url}/cascade/lineage/{trainer.pk}/")
    assert cascade.master.service_number in page.content()  # the chain up to generation 0
    branch = page.locator(f"details[data-ln-src*='/sessions/{first.pk}/']")
    branch.locator("summary").click()
    for person in participants:
        page.get_by_text(person.service_number).wait_for()
    # Generation 3 was trained by one of them, not by this trainer: it is counted in the reach, but
    # its people are named only to those who may read them (their own trainer, the Directorate).
    assert third.service_number not in page.content()
    # Collapse generation 2 (the sessions and people of that generation) with one button.
    page.locator("[data-ln-close='2']").click()
    assert not page.locator(f"details[data-ln-src*='/sessions/{first.pk}/']").evaluate("d => d.open")
    page.screenshot(path=screenshot_path("lineage-tree-ar"), full_page=True)
