"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Playwright's sync API runs an event loop in this thread, which makes Django refuse ORM calls
from the test body ("async unsafe"); the tests only set up data before the browser acts and
read it after, never concurrently, so the check is lifted for each test of this package.

Screenshots go to ``build/screenshots/`` (``screenshot_path`` fixture) so a person can look at
what the run saw.
"""

import os
import threading
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(settings.BASE_DIR) / "build" / "screenshots"


@pytest.fixture(scope="module", autouse=True)
def _orm_from_the_playwright_thread():
    # Lifted only while this package's modules run (Playwright's loop lives as long as the module's
    # browser); set for the whole process it would leak into other tests' subprocesses, where
    # ``check --deploy`` rightly warns about it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class _LiveServerGate:
    """One request at a time, and none once a test is over.

    With the test database in SQLite's memory, Django's live server hands every request thread the
    same connection; a page's parallel fetches (the admin's icon sprite and translation catalogue
    beside the page itself) then use it at once, which SQLite refuses now and then ("bad parameter
    or other API misuse"), more often on a loaded machine. Connections stay concurrent; only the
    handling of each request is serialised, which is all the shared connection needs.

    When a test ends, the page's last fetches may still be in the server while pytest-django
    empties the tables on that same connection ("database table is locked"). The gate closes
    first: it waits for the request being answered and turns later ones away."""

    def __init__(self):
        self.lock = threading.Lock()
        self.closed = False

    def open(self) -> None:
        with self.lock:
            self.closed = False

    def close(self) -> None:
        with self.lock:
            self.closed = True


_GATE = _LiveServerGate()


@pytest.fixture(scope="module", autouse=True)
def _one_request_at_a_time():
    from django.core.handlers.wsgi import WSGIHandler

    original = WSGIHandler.__call__

    def serialised(self, environ, start_response):
        with _GATE.lock:
            if _GATE.closed:
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"the test is over"]
            return original(self, environ, start_response)

    WSGIHandler.__call__ = serialised
    yield
    WSGIHandler.__call__ = original


@pytest.fixture(autouse=True)
def _no_request_after_the_test():
    # Set up after pytest-django's database fixtures (theirs are the plugin's autouse fixtures),
    # so torn down before their flush.
    _GATE.open()
    yield
    _GATE.close()


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def chromium(_orm_from_the_playwright_thread):
    # Module scope: Playwright's event loop stays out of the tests that run after this module.
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (it installs Debian's chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_context(chromium):
    """A fresh context (cookies, storage) per test; Arabic is the site's default language."""
    context = chromium.new_context(locale="ar-IQ", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(browser_context):
    return browser_context.new_page()


@pytest.fixture
def screenshot_path():
    """``screenshot_path("name")`` → build/screenshots/name.png (folder created)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return lambda name: str(SCREENSHOTS / f"{name}.png")


SIGN_IN_TIMEOUT = 60_000  # ms: a loaded machine may take long to answer; every wait is for a condition
SECOND_FACTOR = "/account/second-factor/"


def authenticator_code(key: bytes, *, after_step: int = -1) -> str:
    """The six digits an authenticator app shows for ``key`` now (RFC 6238, 30 s steps).

    A code is accepted once: when the current step's code was used already (``after_step``), wait
    for the next step, as a person would wait for the app to show a new code.
    """
    import time

    from django_otp.oath import TOTP

    totp = TOTP(key)
    deadline = time.monotonic() + 35
    while totp.t() <= after_step and time.monotonic() < deadline:
        time.sleep(0.5)  # polling the clock for the next 30-second step, not a fixed wait
    return f"{totp.token():06d}"


def _submit_code(page, code: str) -> None:
    page.locator("main form.login-form input[name=code]").fill(code)
    page.locator("main form.login-form button[type=submit]").click()


def pass_second_factor(page, username: str) -> None:
    """On the enrol or verify page: type the code an authenticator app would show.

    Enrolment reads the key the page prints (as a person types it into the app); verification
    uses the key of the account's confirmed authenticator.
    """
    from base64 import b32decode

    from django_otp.plugins.otp_totp.models import TOTPDevice

    if "/enrol/" in page.url:
        key = page.locator(".second-factor-key").inner_text().replace(" ", "")
        key += "=" * (-len(key) % 8)
        _submit_code(page, authenticator_code(b32decode(key)))
        continue_link = page.locator("main a.button")
        continue_link.wait_for(timeout=SIGN_IN_TIMEOUT)
        continue_link.click()
    else:
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        _submit_code(page, authenticator_code(device.bin_key, after_step=device.last_t))
    page.wait_for_url(lambda url: SECOND_FACTOR not in url, timeout=SIGN_IN_TIMEOUT)


def enter_password(page, live_server, username: str, password: str, *, next_url: str | None = "/admin/") -> None:
    """The administration's sign-in form, up to the page it leads to (the second factor, for staff)."""
    query = f"?next={next_url}" if next_url else ""
    page.goto(f"{live_server.url}/admin/login/{query}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    # Wait until the sign-in has answered and left the login page: a load-state wait right after
    # the click can return before the POST starts, and the next goto then races the session cookie.
    page.wait_for_url(lambda url: "/admin/login/" not in url, timeout=SIGN_IN_TIMEOUT)


def log_in(page, live_server, username: str, password: str, *, next_url: str | None = "/admin/") -> None:
    """Sign in through the administration's sign-in form (staff and trainers alike), then, for a
    staff account, through the second factor: enrolling an authenticator the first time, typing
    its current code afterwards. Nothing is switched off: the journey is the real one."""
    enter_password(page, live_server, username, password, next_url=next_url)
    if SECOND_FACTOR in page.url:
        pass_second_factor(page, username)
    page.wait_for_load_state("networkidle", timeout=SIGN_IN_TIMEOUT)


def axe_serious(page) -> list[str]:
    """axe-core (bundled with the pinned axe-playwright-python) run in the page: its serious and
    critical violations, one line each (rule, impact, how many elements)."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])}×): {v['nodes'][0]['target']}"
        for v in violations
        if v.get("impact") in ("serious", "critical")
    ]
