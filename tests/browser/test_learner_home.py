"""The demo trainee's home in Arabic, on a desktop and on a phone: their face-to-face sessions with
certificates, one sign-out (in the header, on one line with the search box at 1280 px), and column
headings that break between words only."""

import pytest

from cascade.demo import DEMO_PASSWORD, demo_data_build


@pytest.fixture
def demo(transactional_db):
    demo_data_build(seed=1, scale=1)
    from django.core.cache import cache

    cache.clear()


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/learn/sign-in/")
    page.fill("input[name=username]", "trainee")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_url(f"{base}/learn/")


def box(locator) -> dict:
    return locator.bounding_box()


NARROW_TABLE = """() => {
  const table = document.createElement('table');
  table.className = 'audit';
  table.style.inlineSize = '10px';
  table.innerHTML = '<thead><tr><th id="probe">الأشخاص</th><th>الدورات التدريبية</th></tr></thead>';
  document.querySelector('main').append(table);
  const range = document.createRange();
  range.selectNodeContents(document.getElementById('probe'));
  return range.getClientRects().length;  // one rectangle per line the heading takes
}"""


def test_the_trainees_home_in_arabic_on_a_desktop_and_a_phone(live_server, page, demo, screenshot_path):
    sign_in(page, live_server.url)
    assert page.locator("html").get_attribute("dir") == "rtl"
    sessions = page.locator("li.session-card")
    assert sessions.count() >= 5
    assert sessions.first.locator("a[href*='/verify/']").count() == 1
    sign_out = page.get_by_role("button", name="تسجيل الخروج")
    assert sign_out.count() == 1  # in the header only
    search = page.locator("#site-search")
    assert abs(box(sign_out)["y"] - box(search)["y"]) < box(search)["height"]  # one line at 1280 px
    page.screenshot(path=screenshot_path("learner-home-ar-1280"), full_page=True)

    page.set_viewport_size({"width": 360, "height": 800})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    sign_out_box = box(sign_out)
    assert sign_out_box["x"] >= 0 and sign_out_box["x"] + sign_out_box["width"] <= 360
    page.screenshot(path=screenshot_path("learner-home-ar-360"), full_page=True)

    probe = page.evaluate(NARROW_TABLE)
    assert probe == 1  # "الأشخاص" on one line, not "الأشخا" / "ص"
