"""The offline field kit in Chromium, after the real sign-in: a trainer records a session with the
network off and syncs it (each record stored once); a session closed meanwhile comes back as conflicts
the trainer resolves; a trainee reads a saved lesson offline and the completion arrives on reconnecting.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from audit.models import ParticipationFact
from cascade import services
from cascade.models import AttendanceDay, Participation, SessionKind, SessionStatus
from fieldkit.models import ChangeStatus, SyncChange
from lms import roles
from lms.models import Person, StaffScope
from tests.browser.conftest import SIGN_IN_TIMEOUT, log_in
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password-1"


def account(username: str, role: str, *, person: Person | None = None, centre=None, staff: bool = False):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, is_staff=staff)
    user.groups.add(Group.objects.get(name=role))
    if person is not None:
        person.user = user
        person.save(update_fields=["user"])
    if centre is not None:
        StaffScope.objects.create(user=user, training_centre=centre)
    return user


def learner_sign_in(page, live_server, username: str) -> None:
    """The learners' sign-in page, where trainers and trainees sign in."""
    page.goto(f"{live_server.url}{reverse('lms:login')}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_url(lambda url: "/sign-in/" not in url, timeout=SIGN_IN_TIMEOUT)


def open_field_kit(page, live_server) -> None:
    page.goto(f"{live_server.url}{reverse('fieldkit:app')}")
    # The service worker controls the page once it is active: the page then opens with no network.
    page.evaluate(CONTROLLED)


def take_offline(page) -> None:
    page.click("[data-take]")
    page.wait_for_selector("[data-sessions] button")
    # The status line says when the sessions were taken, as the list below it shows them.
    page.locator("[data-taken][data-at^='20']").wait_for(timeout=SIGN_IN_TIMEOUT)


CONTROLLED = """() => navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller || new Promise(
  (resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve)))"""
READ_OUTBOX = """() => new Promise((resolve) => {
  indexedDB.open("mps-field").onsuccess = (event) => {
    const request = event.target.result.transaction("outbox").objectStore("outbox").getAll();
    request.onsuccess = () => resolve(request.result.map(({ seq, ...change }) => change));
  };
})"""
SEND = """(changes) => fetch("/api/v1/sync/", {
  method: "POST", credentials: "same-origin",
  headers: {"Content-Type": "application/json", "X-CSRFToken": document.cookie.match(/csrftoken=([^;]+)/)[1]},
  body: JSON.stringify({changes}),
}).then((response) => response.json())"""


def wait_pending(page, count: int) -> None:
    page.locator(f"[data-pending][data-count='{count}']").wait_for(timeout=SIGN_IN_TIMEOUT)


def pending(page) -> int:
    return int(page.locator("[data-pending]").get_attribute("data-count"))


@pytest.fixture
def field_session(cascade):
    """A three-day cascade session ending today, its trainer (signing in) and 17 people on its roster."""
    today = timezone.localdate()
    trainer = cascade.qualified_trainer(start=today - timedelta(days=200), name_ar="علي حسن", name_latin="Ali Hassan")
    session = cascade.session(kind=SessionKind.CASCADE, lead=trainer, start=today - timedelta(days=2), days=3)
    for _n in range(17):
        services.participation_record(session=session, person=PersonFactory(governorate=cascade.centre.governorate))
    account("trainer.field", roles.TRAINER, person=trainer)
    return session, trainer


def test_a_session_recorded_offline_is_stored_once_after_the_sync(
    live_server, page, browser_context, screenshot_path, cascade, field_session
):
    session, trainer = field_session
    cached = PersonFactory(name_ar="مصطفى كريم الساعدي", governorate=cascade.centre.governorate)
    learner_sign_in(page, live_server, "trainer.field")
    open_field_kit(page, live_server)
    take_offline(page)

    browser_context.set_offline(True)
    page.click(f"[data-session-id='{session.pk}']")
    # One person from the phone's copy of the governorate's people (a name spelt without its hamza),
    # two people not yet in the records.
    page.click("details.fk-add summary")
    page.fill("[data-search]", "مصطفي كريم")
    page.locator("[data-results] li", has_text=cached.service_number).locator("button").click()
    for number, name in (("٩٩٠٠١", "زينب كاظم"), ("99002", "حسين علي")):
        page.fill("[data-new=service_number]", number)
        page.fill("[data-new=name_ar]", name)
        page.check("[data-new-gender][value=F]" if name.startswith("زينب") else "[data-new-gender][value=M]")
        page.click("[data-create]")
    rows = page.locator("[data-grid] tbody tr")
    rows.nth(19).wait_for(timeout=SIGN_IN_TIMEOUT)
    assert rows.count() == 20
    for i in range(20):
        for box in rows.nth(i).locator("input[type=checkbox]").all():
            box.check()
    # Scores, typed on an Arabic keyboard for some.
    scores = {0: ("٤٥", "٨٠"), 1: ("50", "75.5"), 18: ("٣٠", "٩٠")}
    for i, (pre, post) in scores.items():
        rows.nth(i).locator("[data-field=pre_score]").fill(pre)
        rows.nth(i).locator("[data-field=post_score]").fill(post)
        rows.nth(i).locator("[data-field=post_score]").press("Tab")
    recorded = 1 + 2 + 60 + 6
    wait_pending(page, recorded)
    page.screenshot(path=screenshot_path("field-kit-offline"), full_page=True)

    # A reload with no network: the page comes from the phone, and every mark is still there.
    page.reload()
    page.wait_for_selector("[data-sessions] button")
    assert pending(page) == recorded
    page.click(f"[data-session-id='{session.pk}']")
    assert page.locator("[data-grid] input[type=checkbox]:checked").count() == 60
    assert page.locator("[data-grid] tbody tr").nth(18).locator("[data-field=post_score]").input_value() == "90"

    queued = page.evaluate(READ_OUTBOX)
    assert len(queued) == recorded
    browser_context.set_offline(False)
    page.click("[data-sync-now]")
    wait_pending(page, 0)
    assert SyncChange.objects.filter(status=ChangeStatus.APPLIED).count() == recorded
    # The same batch again, as after an answer lost on the way back: nothing new is stored.
    again = page.evaluate(SEND, queued)
    assert {(r["status"], r["replayed"]) for r in again["results"]} == {("applied", True)}
    assert SyncChange.objects.count() == recorded
    roster = Participation.objects.filter(session=session)
    assert roster.count() == 20
    assert AttendanceDay.objects.filter(participation__session=session).count() == 60
    assert Person.objects.filter(service_number__in=["99001", "99002"]).count() == 2
    assert sorted(str(s) for s in roster.exclude(post_score=None).values_list("post_score", flat=True)) == [
        "75.50",
        "80.00",
        "90.00",
    ]
    # The dashboard's facts count every participant; the trainer's lineage names the new people.
    assert ParticipationFact.objects.filter(session=session).count() == 20
    page.goto(f"{live_server.url}{reverse('cascade:person_lineage_participants', args=[trainer.pk, session.pk])}")
    assert page.get_by_text("زينب كاظم").count() >= 1
    page.screenshot(path=screenshot_path("field-kit-synced-lineage"), full_page=True)


def test_a_session_closed_while_offline_comes_back_as_conflicts(
    live_server, chromium, page, browser_context, screenshot_path, cascade, field_session
):
    session, _trainer = field_session
    account("manager.field", roles.CENTRE_MANAGER, centre=cascade.centre, staff=True)
    learner_sign_in(page, live_server, "trainer.field")
    open_field_kit(page, live_server)
    take_offline(page)
    browser_context.set_offline(True)
    page.click(f"[data-session-id='{session.pk}']")
    rows = page.locator("[data-grid] tbody tr")
    rows.nth(0).locator("input[type=checkbox]").first.check()
    rows.nth(1).locator("[data-field=pre_score]").fill("٦٥")
    rows.nth(1).locator("[data-field=pre_score]").press("Tab")
    rows.nth(2).locator("[data-field=outcome]").select_option("completed")
    wait_pending(page, 3)

    # Meanwhile the centre manager closes the session.
    manager = chromium.new_context(locale="ar-IQ")
    manager_page = manager.new_page()
    log_in(manager_page, live_server, "manager.field", PASSWORD, next_url=reverse("cascade:workspace"))
    manager_page.goto(f"{live_server.url}{reverse('cascade:workspace_session_close', args=[session.pk])}")
    manager_page.locator("main form button[type=submit]").last.click()
    manager_page.wait_for_url(f"**{reverse('cascade:workspace_session', args=[session.pk])}")
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED

    browser_context.set_offline(False)
    page.click("[data-sync-now]")
    wait_pending(page, 0)
    assert page.locator("[data-conflicts] li[data-code=session_closed]").count() == 3
    assert SyncChange.objects.filter(status=ChangeStatus.CONFLICT).count() == 3

    # The manager sees them waiting, and reopens the session.
    manager_page.goto(f"{live_server.url}{reverse('fieldkit:conflicts')}")
    assert manager_page.locator("[data-conflict]").count() == 3
    manager_page.goto(f"{live_server.url}{reverse('cascade:workspace_session_reopen', args=[session.pk])}")
    manager_page.fill("textarea[name=reason]", "ورقة حضور متأخرة")
    manager_page.locator("main form button[type=submit]").last.click()
    manager_page.wait_for_url(f"**{reverse('cascade:workspace_session', args=[session.pk])}")
    manager.close()

    # The trainer resolves each: keep mine, keep theirs, edit.
    page.goto(f"{live_server.url}{reverse('fieldkit:conflicts')}")
    page.screenshot(path=screenshot_path("field-kit-conflicts"), full_page=True)
    attendance, score, outcome = (SyncChange.objects.get(kind=kind).pk for kind in ("attendance", "score", "outcome"))
    page.locator(f"[data-conflict='{attendance}'] button[value=mine]").click()
    page.wait_for_selector(f"[data-conflict='{attendance}']", state="detached")
    page.locator(f"[data-conflict='{outcome}'] button[value=theirs]").click()
    page.wait_for_selector(f"[data-conflict='{outcome}']", state="detached")
    page.locator(f"[data-conflict='{score}'] [data-edit] input[name=value]").fill("٧٠")
    page.locator(f"[data-conflict='{score}'] button[value=edit]").click()
    page.wait_for_selector("[data-no-conflicts]")

    statuses = dict(SyncChange.objects.values_list("kind", "status"))
    assert statuses == {"attendance": "kept_mine", "score": "edited", "outcome": "kept_theirs"}
    assert AttendanceDay.objects.filter(participation__session=session).count() == 1
    assert str(Participation.objects.filter(session=session).exclude(pre_score=None).get().pre_score) == "70.00"
    assert page.locator("[data-resolved]").count() == 3


def test_a_lesson_read_offline_is_completed_once_the_network_is_back(
    live_server, page, browser_context, screenshot_path
):
    from django.core.cache import cache
    from django.core.management import call_command

    from courses.models import Course
    from lms import services as learning
    from lms.models import LessonCompletion, QuizKind
    from lms.outline import course_plan

    call_command("load_courses", "--course", "MPS-01", verbosity=0)
    cache.clear()
    person = PersonFactory()
    account("trainee.field", roles.TRAINEE, person=person)
    enrolment, _created = learning.enrolment_create(person=person, course=Course.objects.get(code="MPS-01"))
    pre_test = learning.quiz_attempt_open(enrolment=enrolment, kind=QuizKind.PRE_TEST)
    answers = {question.id: choices[0].id for question, choices in learning.served_questions(pre_test)}
    learning.quiz_attempt_submit(attempt_id=pre_test.pk, person=person, token=str(pre_test.token), answers=answers)
    lesson = course_plan(enrolment.course).lessons[0]

    learner_sign_in(page, live_server, "trainee.field")
    page.goto(f"{live_server.url}{reverse('fieldkit:lessons')}")
    page.evaluate(CONTROLLED)
    page.click("[data-list]")
    page.locator("[data-saved='1']").wait_for(timeout=SIGN_IN_TIMEOUT)

    browser_context.set_offline(True)
    page.goto(f"{live_server.url}{reverse('lms:lesson', args=['MPS-01', lesson.key])}")
    page.locator("[data-lesson-end]").wait_for(state="attached")
    # The button's path, alone: reading to the end would send the completion too (lesson.js, tested
    # online in test_elearning) and hide the button at a moment that depends on the machine's load,
    # so that send is held off as if it had already happened.
    page.eval_on_selector("[data-lesson-complete]", "form => { form.dataset.done = '1'; }")
    page.locator("[data-lesson-complete] button[type=submit]").click()
    page.locator("[data-queued]").wait_for()
    page.screenshot(path=screenshot_path("field-kit-lesson-offline-queued"), full_page=True)
    assert not LessonCompletion.objects.exists()

    browser_context.set_offline(False)
    page.goto(f"{live_server.url}{reverse('fieldkit:lessons')}")

    def read(query):
        # The live server shares its in-memory SQLite database with this thread, and SQLite's shared
        # cache locks a whole table while the service worker's sync writes it: read again a moment later.
        from django.db import OperationalError

        for _attempt in range(60):
            try:
                return query()
            except OperationalError:
                page.wait_for_timeout(250)
        return query()

    for _attempt in range(60):  # the service worker sends the queue on the first request it sees online
        if read(LessonCompletion.objects.filter(enrolment=enrolment, lesson_key=lesson.key).exists):
            break
        page.wait_for_timeout(500)
    assert read(LessonCompletion.objects.filter(enrolment=enrolment).count) == 1
    # One queued completion, sent once the network is back: one completion.
    assert set(read(lambda: list(SyncChange.objects.values_list("kind", "status")))) == {("lesson_complete", "applied")}


ADD_TO_OUTBOX = """(change) => new Promise((resolve) => {
  indexedDB.open("mps-field").onsuccess = (event) => {
    const t = event.target.result.transaction("outbox", "readwrite");
    t.objectStore("outbox").add(change);
    t.oncomplete = () => resolve(true);
  };
})"""


def first_trainers_score_waits(page, live_server, cascade, session, score: str) -> Participation:
    """trainer.field takes the session offline and records a pre-test score for its first row, left
    waiting on the phone (going back online would send it at once, under this login); a second
    trainer, trainer.other, has an account on the same phone. The row is returned."""
    other = cascade.qualified_trainer(start=session.start_date - timedelta(days=200))
    account("trainer.other", roles.TRAINER, person=other)
    first_row = Participation.objects.filter(session=session).order_by("pk").first()
    learner_sign_in(page, live_server, "trainer.field")
    open_field_kit(page, live_server)
    take_offline(page)
    page.click(f"[data-session-id='{session.pk}']")
    page.locator("[data-grid] tbody tr").nth(0).locator("[data-field=pre_score]").fill(score)
    page.locator("[data-grid] tbody tr").nth(0).locator("[data-field=pre_score]").press("Tab")
    wait_pending(page, 1)
    return first_row


def first_trainer_syncs_again(page, live_server, browser_context) -> None:
    """trainer.field signs in again on the phone and sends the one change that waited for them."""
    browser_context.clear_cookies()
    learner_sign_in(page, live_server, "trainer.field")
    open_field_kit(page, live_server)
    wait_pending(page, 1)
    page.click("[data-sync-now]")
    wait_pending(page, 0)


def test_a_shared_phone_keeps_each_logins_changes_for_that_login(
    live_server, page, browser_context, screenshot_path, cascade, field_session
):
    session, _trainer = field_session
    first_row = first_trainers_score_waits(page, live_server, cascade, session, "66")

    # Another trainer signs in on the same phone: the first one's sessions and people are not shown,
    # their change is not sent under this login, and it is said to wait for its own login.
    browser_context.clear_cookies()
    learner_sign_in(page, live_server, "trainer.other")
    open_field_kit(page, live_server)
    page.locator("[data-other-login]").wait_for()
    assert pending(page) == 0
    assert page.locator(f"[data-session-id='{session.pk}']").count() == 0
    sent = []
    page.on("request", lambda request: sent.append(request.url) if "/api/v1/sync/" in request.url else None)
    page.click("[data-sync-now]")
    page.locator("#fk[data-synced='1']").wait_for(state="attached")  # this sync is over, answer and all
    page.click("[data-take]")  # not held back by the other login's waiting change
    page.locator("#fk[data-took='0']").wait_for(state="attached")
    page.screenshot(path=screenshot_path("field-kit-shared-phone"), full_page=True)
    assert sent == []  # the first login's change was not sent under this one
    assert not SyncChange.objects.exists()
    assert Participation.objects.get(pk=first_row.pk).pre_score is None

    # The first trainer comes back: their change is sent under their login.
    first_trainer_syncs_again(page, live_server, browser_context)
    stored = SyncChange.objects.get()
    assert (stored.status, stored.user.get_username()) == (ChangeStatus.APPLIED, "trainer.field")
    assert str(Participation.objects.get(pk=first_row.pk).pre_score) == "66.00"

    # A change the server refuses stays listed on the phone, through later syncs, until dismissed.
    user_id = stored.user_id
    refused = {"id": "0b6f3c1e-8a7d-4a0e-9a52-4f3e5a6b7c8d", "kind": "outcome", "user": user_id}
    refused |= {"session": 999999, "person": first_row.person_id, "outcome": "completed"}
    page.evaluate(ADD_TO_OUTBOX, refused)
    page.click("[data-sync-now]")
    page.locator("[data-conflicts] li[data-code=session_not_yours]").wait_for()
    later = {"id": "1c7a4d2f-9b8e-4b1f-8b63-5a4f6b7c8d9e", "kind": "outcome", "user": user_id}
    later |= {"session": session.pk, "person": first_row.person_id, "outcome": "completed"}
    page.evaluate(ADD_TO_OUTBOX, later)
    page.click("[data-sync-now]")
    page.wait_for_function("() => !document.querySelector(\"[data-pending][data-count='1']\")")
    wait_pending(page, 0)
    assert page.locator("[data-conflicts] li[data-code=session_not_yours]").count() == 1
    page.locator("[data-conflicts] li[data-code=session_not_yours] button").click()
    page.locator("[data-conflicts] li[data-code=session_not_yours]").wait_for(state="detached")


def test_a_page_left_open_under_another_login_keeps_that_logins_changes_for_it(
    live_server, page, browser_context, screenshot_path, cascade, field_session
):
    session, trainer = field_session
    first_row = first_trainers_score_waits(page, live_server, cascade, session, "67")

    # Another trainer signs in in another tab of the same phone; this tab still shows the first login's page
    # and sends its change with the other trainer's cookie.
    elsewhere = browser_context.new_page()
    browser_context.clear_cookies()
    learner_sign_in(elsewhere, live_server, "trainer.other")
    elsewhere.close()
    page.click("[data-sync-now]")
    # The answer names the signed-in login: the page opens again under it, and the change waits for its own.
    page.locator("[data-other-login]").wait_for(timeout=SIGN_IN_TIMEOUT)
    page.screenshot(path=screenshot_path("field-kit-page-of-another-login"), full_page=True)
    assert pending(page) == 0
    assert [change["user"] for change in page.evaluate(READ_OUTBOX)] == [trainer.user_id]
    assert page.locator("[data-conflicts] li").count() == 0
    assert not SyncChange.objects.exists()

    # The first trainer signs in again: their change is sent under their login and applied.
    first_trainer_syncs_again(page, live_server, browser_context)
    assert SyncChange.objects.get().status == ChangeStatus.APPLIED
    assert str(Participation.objects.get(pk=first_row.pk).pre_score) == "67.00"


def test_a_day_that_came_after_the_sessions_were_taken_can_be_ticked(live_server, page, browser_context, cascade):
    today = timezone.localdate()
    trainer = cascade.qualified_trainer(start=today - timedelta(days=200))
    later = cascade.session(kind=SessionKind.CASCADE, lead=trainer, start=today, days=3)
    services.participation_record(session=later, person=PersonFactory(governorate=cascade.centre.governorate))
    account("trainer.field", roles.TRAINER, person=trainer)
    learner_sign_in(page, live_server, "trainer.field")
    open_field_kit(page, live_server)
    take_offline(page)
    tomorrow = today + timedelta(days=1)
    browser_context.set_offline(True)
    # A day later on the phone, still offline: tomorrow's box is open, the day after still closed.
    page.clock.install(time=f"{tomorrow.isoformat()}T10:00:00")
    page.reload()
    page.wait_for_selector("[data-sessions] button")
    page.click(f"[data-session-id='{later.pk}']")
    first = page.locator("[data-grid] tbody tr").nth(0)
    assert first.locator(f"input[data-day='{tomorrow.isoformat()}']").is_enabled()
    assert first.locator(f"input[data-day='{(tomorrow + timedelta(days=1)).isoformat()}']").is_disabled()
