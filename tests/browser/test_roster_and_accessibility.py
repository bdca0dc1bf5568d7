"""The roster keeps a trainer's work, and the everyday pages pass axe-core.

A trainer ticks attendance and types a score on an Arabic keyboard (٦٥), then clicks "Remove"
by mistake: the page stays (the unsaved-changes guard), nothing typed is lost, and removal itself
asks first and can be undone with the record intact. axe-core (bundled with the pinned
axe-playwright-python) runs in Chromium on the home, lesson, roster and verify pages in Arabic at
1280 px and 360 px: no serious or critical violation.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Locale

from cascade import services
from cascade.demo import DEMO_PASSWORD, demo_data_build
from cascade.models import Participation, SessionKind, TrainerQualification, TrainingSession
from courses.models import LessonPage
from lms.models import Person, TrainingCentre
from tests.browser.conftest import (
    SECOND_FACTOR,
    SIGN_IN_TIMEOUT,
    axe_serious,
    enter_password,
    log_in,
    pass_second_factor,
)
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (1280, 360)


@pytest.fixture
def demo():
    demo_data_build(seed=1, scale=1)
    call_command("load_courses", "--course", "MPS-01", verbosity=0)
    cache.clear()


def open_session_of(username: str) -> TrainingSession:
    """An open session of the trainer's, started two days ago and running two more days, with two
    participants: past days can be ticked, the last two cannot."""
    trainer = Person.objects.get(user__username=username)
    today = timezone.localdate()
    start = today - timedelta(days=2)
    qualification = (
        TrainerQualification.objects.filter(person=trainer, valid_from__lte=start)
        .exclude(valid_until__lt=today + timedelta(days=2))
        .select_related("course")
        .first()
    )
    centre = TrainingSession.objects.filter(trainers__person=trainer).values_list("training_centre", flat=True)[0]
    session = services.session_create(
        ref=f"UX-{today:%Y%m%d}",
        course=qualification.course,
        kind=SessionKind.CASCADE,
        training_centre=TrainingCentre.objects.get(pk=centre),
        start_date=start,
        end_date=today + timedelta(days=2),
        lead_trainer=trainer,
    )
    for person in (PersonFactory(), PersonFactory()):  # new to the cascade: no lineage rule can object
        services.participation_record(session=session, person=person)
    return session


def check_axe(page, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_load_state("networkidle", timeout=SIGN_IN_TIMEOUT)
        serious = axe_serious(page)
        assert not serious, f"{name} at {width} px: {serious}"


def test_a_stray_click_loses_nothing_and_the_roster_passes_axe(live_server, page, demo, screenshot_path):
    session = open_session_of("trainer.a")
    first = session.participations.select_related("person").order_by("person__name_ar").first()
    prefix = f"p{first.person_id}"
    log_in(page, live_server, "trainer.a", DEMO_PASSWORD, next_url=None)
    assert page.url.endswith(reverse("cascade:workspace"))  # a trainer's home
    page.goto(f"{live_server.url}{reverse('cascade:workspace_session', args=[session.pk])}")
    page.screenshot(path=screenshot_path("roster-ar-1280"), full_page=True)
    check_axe(page, "roster")

    days = [day.isoformat() for day in session.days]
    today = timezone.localdate().isoformat()
    assert page.locator(f"input[name='{prefix}-days'][value='{days[-1]}']").is_disabled()  # still to come
    page.locator(f"input[name='{prefix}-days'][value='{days[0]}']").check()
    page.locator(f"input[name='{prefix}-days'][value='{today}']").check()
    page.locator(f"input[name='{prefix}-pre_score']").fill("٦٥")  # an Arabic keyboard's digits
    page.locator(f"input[name='{prefix}-post_score']").fill("٨٧٫٥")

    # The stray click: "Remove" while the ticks and scores are unsaved. The guard keeps the page
    # (Playwright dismisses the "leave the page?" question, as a person answering "stay" would).
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    with page.expect_event("dialog", timeout=SIGN_IN_TIMEOUT):
        page.locator(f"tr[data-person='{first.person_id}'] a.ws-remove").click()
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(reverse("cascade:workspace_session", args=[session.pk]))
    assert page.locator(f"input[name='{prefix}-pre_score']").input_value() == "٦٥"
    assert page.locator(f"input[name='{prefix}-days'][value='{days[0]}']").is_checked()
    assert session.participations.filter(person=first.person).exists()

    page.locator("form#roster button[type=submit]").click()
    page.locator(".ws-message-success").wait_for(timeout=SIGN_IN_TIMEOUT)
    saved = Participation.objects.get(session=session, person=first.person)
    assert (saved.pre_score, saved.post_score, saved.days_attended) == (Decimal("65"), Decimal("87.5"), 2)

    # Removing now asks first; "Keep" keeps; a real removal can be undone with the record intact.
    page.locator(f"tr[data-person='{first.person_id}'] a.ws-remove").click()
    page.wait_for_url(lambda url: "/remove/" in url, timeout=SIGN_IN_TIMEOUT)
    page.screenshot(path=screenshot_path("roster-remove-confirm-ar-1280"), full_page=True)
    page.locator("main a.ws-button").last.click()
    page.wait_for_url(lambda url: "/remove/" not in url, timeout=SIGN_IN_TIMEOUT)
    assert session.participations.filter(person=first.person).exists()
    page.locator(f"tr[data-person='{first.person_id}'] a.ws-remove").click()
    page.wait_for_url(lambda url: "/remove/" in url, timeout=SIGN_IN_TIMEOUT)
    page.locator("main form button[type=submit]").click()
    page.locator(".ws-undo button").wait_for(timeout=SIGN_IN_TIMEOUT)
    assert not session.participations.filter(person=first.person).exists()
    page.locator(".ws-undo button").click()
    page.locator(f"tr[data-person='{first.person_id}']").wait_for(timeout=SIGN_IN_TIMEOUT)
    restored = Participation.objects.get(session=session, person=first.person)
    assert (restored.pre_score, restored.post_score, restored.days_attended) == (Decimal("65"), Decimal("87.5"), 2)

    page.set_viewport_size({"width": 360, "height": 800})
    # On a phone the grid scrolls inside its box; the page itself stays 360 px wide.
    page.wait_for_function("() => document.documentElement.scrollWidth <= 360", timeout=SIGN_IN_TIMEOUT)
    page.screenshot(path=screenshot_path("roster-ar-360"), full_page=True)


def test_home_lesson_and_verify_pages_pass_axe(live_server, page, demo):
    page.goto(f"{live_server.url}/ar/")
    check_axe(page, "home")
    lesson = LessonPage.objects.live().filter(locale=Locale.objects.get(language_code="ar")).first()
    page.goto(f"{live_server.url}{lesson.url}")
    check_axe(page, "lesson")
    page.goto(f"{live_server.url}{reverse('certificates:verify')}")
    check_axe(page, "certificate verification")

    # The second-factor pages a staff member meets: enrolment the first time, the code afterwards.
    enter_password(page, live_server, "auditor", DEMO_PASSWORD, next_url=None)
    assert SECOND_FACTOR in page.url
    check_axe(page, "second-factor enrolment")
    pass_second_factor(page, "auditor")
    page.context.clear_cookies()
    enter_password(page, live_server, "auditor", DEMO_PASSWORD, next_url=None)
    assert SECOND_FACTOR in page.url
    check_axe(page, "second-factor verification")
