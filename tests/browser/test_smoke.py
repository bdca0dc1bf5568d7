"""The site shell opens in the browser in Arabic, right to left."""


def test_admin_login_page_renders_right_to_left_in_arabic(live_server, page, screenshot_path):
    page.goto(f"{live_server.url}/admin/login/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    page.screenshot(path=screenshot_path("admin-login-ar"))
