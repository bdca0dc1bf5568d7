"""A trainer runs a session end to end in the workspace; another trainer cannot open it.

The data is built here (a course, a centre, two qualified trainers, two recorded people): faster
than the demo data set, and the journey is the same.
"""

from datetime import date

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from cascade.models import Outcome, Participation, SessionStatus, TrainingSession
from lms import roles
from lms.models import Gender, Person
from tests.browser.conftest import log_in
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password-1"


def trainer_account(person: Person, username: str):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, first_name=person.name_latin)
    user.groups.add(Group.objects.get(name=roles.TRAINER))
    person.user = user
    person.save(update_fields=["user"])
    return user


def english(page, live_server) -> None:
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])


@pytest.fixture
def trainers(cascade):
    start = date.today().replace(year=date.today().year - 1)
    trainer_a = cascade.qualified_trainer(start=start, name_ar="علي حسن الربيعي", name_latin="Ali Hassan")
    trainer_b = cascade.qualified_trainer(start=start, name_ar="كريم جاسم", name_latin="Karim Jasim")
    return trainer_account(trainer_a, "trainer.one"), trainer_account(trainer_b, "trainer.two")


def test_a_trainer_runs_a_session_and_another_trainer_is_refused(
    live_server, page, browser_context, chromium, screenshot_path, cascade, trainers
):
    trainer_a, trainer_b = trainers
    by_number = PersonFactory(name_ar="حيدر عباس", gender=Gender.MALE)
    by_name = PersonFactory(name_ar="أحمد عبد الله الجبوري", gender=Gender.MALE)
    page.set_viewport_size({"width": 360, "height": 800})

    log_in(page, live_server, "trainer.one", PASSWORD, next_url=reverse("cascade:workspace"))
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.screenshot(path=screenshot_path("workspace-home-ar-360"), full_page=True)

    # A new session of the course the trainer is qualified for.
    page.click(f"a[href='{reverse('cascade:workspace_session_create')}']")
    page.select_option("select[name=course]", str(cascade.course.pk))
    page.select_option("select[name=training_centre]", str(cascade.centre.pk))
    # Three days ending today: each can be ticked, and the session can be closed today.
    end = date.today()
    start = date.fromordinal(end.toordinal() - 2)
    page.fill("input[name=start_date]", start.isoformat())
    page.fill("input[name=end_date]", end.isoformat())
    page.click("form.ws-form button[type=submit]")
    session = TrainingSession.objects.get(trainers__person__user=trainer_a, start_date=start)
    page.wait_for_url(f"**{reverse('cascade:workspace_session', args=[session.pk])}")

    # Three participants: one by service number, one by a name spelt without its hamza, one new.
    page.click(f"a[href='{reverse('cascade:workspace_participant_add', args=[session.pk])}']")
    for query, person in ((by_number.service_number, by_number), ("احمد عبد الله", by_name)):
        page.fill("#participant-search input[name=q]", query)
        page.click("#participant-search button")
        page.click(f".ws-results form:has(input[value='{person.pk}']) button")
        page.wait_for_selector(".ws-message")
    page.fill("input[name=new-service_number]", "NEW-7001")
    page.fill("input[name=new-name_ar]", "زينب كاظم")
    page.fill("input[name=new-name_latin]", "Zainab Kadhim")
    page.check(f"input[name=new-gender][value={Gender.FEMALE}]")
    page.select_option("select[name=new-governorate]", str(session.governorate_id))
    page.screenshot(path=screenshot_path("workspace-participant-add-ar-360"), full_page=True)
    page.click("form:has(input[name=action]) button[type=submit]")
    page.wait_for_selector(".ws-message")
    newcomer = Person.objects.get(service_number="NEW-7001")

    # Attendance day by day, scores and outcomes.
    page.goto(f"{live_server.url}{reverse('cascade:workspace_session', args=[session.pk])}")
    scores = {by_number: ("40", "85"), by_name: ("55", "90"), newcomer: ("35", "70")}
    for person, (pre, post) in scores.items():
        card = page.locator(f"tr[data-person='{person.pk}']")
        card.locator(".ws-tick-row").click()  # ticks the three days
        card.locator(f"input[name=p{person.pk}-pre_score]").fill(pre)
        card.locator(f"input[name=p{person.pk}-post_score]").fill(post)
        card.locator(f"select[name=p{person.pk}-outcome]").select_option(Outcome.COMPLETED)
    page.uncheck(f"tr[data-person='{newcomer.pk}'] input[value='{end.isoformat()}']")
    page.screenshot(path=screenshot_path("workspace-roster-ar-360"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=screenshot_path("workspace-roster-ar-1280"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 800})
    page.click("form.ws-roster .ws-sticky button")
    page.wait_for_selector(".ws-message")
    days = dict(Participation.objects.filter(session=session).values_list("person_id", "days_attended"))
    assert days == {by_number.pk: 3, by_name.pk: 3, newcomer.pk: 2}

    # Close: the record locks.
    page.click(f"a[href='{reverse('cascade:workspace_session_close', args=[session.pk])}']")
    page.click("form.ws-actions button[type=submit]")
    page.wait_for_selector(".ws-badge-closed")
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED
    assert page.locator("form.ws-roster").count() == 0
    page.screenshot(path=screenshot_path("workspace-session-closed-ar-360"), full_page=True)
    english(page, live_server)
    page.reload()
    page.screenshot(path=screenshot_path("workspace-session-closed-en-360"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}{reverse('cascade:workspace')}")
    page.screenshot(path=screenshot_path("workspace-home-en-1280"), full_page=True)
    page.goto(f"{live_server.url}{reverse('cascade:workspace_participant_add', args=[session.pk])}?q=NEW-7")
    page.screenshot(path=screenshot_path("workspace-participant-add-en-1280"), full_page=True)

    # The new participant's lineage page shows the trainer above them.
    lineage = reverse("cascade:person_lineage", args=[newcomer.pk])
    page.goto(f"{live_server.url}{lineage}")
    assert "علي حسن الربيعي" in page.locator("main").inner_text()
    page.screenshot(path=screenshot_path("workspace-newcomer-lineage-ar-360"), full_page=True)

    # Another trainer is refused the session (404: its existence is not revealed).
    other = chromium.new_context(locale="ar-IQ", viewport={"width": 360, "height": 800})
    try:
        other_page = other.new_page()
        log_in(other_page, live_server, "trainer.two", PASSWORD, next_url=reverse("cascade:workspace"))
        response = other_page.goto(f"{live_server.url}{reverse('cascade:workspace_session', args=[session.pk])}")
        assert response.status == 404
        assert session.ref not in other_page.goto(f"{live_server.url}{reverse('cascade:workspace')}").text()
    finally:
        other.close()
